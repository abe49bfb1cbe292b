// TextFuzzer: libFuzzer target for Kaldi `text` and `wav.scp` lists.
import Formats
import FuzzSupport

/// Each input is read both as a Kaldi `text` file and as a `wav.scp`. A `text` that reads is
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
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_text_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzText)
}
