// Test-time pen variants: the labeller's averaged posteriors against separate passes averaged in Double.
import XCTest
import Decoding
import Features
import Formats
import Labelling
import Networks
import Tensors
import TestSupport

final class PenVariantDecodingTests: XCTestCase {
    let layout = StrokeFeatureConfig(resampleStep: 0.1, direction: true, curvature: true)

    func model(task: TrainingTask = .ctc, frontEnd: FrontEnd?) throws -> LabellingModel {
        var rng = SeededGenerator(seed: 3)
        let configuration = LSTMNetworkConfiguration(inputSize: layout.dimension, hiddenSizes: [6], bidirectional: true, classes: 4)
        return LabellingModel(network: LSTMNetwork<Float>(configuration, rng: &rng), alphabet: try Alphabet(tokens: ["a", "b", "c"]),
                              tokenUnit: .characters, frontEnd: frontEnd, task: task)
    }

    /// Pen features of two random strokes (12 and 9 points), as `extract strokes` computes them.
    func features() -> Matrix {
        var g = SeededGenerator(seed: 11)
        let strokes = [12, 9].map { count -> Stroke in
            var x = g.uniform() * 50, y = g.uniform() * 50
            return Stroke(points: (0..<count).map { _ in
                x += g.uniform() * 10; y += (g.uniform() - 0.5) * 20
                return PenPoint(x: x, y: y)
            })
        }
        let sample = InkSample(id: "s", label: "ab", strokes: strokes, source: ("mem", 1), pointsPerInch: nil, yPointsUp: true)
        return strokeFeatures(sample, config: layout)
    }

    /// log((1/N) Σₙ exp(log Pₙ(k | t))), each variant's pass run alone, summed in Double (the
    /// identity's variant is `x` as given).
    func averagedSeparately(_ labeller: Labeller, _ x: Matrix, _ transforms: [PenTransform]) -> Matrix {
        let passes = transforms.map { labeller.model.network.logProbabilities([$0 == .identity ? x : PenDistortion.apply($0, to: x, layout: layout)])[0] }
        var out = passes[0]
        for t in 0..<out.rows {
            for k in 0..<out.cols {
                out[t, k] = Float(log(passes.map { exp(Double($0[t, k])) }.reduce(0, +) / Double(passes.count)))
            }
        }
        return out
    }

    func testAveragedPosteriorsEqualSeparatePassesAveraged() throws {
        var labeller = Labeller(model: try model(frontEnd: .strokes(layout)), bestPath: true)
        let x = features()
        let plain = labeller.logProbabilities(x)
        labeller.penTransforms = [.identity]
        XCTAssertEqual(labeller.logProbabilities(x).data, plain.data, "the identity alone is the plain pass")
        let transforms = PenDistortion(rotationDegrees: 20, slant: 0.4, scale: 0.3).testTimeVariants
        labeller.penTransforms = transforms
        let averaged = labeller.logProbabilities(x)
        XCTAssertEqual(averaged.rows, x.rows)
        assertClose(averaged, averagedSeparately(labeller, x, transforms), absolute: 2e-5)
        XCTAssertGreaterThan(zip(averaged.data, plain.data).map { abs($0 - $1) }.max()!, 1e-3, "the variants change the posteriors")
        let mass = (0..<averaged.rows).map { t in (0..<averaged.cols).map { exp(Double(averaged[t, $0])) }.reduce(0, +) }
        XCTAssertLessThan(mass.map { abs($0 - 1) }.max()!, 1e-5, "each frame is still a distribution")
        // Decoding reads the averaged posteriors.
        XCTAssertEqual(try labeller.decode(x, key: "s", file: "f"), try labeller.decode(logProbabilities: averaged))
    }

    /// A framewise model labels each frame from the averaged posteriors too.
    func testFramewiseModelsLabelFromTheAverage() throws {
        var labeller = Labeller(model: try model(task: .framewise, frontEnd: .strokes(layout)), bestPath: true)
        labeller.penTransforms = PenDistortion(rotationDegrees: 20, slant: 0.4).testTimeVariants
        let x = features()
        let expected = averagedSeparately(labeller, x, labeller.penTransforms)
        let labels = try labeller.labels(x, key: "s", file: "f")[0].tokens
        XCTAssertEqual(labels, (0..<x.rows).map { t in (0..<expected.cols).max { expected[t, $0] < expected[t, $1] }! })
    }
}
