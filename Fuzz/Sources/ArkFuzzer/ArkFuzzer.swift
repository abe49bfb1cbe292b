// ArkFuzzer: libFuzzer target for the Kaldi archive reader (binary FM/DM/FV/DV/CM/CM2/CM3 and text matrices).
import Formats
import FuzzSupport

/// Each input is a whole archive, read to the end as `KaldiArchiveReader` streams it for
/// `extract`, `decode`, `label` and `inspect`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.ark")
    FuzzInput.expectInputError {
        let reader = try KaldiArchiveReader(path: path)
        while let record = try reader.next() {
            precondition(record.matrix.data.count == record.matrix.rows * record.matrix.cols, "matrix storage does not match its shape")
        }
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_ark_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzArchive)
}
