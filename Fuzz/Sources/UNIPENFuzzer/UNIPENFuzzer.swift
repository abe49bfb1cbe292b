// UNIPENFuzzer: libFuzzer target for the UNIPEN reader.
import Features
import FuzzSupport

/// Each input is a UNIPEN file (`input.unipen` in the scratch folder); `.INCLUDE` paths resolve in
/// that folder, which also holds one small included file, `inc`, so includes that exist, are
/// missing, or loop (`.INCLUDE input.unipen`) are all reachable.
let includeFile: Void = {
    FuzzInput.store(Array(".COORD X Y\n.PEN_DOWN\n1 2\n3 4\n.PEN_UP\n".utf8), as: "inc")
}()

/// The pen features every sample read goes through, as `extract-strokes` and `label` compute them:
/// on the recorded points, and after arc-length resampling with direction and curvature.
let featureConfigs = [StrokeFeatureConfig(), StrokeFeatureConfig(resampleStep: 0.05, direction: true, curvature: true)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUNIPEN(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    includeFile
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.unipen")
    FuzzInput.expectInputError {
        let result = try UNIPENReader(includeRoot: FuzzInput.directory).read(path: path)
        for sample in result.samples {
            precondition(sample.strokes.allSatisfy { !$0.points.isEmpty }, "a sample holds an empty stroke")
            for config in featureConfigs { _ = try checkedStrokeFeatures(sample, config: config) }
        }
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_unipen_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzUNIPEN)
}
