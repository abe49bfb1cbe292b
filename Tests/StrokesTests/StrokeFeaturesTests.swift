// Pen features on hand-computed cases: a square, straight lines, two strokes, resampling, config text.
import XCTest
import Tensors
import Features
import TestSupport

final class StrokeFeaturesTests: XCTestCase {
    func sample(_ strokes: [[(Double, Double)]], yUp: Bool = true, ppi: Double? = nil) -> InkSample {
        InkSample(id: "s", label: "l", strokes: strokes.map { Stroke(points: $0.map { PenPoint(x: $0.0, y: $0.1) }) },
                  source: ("mem", 1), pointsPerInch: ppi.map { ($0, $0) }, yPointsUp: yUp)
    }

    /// A 2×2 square drawn counter-clockwise from the origin becomes the unit square.
    let square = [[(10.0, 5.0), (12.0, 5.0), (12.0, 7.0), (10.0, 7.0), (10.0, 5.0)]]

    func testSquareWithDirectionAndCurvature() {
        let config = StrokeFeatureConfig(direction: true, curvature: true)
        XCTAssertEqual(config.dimension, 7)
        let r = 1 / 2.0.squareRoot()
        // Δx Δy eos | cos θ sin θ of p(i+1) − p(i−1) | cos φ sin φ of the turn at p(i): left turns of 90°.
        let expected = Matrix([
            [0, 0, 0, 1, 0, 1, 0],
            [1, 0, 0, Float(r), Float(r), 0, 1],
            [0, 1, 0, Float(-r), Float(r), 0, 1],
            [-1, 0, 0, Float(-r), Float(-r), 0, 1],
            [0, -1, 1, 0, -1, 1, 0],
        ])
        assertClose(strokeFeatures(sample(square), config: config), expected, absolute: 1e-6)
    }

    func testSquareResampledEveryQuarter() {
        // Perimeter 4 in units of the height: 17 points, 0.25 apart, the corners among them.
        let m = strokeFeatures(sample(square), config: StrokeFeatureConfig(resampleStep: 0.25))
        XCTAssertEqual(m.rows, 17)
        var expected: [[Float]] = [[0, 0, 0]]
        for (dx, dy) in [(0.25, 0.0), (0, 0.25), (-0.25, 0), (0, -0.25)] {
            for _ in 0..<4 { expected.append([Float(dx), Float(dy), 0]) }
        }
        expected[16][2] = 1
        assertClose(m, Matrix(expected), absolute: 1e-6)
    }

    func testStraightLineYDownAndResampledWithShortLastStep() {
        // A vertical line drawn downwards on a screen (y grows down): after the flip it runs to −y.
        let line = sample([[(3, 0), (3, 30)]], yUp: false)
        assertClose(strokeFeatures(line), Matrix([[0, 0, 0], [0, -1, 1]]), absolute: 1e-6)
        let m = strokeFeatures(line, config: StrokeFeatureConfig(resampleStep: 0.3, direction: true))
        assertClose(m, Matrix([[0, 0, 0, 0, -1], [0, -0.3, 0, 0, -1], [0, -0.3, 0, 0, -1], [0, -0.3, 0, 0, -1], [0, -0.1, 1, 0, -1]]),
                    absolute: 1e-6, "points at arc length 0, .3, .6, .9 and the end at 1")
    }

    func testTwoStrokesAndAFlatSample() {
        // A flat sample is scaled by its width (4): the pen lift appears as the Δ of the second stroke.
        let s = sample([[(0, 0), (2, 0)], [(3, 0), (4, 0)]])
        assertClose(strokeFeatures(s), Matrix([[0, 0, 0], [0.5, 0, 1], [0.25, 0, 0], [0.25, 0, 1]]), absolute: 1e-6)
        // A single dot: one row, end of stroke; direction undefined (0, 0), no curvature (1, 0).
        let dot = strokeFeatures(sample([[(5, 5)]]), config: StrokeFeatureConfig(direction: true, curvature: true))
        assertClose(dot, Matrix([[0, 0, 1, 0, 0, 1, 0]]), absolute: 0)
    }

    func testResolutionScale() {
        // 1000 points per inch, 0.25 in per unit: 250 points make 1, whatever the box.
        let s = sample([[(0, 0), (50, 100)]], ppi: 1000)
        assertClose(strokeFeatures(s, config: StrokeFeatureConfig(scale: .resolution)), Matrix([[0, 0, 0], [0.2, 0.4, 1]]), absolute: 1e-6)
        let noResolution = sample([[(0, 0), (50, 100)]])
        assertClose(strokeFeatures(noResolution, config: StrokeFeatureConfig(scale: .resolution)), Matrix([[0, 0, 0], [0.5, 1, 1]]),
                    absolute: 1e-6, "falls back to the height")
    }

