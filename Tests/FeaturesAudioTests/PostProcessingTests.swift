// CMVN and deltas: statistics after normalisation, and Kaldi's delta filters on a hand-computed case.
import XCTest
import Features
import Tensors
import TestSupport

final class PostProcessingTests: XCTestCase {
    func testMeanVarianceNormalisationGivesZeroMeanUnitVariance() {
        var generator = SeededGenerator(seed: 3)
        let t = 37, d = 5
        var m = Matrix(rows: t, cols: d, data: (0..<(t * d)).map { Float(generator.normal() * 3 + Double($0 % d) * 10) })
        applyCMVN(&m, mode: .meanvar)
        for c in 0..<d {
            let column = (0..<t).map { Double(m[$0, c]) }
            let mean = column.reduce(0, +) / Double(t)
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(t)
            XCTAssertEqual(mean, 0, accuracy: 1e-5, "column \(c)")
            XCTAssertEqual(variance, 1, accuracy: 1e-4, "column \(c)")
        }
    }

    func testMeanNormalisationKeepsSpreadAndConstantColumnsBecomeZero() {
        var m = Matrix([[1, 5], [3, 5], [8, 5]])
        applyCMVN(&m, mode: .mean)
        assertClose(m, Matrix([[-3, 0], [-1, 0], [4, 0]]), absolute: 1e-6)
        var c = Matrix([[2, 5], [2, 5]])
        applyCMVN(&c, mode: .meanvar)
        XCTAssertTrue(c.allFinite)
        assertClose(c.data, [Float](repeating: 0, count: 4), absolute: 1e-6)
        var unchanged = Matrix([[1, 2]])
        applyCMVN(&unchanged, mode: .none)
        XCTAssertEqual(unchanged, Matrix([[1, 2]]))
    }

    func testSpeakerCMVNUsesAllFramesOfTheSpeaker() throws {
        // Speaker a: [[1, 10], [3, 10]] and [[5, 40]]: means 3 and 20; population variances 8/3 and 200.
        var utterances: [(key: String, features: Matrix)] = [
            ("a1", Matrix([[1, 10], [3, 10]])), ("b1", Matrix([[7, 7], [9, 8]])), ("a2", Matrix([[5, 40]])), ("c1", Matrix([[2, 4], [6, 8]])),
        ]
        XCTAssertEqual(applySpeakerCMVN(&utterances, speakerOf: ["a1": "a", "a2": "a", "b1": "b"], mode: .meanvar).count, 0)
        let sa = (8.0 / 3).squareRoot(), sv = 200.0.squareRoot()
        XCTAssertEqual(utterances.map(\.key), ["a1", "b1", "a2", "c1"], "input order")
        assertClose(utterances[0].features, Matrix([[Float(-2 / sa), Float(-10 / sv)], [0, Float(-10 / sv)]]), absolute: 1e-6)
        assertClose(utterances[2].features, Matrix([[Float(2 / sa), Float(20 / sv)]]), absolute: 1e-6)
        // b alone and c (in no speaker's list) are normalised by their own frames, as applyCMVN does.
        var b = Matrix([[7, 7], [9, 8]]), c = Matrix([[2, 4], [6, 8]])
        applyCMVN(&b, mode: .meanvar)
        applyCMVN(&c, mode: .meanvar)
        XCTAssertEqual(utterances[1].features, b)
        XCTAssertEqual(utterances[3].features, c)
        // Mean only: the speaker's mean subtracted, spread kept.
        var meanOnly: [(key: String, features: Matrix)] = [("a1", Matrix([[1, 10], [3, 10]])), ("a2", Matrix([[5, 40]]))]
        XCTAssertEqual(applySpeakerCMVN(&meanOnly, speakerOf: ["a1": "a", "a2": "a"], mode: .mean).count, 0)
        assertClose(meanOnly[0].features, Matrix([[-2, -10], [0, -10]]), absolute: 1e-6)
        assertClose(meanOnly[1].features, Matrix([[2, 20]]), absolute: 1e-6)
        // An utterance whose dimension is not its speaker's is left out and named; the rest of its
        // speaker (a1, a3) and the other speakers (b1) are normalised as without it.
        var mixed: [(key: String, features: Matrix)] = [
            ("a1", Matrix([[1, 10], [3, 10]])), ("a2", Matrix([[1, 2, 3]])), ("b1", Matrix([[7, 7], [9, 8]])), ("a3", Matrix([[5, 40]])),
        ]
        let errors = applySpeakerCMVN(&mixed, speakerOf: ["a1": "a", "a2": "a", "a3": "a", "b1": "b"], mode: .meanvar, file: "f.ark")
        XCTAssertEqual(errors.map(\.description), ["f.ark: a2: 3 dimensions, but a1 of the same speaker has 2; left out"])
        XCTAssertEqual(mixed.map(\.key), ["a1", "b1", "a3"])
        assertClose(mixed[0].features, utterances[0].features, absolute: 0)
        XCTAssertEqual(mixed[1].features, b)
        assertClose(mixed[2].features, utterances[2].features, absolute: 0)
    }

