// PenTextFuzzer: libFuzzer target for seqlab's plain-text pen format reader.
import Features
import FuzzSupport

/// Each input is a pen text file (docs/FORMATS.md), read as `extract-strokes` reads it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPenText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.pen")
    FuzzInput.expectInputError {
        let result = try PenTextReader().read(path: path)
        for sample in result.samples {
            precondition(sample.strokes.allSatisfy { !$0.points.isEmpty }, "a sample holds an empty stroke")
        }
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_pentext_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzPenText)
}
