// EchoStateClassifier: the time-averaged readout is the readout of the mean state; it classifies sine frequencies.
import XCTest
import Networks
import Tensors
import TestSupport

final class EchoStateClassifierTests: XCTestCase {
    /// A noisy sine of one of three frequencies, random phase and length 30–60; the class is the frequency.
    func sines(_ count: Int, _ rng: inout SeededGenerator) -> (SequenceBatch<Float>, [Int]) {
        var sequences: [Array2D<Float>] = [], labels: [Int] = []
        for _ in 0..<count {
            let k = Int(rng.next() % 3), length = 30 + Int(rng.next() % 31), phase = 2 * Double.pi * rng.uniform()
            let omega = [0.2, 0.35, 0.5][k]
            sequences.append(Array2D(rows: length, cols: 1, data: (0..<length).map { Float(sin(omega * Double($0) + phase) + 0.2 * rng.normal()) }))
            labels.append(k)
        }
        return (SequenceBatch(sequences: sequences), labels)
    }

    /// Frequency is not a linear function of the input, and the mean of a linear reservoir's state
    /// under a zero-mean sine is near 0, so the reservoir runs in its non-linear range (input scale
    /// 2, bias 1). Chance is 1/3; held-out accuracy must exceed 0.75 (0.855 when written).
    func testClassifiesSineFrequencies() throws {
        let esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 1, reservoirSize: 100, outputSize: 3, spectralRadius: 0.9,
                                                              inputScale: 2, biasScale: 1, connectivity: 0.2, ridge: 1e-5, washout: 5, seed: 21))
        var classifier = EchoStateClassifier(network: esn)
        var rng = SeededGenerator(seed: 22)
        for _ in 0..<4 { let (batch, labels) = sines(50, &rng); classifier.add(batch, labels: labels) }
        XCTAssertLessThan(try classifier.fit(), 1e-9, "normal equations")
        let (test, labels) = sines(200, &rng)
        let right = zip(classifier.classify(test), labels).filter { $0 == $1 }.count
        XCTAssertGreaterThan(Double(right) / 200, 0.75)
    }

    /// The mean of y(t) over a sequence equals W_out applied to the mean of [1; u(t); x(t)]
    /// (linearity of the readout; Float sums: 1e-4).
    func testMeanOutputIsTheReadoutOfTheMeanState() throws {
        var esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 1, reservoirSize: 12, outputSize: 3, seed: 23))
        var rng = SeededGenerator(seed: 24)
        esn.readout = Array2D(rows: 3, cols: esn.featureCount, uniformScale: 1, rng: &rng)
        let classifier = EchoStateClassifier(network: esn)
        let (batch, _) = sines(3, &rng)
        let design = esn.design(batch, states: esn.run(batch).states), mean = classifier.meanOutputs(batch)
        for b in 0..<3 {
            var z = [Double](repeating: 0, count: esn.featureCount)
            for t in 0..<batch.lengths[b] { for j in 0..<z.count { z[j] += Double(design[t * 3 + b, j]) / Double(batch.lengths[b]) } }
            let expected = (0..<3).map { k in (0..<z.count).reduce(0.0) { $0 + Double(esn.readout[k, $1]) * z[$1] } }
            assertClose((0..<3).map { mean[b, $0] }, expected, absolute: 1e-4, "sequence \(b)")
        }
    }

    /// The readout is fitted to the frames after the washout, and the time average that classifies
    /// runs over those frames too (the last frame alone for a sequence no longer than the washout).
    func testMeanOutputSkipsTheWashout() throws {
        var esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 1, reservoirSize: 12, outputSize: 3, washout: 7, seed: 25))
        var rng = SeededGenerator(seed: 26)
        esn.readout = Array2D(rows: 3, cols: esn.featureCount, uniformScale: 1, rng: &rng)
        let classifier = EchoStateClassifier(network: esn)
        var (batch, _) = sines(2, &rng)
        let short = Array2D<Float>(rows: 4, cols: 1, data: [0.3, -0.2, 0.5, 0.1])
        batch = SequenceBatch(sequences: (0..<2).map { batch.unpad(batch.frames, sequence: $0) } + [short])
        let y = esn.outputs(batch), mean = classifier.meanOutputs(batch)
        for (b, first) in [(0, 7), (1, 7), (2, 3)] {
            let T = batch.lengths[b]
            let expected = (0..<3).map { k in (first..<T).reduce(0.0) { $0 + Double(y[$1 * 3 + b, k]) } / Double(T - first) }
            assertClose((0..<3).map { mean[b, $0] }, expected, absolute: 1e-5, "sequence \(b)")
        }
    }

    /// A sequence no longer than the washout is fitted at its last frame, the frame it is classified
    /// by: with sequences of 4 frames, washout 7 fits the readout washout 3 fits (before, washout 7
    /// fitted nothing and failed with "no frames to fit").
    func testShortSequencesAreFittedAtTheirLastFrame() throws {
        var rng = SeededGenerator(seed: 27)
        let sequences = (0..<12).map { _ in Array2D<Float>(rows: 4, cols: 1, data: (0..<4).map { _ in Float(rng.normal()) }) }
        let batch = SequenceBatch(sequences: sequences), labels = (0..<12).map { $0 % 3 }
        var readouts: [Array2D<Float>] = []
        for washout in [7, 3] {
            let esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 1, reservoirSize: 6, outputSize: 3, ridge: 1e-3, washout: washout, seed: 28))
            var classifier = EchoStateClassifier(network: esn)
            classifier.add(batch, labels: labels)
            try classifier.fit()
            readouts.append(classifier.network.readout)
        }
        XCTAssertEqual(readouts[0].data, readouts[1].data)
        XCTAssertNotEqual(readouts[0].data, [Float](repeating: 0, count: readouts[0].data.count))
    }
}
