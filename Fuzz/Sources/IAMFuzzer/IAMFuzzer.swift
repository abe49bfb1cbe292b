// IAMFuzzer: libFuzzer target for the IAM-OnDB XML reader.
import Features
import Foundation
import FuzzSupport

/// Each input is an IAM-OnDB stroke XML file, read from memory as the path reader does after
/// loading it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIAM(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(FuzzInput.buffer(data, size))
    FuzzInput.expectInputError { _ = try IAMOnDBReader().read(data: bytes, name: "input.xml") }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_iam_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzIAM)
}
