// GridFuzzer: libFuzzer target for the grid-world map parser.
import FuzzSupport
import GridRL

/// Each input is a map file, read as `seqlab grid` reads it; a map that parses must print back
/// to an equal map.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGrid(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.map")
    FuzzInput.expectInputError {
        let map = try GridMap(contentsOf: path)
        _ = try GridMap(parsing: map.formatted(), file: "formatted")
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_grid_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzGrid)
}
