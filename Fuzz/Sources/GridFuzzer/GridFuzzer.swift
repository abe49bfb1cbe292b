// GridFuzzer: libFuzzer target for the grid-world map parser.
import FuzzSupport
import GridRL

/// Each input is a map file, read as `seqlab grid` reads it; a map that parses must print back
/// (`formatted()`) to text that parses to an equal map, else the target aborts (a finding).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGrid(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.map")
    FuzzInput.expectInputError {
        let map = try GridMap(contentsOf: path)
        let text = map.formatted()
        do {
            let again = try GridMap(parsing: text, file: "formatted")
            precondition(again == map, "formatted() did not parse back to an equal map:\n\(text)")
        } catch {
            fatalError("formatted() wrote a map that does not parse (\(error)):\n\(text)")
        }
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_grid_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzGrid)
}
