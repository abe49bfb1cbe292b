// PenTextFuzzer: libFuzzer target for seqlab's plain-text pen format reader.
import Features
import FuzzSupport

/// The pen features every sample read goes through, as `extract-strokes` and `label` compute them:
/// on the recorded points, and after arc-length resampling with direction and curvature.
let featureConfigs = [StrokeFeatureConfig(), StrokeFeatureConfig(resampleStep: 0.05, direction: true, curvature: true)]

/// Each input is a pen text file (docs/FORMATS.md), read as `extract-strokes` reads it, and its
/// samples' features are computed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPenText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.pen")
    FuzzInput.expectInputError {
        let result = try PenTextReader().read(path: path)
        for sample in result.samples {
            precondition(sample.strokes.allSatisfy { !$0.points.isEmpty }, "a sample holds an empty stroke")
            for config in featureConfigs { _ = try checkedStrokeFeatures(sample, config: config) }
        }
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_pentext_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzPenText)
}
