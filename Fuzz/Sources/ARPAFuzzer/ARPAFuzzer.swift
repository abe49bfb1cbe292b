// ARPAFuzzer: libFuzzer target for the ARPA n-gram reader.
import Decoding
import FuzzSupport

/// Each input is an ARPA file; a model that loads is queried once (a sentence score), as the
/// beam search would.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzARPA(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(FuzzInput.buffer(data, size))
    FuzzInput.expectInputError {
        let model = try NGramModel(arpaBytes: bytes, file: "input.arpa")
        _ = model.sentenceLogProb(Array(model.words.prefix(4)))
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_arpa_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzARPA)
}