    func testDeltaFiltersAreKaldis() {
        let scales = deltaScales(order: 2)
        assertClose(scales[0], [1], absolute: 0)
        // order 1: [-2, -1, 0, 1, 2] / Σj² (= 10)
        assertClose(scales[1], [-0.2, -0.1, 0, 0.1, 0.2], absolute: 1e-7)
        // order 2: that filter convolved with itself: Σ_{j+k=m} j·k / 100
        assertClose(scales[2], [0.04, 0.04, 0.01, -0.04, -0.1, -0.04, 0.01, 0.04, 0.04], absolute: 1e-7)
    }

    func testDeltasOnAHandComputedCase() {
        // x = 1, 2, 4 (one column); ends are replicated: x[-1] = x[-2] = 1, x[3] = x[4] = 4.
        let x = Matrix([[1], [2], [4]])
        let out = addDeltas(x, order: 2)
        XCTAssertEqual(out.cols, 3)
        // delta(t) = Σ_j j·x[t+j] / 10
        let delta: [Float] = [(-2 * 1 - 1 * 1 + 1 * 2 + 2 * 4) / 10,
                              (-2 * 1 - 1 * 1 + 1 * 4 + 2 * 4) / 10,
                              (-2 * 1 - 1 * 2 + 1 * 4 + 2 * 4) / 10]
        // delta-delta(1): the order-2 filter over x[-3…5] = 1, 1, 1, 1, 2, 4, 4, 4, 4
        let dd1: Float = 0.04 * 1 + 0.04 * 1 + 0.01 * 1 - 0.04 * 1 - 0.1 * 2 - 0.04 * 4 + 0.01 * 4 + 0.04 * 4 + 0.04 * 4
        assertClose((0..<3).map { out[$0, 0] }, [1, 2, 4], absolute: 0)
        assertClose((0..<3).map { out[$0, 1] }, delta, absolute: 1e-6)
        XCTAssertEqual(out[1, 2], dd1, accuracy: 1e-6)
        XCTAssertEqual(addDeltas(x, order: 0), x)
    }

    func testExtractorAppliesCMVNAndDeltasAfterTheFeatures() throws {
        let samples = tone(hz: 440, rate: 16000, seconds: 0.3)
        var config = FrontendConfig(featureType: .fbank)
        let plain = try FeatureExtractor(config: config).features(samples: samples, sampleRate: 16000)
        config.cmvn = .mean
        config.deltas = 2
        let post = try FeatureExtractor(config: config).features(samples: samples, sampleRate: 16000)
        XCTAssertEqual(post.cols, config.outputDimension)
        XCTAssertEqual(post.cols, 3 * plain.cols)
        var expected = plain
        applyCMVN(&expected, mode: .mean)
        assertClose(post, addDeltas(expected, order: 2), absolute: 1e-5)
    }
}