    func testFileScaleIsThePointWeightedMedianHeight() throws {
        // Heights 100 (4 points), 10 (2 points), 40 (3 points), and a dot without height: sorted
        // 10 (2), 40 (3), 100 (4); half the weight of 9 is 4.5, reached at 40.
        let word = sample([[(0, 0), (10, 50), (20, 100), (30, 0)]])
        let comma = sample([[(0, 0), (3, 10)]])
        let mid = sample([[(0, 0), (10, 40), (20, 0)]])
        let dot = sample([[(5, 5)]])
        XCTAssertEqual(fileScaleUnit([word, comma, mid, dot]), 40)
        XCTAssertEqual(fileScaleUnit([comma, word, word]), 100, "the words outweigh the comma")
        XCTAssertNil(fileScaleUnit([dot]), "no height at all")
        XCTAssertNil(fileScaleUnit([]))
        // With the file's unit the comma keeps its size relative to the words; with .height it is 1 high.
        let config = StrokeFeatureConfig(scale: .file)
        assertClose(strokeFeatures(comma, config: config, fileUnit: 40), Matrix([[0, 0, 0], [0.075, 0.25, 1]]), absolute: 1e-6)
        assertClose(strokeFeatures(comma, config: StrokeFeatureConfig(), fileUnit: 40), Matrix([[0, 0, 0], [0.3, 1, 1]]), absolute: 1e-6,
                    "other scales ignore the file's unit")
        assertClose(strokeFeatures(comma, config: config), Matrix([[0, 0, 0], [0.3, 1, 1]]), absolute: 1e-6,
                    "read alone: the sample's height")
        // Resampled every 0.05 of the unit, the comma gets about 1/4 of the points a unit-high stroke gets.
        let resampled = StrokeFeatureConfig(scale: .file, resampleStep: 0.05)
        let small = try checkedStrokeFeatures(comma, config: resampled, fileUnit: 40)
        let unitHigh = try checkedStrokeFeatures(comma, config: StrokeFeatureConfig(resampleStep: 0.05))
        XCTAssertEqual(small.rows, 7)      // arc 0.261 / 0.05 → 5 steps, the first and last point
        XCTAssertEqual(unitHigh.rows, 22)  // arc 1.044 / 0.05 → 20 steps, the first and last point
        XCTAssertEqual(try StrokeFeatureConfig(text: "--scale=file").scale, .file)
        XCTAssertEqual(try StrokeFeatureConfig(text: config.text), config)
    }

    func testResamplingKeepsCornersAndSkipsRepeatedPoints() {
        let pts = [InkXY(x: 0, y: 0), InkXY(x: 0, y: 0), InkXY(x: 0.5, y: 0), InkXY(x: 0.5, y: 0.5)]
        let r = resampledByArcLength(pts, step: 0.25)
        assertClose(r.map(\.x), [0, 0.25, 0.5, 0.5, 0.5], absolute: 1e-12)
        assertClose(r.map(\.y), [0, 0, 0, 0.25, 0.5], absolute: 1e-12)
    }

    func testConfigTextRoundTripAndErrors() throws {
        let c = StrokeFeatureConfig(scale: .resolution, resolutionInches: 0.5, resampleStep: 0.05, direction: true, curvature: false)
        XCTAssertEqual(try StrokeFeatureConfig(text: c.text), c)
        XCTAssertEqual(try StrokeFeatureConfig(text: StrokeFeatureConfig().text), StrokeFeatureConfig())
        XCTAssertEqual(try StrokeFeatureConfig(text: "# only one\n--curvature=true\n"), StrokeFeatureConfig(curvature: true))
        XCTAssertTrue(StrokeFeatureConfig().text.hasPrefix("--kind=strokes\n"))
        XCTAssertTrue(StrokeFeatureConfig().text.contains("--resample-step=0\n"))
        XCTAssertTrue(StrokeFeatureConfig.describesStrokes(c.text))
        XCTAssertFalse(StrokeFeatureConfig.describesStrokes("--feature-type=mfcc\n--num-ceps=13\n"))
        XCTAssertEqual(try StrokeFeatureConfig(text: "--direction=true\n--direction=false\n"), StrokeFeatureConfig(), "the last line wins")
        for (bad, line) in [("--scale=width", 1), ("\n--resample-step=-1", 2), ("--direction=yes", 1), ("--speed=1", 1), ("scale height", 1),
                            ("--kind=audio", 1)] {
            XCTAssertThrowsError(try StrokeFeatureConfig(text: bad, file: "cfg")) { e in
                XCTAssertEqual((e as! InputError).place, "line \(line)", "\(e)")
            }
        }
        XCTAssertThrowsError(try StrokeFeatureConfig(text: "--speed\u{1B}[31m=1", file: "cfg")) { e in
            XCTAssertEqual("\(e)", "cfg: line 1: unknown stroke feature option --speed\\x1B[31m")
        }
    }
}

final class CheckedStrokeFeaturesTests: XCTestCase {
    func testBadIdsAndOverflowingCoordinatesAreInputErrors() throws {
        func sample(id: String, _ points: [(Double, Double)]) -> InkSample {
            InkSample(id: id, label: "", strokes: [Stroke(points: points.map { PenPoint(x: $0.0, y: $0.1) })], source: ("f.pen", 7))
        }
        XCTAssertEqual(try checkedStrokeFeatures(sample(id: "ok", [(0, 0), (0, 1)])).rows, 2)
        XCTAssertThrowsError(try checkedStrokeFeatures(sample(id: "a b", [(0, 0)]))) { e in
            XCTAssertEqual("\(e)".prefix(12), "f.pen: line ")
        }
        XCTAssertThrowsError(try checkedStrokeFeatures(sample(id: "big", [(-1e308, 0), (1e308, 1e308)]))) { e in
            XCTAssertTrue((e as! InputError).message.contains("not finite"), "\(e)")
        }
    }
}
