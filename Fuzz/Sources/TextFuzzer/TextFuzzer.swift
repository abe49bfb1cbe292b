// TextFuzzer: libFuzzer target for Kaldi `text`, `wav.scp` and `segments` lists and `ctm` files.
import Formats
import FuzzSupport

/// Each input is read as a Kaldi `text` file, as a `wav.scp`, as a `segments` file (each segment
/// cut from recordings of a few lengths and rates, whose range must lie inside the recording) and
/// as a `ctm` file. A `text` that reads is
/// written back (`KaldiText.write`, which may refuse a token the reader took, with an
/// `InputError`) and read again: the entries must come back equal, else the target aborts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.txt")
    FuzzInput.expectInputError {
        let entries = try KaldiText.read(path: path)
        let copy = FuzzInput.path("copy.txt")
        try KaldiText.write(entries.map { ($0.key, $0.tokens) }, to: copy)
        let again = try KaldiText.read(path: copy)
        precondition(again.map(\.key) == entries.map(\.key) && again.map(\.tokens) == entries.map(\.tokens),
                     "KaldiText.write did not read back to the same entries")
    }
    FuzzInput.expectInputError { _ = try WavScp.read(path: path) }
    FuzzInput.expectInputError {
        for segment in try KaldiSegments.read(path: path) {
            for (frames, rate) in [(1, 8000), (16000, 16000), (441_000, 44100)] {
                FuzzInput.expectInputError {
                    let range = try segment.samples(frames: frames, rate: rate)
                    precondition(range.lowerBound >= 0 && range.upperBound <= frames && !range.isEmpty,
                                 "KaldiSegment.samples gave \(range) for a recording of \(frames) samples")
                }
            }
        }
    }
    FuzzInput.expectInputError {
        let utterances = try CTMFile.read(path: path)
        precondition(utterances.allSatisfy { !$0.tokens.isEmpty && $0.tokens.allSatisfy { (0...1).contains($0.confidence) } },
                     "CTMFile.read returned an utterance without tokens or a confidence outside [0, 1]")
    }
    FuzzInput.expectInputError { _ = try CTMFile.read(path: path, requireConfidence: true) }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_text_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzText)
}
