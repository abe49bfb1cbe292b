// TextFuzzer: libFuzzer target for Kaldi `text` and `wav.scp` lists.
import Formats
import FuzzSupport

/// Each input is read both as a Kaldi `text` file and as a `wav.scp`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.txt")
    FuzzInput.expectInputError { _ = try KaldiText.read(path: path) }
    FuzzInput.expectInputError { _ = try WavScp.read(path: path) }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_text_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzText)
}
