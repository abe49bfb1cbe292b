// WavFuzzer: libFuzzer target for audio files read through libsndfile (AudioReader).
import Features
import FuzzSupport

/// Each input is an audio file (named `.wav`; libsndfile picks the format from the header), read
/// as `extract` reads it: the header, then every sample to mono.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudio(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.wav")
    FuzzInput.expectInputError {
        let info = try AudioReader.info(path: path)
        let audio = try AudioReader.read(path: path)
        precondition(audio.sampleRate == info.sampleRate, "sample rate changed between info and read")
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_wav_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzAudio)
}
