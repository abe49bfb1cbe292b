// Pen features against the independent numpy implementation in scripts/reference/stroke_features.py.
import XCTest
import Foundation
import Tensors
import Features
import TestSupport

final class StrokeFeaturesReferenceTests: XCTestCase {
    struct Case: Decodable {
        var name: String
        var yUp: Bool
        var resample: Double
        var direction: Bool
        var curvature: Bool
        var strokes: [[[Double]]]
        var rows: Int
        var cols: Int
        var features: [Double]
    }

    func testAgainstNumpyReference() throws {
        let url = strokeFixtures.appendingPathComponent("features/reference.json")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let sample = InkSample(id: c.name, label: "", strokes: c.strokes.map { Stroke(points: $0.map { PenPoint(x: $0[0], y: $0[1]) }) },
                                   source: ("reference.json", 1), yPointsUp: c.yUp)
            let config = StrokeFeatureConfig(resampleStep: c.resample > 0 ? c.resample : nil, direction: c.direction, curvature: c.curvature)
            // Float32 output of Double computations: 1e-5 absolute covers the rounding of values ≤ 1.
            assertClose(strokeFeatures(sample, config: config), Matrix(rows: c.rows, cols: c.cols, data: c.features.map(Float.init)),
                        absolute: 1e-5, c.name)
        }
    }
}
