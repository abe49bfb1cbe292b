// Pen distortion in feature space against the features of distorted points, and its random draws.
import XCTest
import Tensors
import Features
import TestSupport

final class PenDistortionTests: XCTestCase {
    /// Five strokes of random points: 9 points with a repeated one (a zero-length step), a single
    /// dot, two points, 6 points, 14 points.
    func randomSample(seed: UInt64) -> InkSample {
        var g = SeededGenerator(seed: seed)
        var strokes: [[PenPoint]] = []
        for count in [9, 1, 2, 6, 14] {
            var x = g.uniform() * 500, y = g.uniform() * 300
            var points: [PenPoint] = []
            for i in 0..<count {
                if !(count == 9 && i == 4) {   // point 4 of the first stroke repeats point 3
                    x += (g.uniform() - 0.3) * 40; y += (g.uniform() - 0.5) * 40
                }
                points.append(PenPoint(x: x, y: y))
            }
            strokes.append(points)
        }
        return InkSample(id: "s", label: "w", strokes: strokes.map { Stroke(points: $0) }, source: ("mem", 1),
                         pointsPerInch: nil, yPointsUp: true)
    }

    func layouts(resampleStep: Double?) -> [StrokeFeatureConfig] {
        [(false, false), (true, false), (false, true), (true, true)].map {
            StrokeFeatureConfig(resampleStep: resampleStep, direction: $0.0, curvature: $0.1)
        }
    }

    /// The oracle: the normalised (and resampled) points mapped by A, then `strokeFeatures`.
    func featuresOfMappedPoints(_ sample: InkSample, _ a: PenTransform, _ config: StrokeFeatureConfig) -> Matrix {
        let mapped = normalisedStrokes(sample, config: config).map { stroke in
            stroke.map { p -> InkXY in let (x, y) = a.apply(p.x, p.y); return InkXY(x: x, y: y) }
        }
        return strokeFeatures(normalised: mapped, config: config)
    }

    func testFeatureSpaceDistortionEqualsFeaturesOfDistortedPoints() {
        let transforms = [
            PenTransform(rotation: 0.15, slant: 0.3, scaleX: 0.9, scaleY: 1.1),
            PenTransform(rotation: -0.4, slant: -0.2, scaleX: 1.15, scaleY: 0.85),
            PenTransform(rotation: 1.2, slant: 0, scaleX: 1, scaleY: 1),
        ]
        for seed: UInt64 in [1, 2, 3] {
            let sample = randomSample(seed: seed)
            for step in [nil, 0.05] as [Double?] {
                for config in layouts(resampleStep: step) {
                    let features = strokeFeatures(sample, config: config)
                    for a in transforms {
                        let distorted = PenDistortion.apply(a, to: features, layout: config)
                        let expected = featuresOfMappedPoints(sample, a, config)
                        XCTAssertEqual(distorted.rows, expected.rows)
                        assertClose(distorted, expected, absolute: 2e-5,
                                    "seed \(seed), step \(String(describing: step)), dimension \(config.dimension), \(a)")
                        // The end-of-stroke column is untouched.
                        for t in 0..<features.rows { XCTAssertEqual(distorted[t, 2], features[t, 2]) }
                    }
                }
            }
        }
    }

    func testIdentityKeepsTheFeatures() {
        let config = StrokeFeatureConfig(resampleStep: 0.05, direction: true, curvature: true)
        let features = strokeFeatures(randomSample(seed: 4), config: config)
        // Direction and curvature are recomputed from the Float offsets, the originals came from
        // Double points: equal to Float precision of the offsets (near a cusp, p(i+1) − p(i−1)
        // is a short difference of two longer offsets).
        assertClose(PenDistortion.apply(.identity, to: features, layout: config), features, absolute: 2e-5)
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(PenDistortion().draw(rng: &g), .identity)
    }

    func testTransformIsRotationAfterSlantAfterScale() {
        let theta = 0.3, s = 0.25, sx = 0.8, sy = 1.2
        // R·Sh·D multiplied out by hand: Sh·D = [[sx, s·sy], [0, sy]].
        let r = [[cos(theta), -sin(theta)], [sin(theta), cos(theta)]], shd = [[sx, s * sy], [0, sy]]
        func product(_ i: Int, _ j: Int) -> Double { r[i][0] * shd[0][j] + r[i][1] * shd[1][j] }
        let a = PenTransform(rotation: theta, slant: s, scaleX: sx, scaleY: sy)
        XCTAssertEqual(a.a, product(0, 0), accuracy: 1e-12)
        XCTAssertEqual(a.b, product(0, 1), accuracy: 1e-12)
        XCTAssertEqual(a.c, product(1, 0), accuracy: 1e-12)
        XCTAssertEqual(a.d, product(1, 1), accuracy: 1e-12)
        // An upright stroke (0, 1) leans right under a positive slant.
        let (x, y) = PenTransform(rotation: 0, slant: 0.3, scaleX: 1, scaleY: 1).apply(0, 1)
        XCTAssertEqual(x, 0.3, accuracy: 1e-12)
        XCTAssertEqual(y, 1, accuracy: 1e-12)
    }

    func testDrawsStayWithinTheirBoundsAndSpreadOverThem() {
        var g = SeededGenerator(seed: 7)
        var angles: [Double] = [], slants: [Double] = [], scales: [Double] = []
        for _ in 0..<2000 {
            let rotation = PenDistortion(rotationDegrees: 10).draw(rng: &g)
            XCTAssertEqual(rotation.a * rotation.d - rotation.b * rotation.c, 1, accuracy: 1e-12)   // a pure rotation
            XCTAssertEqual(rotation.a, rotation.d, accuracy: 1e-12)
            angles.append(atan2(rotation.c, rotation.a) * 180 / Double.pi)
            let slant = PenDistortion(slant: 0.2).draw(rng: &g)
            XCTAssertEqual([slant.a, slant.c, slant.d], [1, 0, 1])
            slants.append(slant.b)
            let scale = PenDistortion(scale: 0.1).draw(rng: &g)
            XCTAssertEqual([scale.b, scale.c], [0, 0])
            scales += [scale.a, scale.d]
        }
        for (values, bound, centre) in [(angles, 10.0, 0.0), (slants, 0.2, 0), (scales, 0.1, 1)] {
            XCTAssertLessThanOrEqual(values.map { abs($0 - centre) }.max()!, bound)
            XCTAssertGreaterThan(values.max()! - centre, 0.95 * bound)
            XCTAssertLessThan(values.min()! - centre, -0.95 * bound)
            XCTAssertEqual(values.reduce(0, +) / Double(values.count), centre, accuracy: 0.05 * bound)
        }
    }

    func testOutOfRangeBoundsNameTheirFlag() {
        for (distortion, flag) in [(PenDistortion(rotationDegrees: 90), "--pen-rotation"), (PenDistortion(rotationDegrees: -1), "--pen-rotation"),
                                   (PenDistortion(slant: 1.5), "--pen-slant"), (PenDistortion(scale: 1), "--pen-scale"),
                                   (PenDistortion(scale: .nan), "--pen-scale")] {
            XCTAssertThrowsError(try distortion.validate(), flag) { XCTAssertTrue("\($0)".contains(flag), "\($0)") }
        }
        XCTAssertNoThrow(try PenDistortion(rotationDegrees: 8, slant: 0.3, scale: 0.15).validate())
    }

    /// The test-time variants, written out by hand: the identity, then each axis of the bounds'
    /// box at both ends; a zero bound contributes no pair.
    func testTestTimeVariantsAreTheBoxCornersOneAxisAtATime() {
        let theta = 5 * Double.pi / 180, c = cos(theta), s = sin(theta)
        let expected: [[Double]] = [
            [1, 0, 0, 1],
            [c, s, -s, c], [c, -s, s, c],        // rotations by −5° and +5°: [[cos, −sin], [sin, cos]]
            [1, -0.25, 0, 1], [1, 0.25, 0, 1],   // slants x ← x ∓ 0.25·y
            [0.9, 0, 0, 1], [1.1, 0, 0, 1],      // widths 0.9 and 1.1, the height kept
        ]
        let variants = PenDistortion(rotationDegrees: 5, slant: 0.25, scale: 0.1).testTimeVariants
        XCTAssertEqual(variants.count, expected.count)
        for (v, e) in zip(variants, expected) {
            for (got, want) in zip([v.a, v.b, v.c, v.d], e) { XCTAssertEqual(got, want, accuracy: 1e-12, "\(v)") }
        }
        XCTAssertEqual(PenDistortion(slant: 0.3).testTimeVariants,
                       [.identity, PenTransform(a: 1, b: -0.3, c: 0, d: 1), PenTransform(a: 1, b: 0.3, c: 0, d: 1)])
        XCTAssertEqual(PenDistortion().testTimeVariants, [.identity])
    }

    func testValidateNamesTheFlagsItIsGiven() {
        XCTAssertThrowsError(try PenDistortion(slant: 2).validate(names: ("rotation", "slant", "width"), file: "--pen-variants")) {
            XCTAssertEqual("\($0)", "--pen-variants: slant 2.0 is outside 0 ... 1")
        }
    }
}
