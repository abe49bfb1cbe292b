// Input influence: Jacobian norms against central differences, causality, and the cell's memory.
import XCTest
import Networks
import Tensors
import TestSupport

final class InfluenceTests: XCTestCase {
    /// ‖∂ log y(t) / ∂ x(t′)‖ (or of the outputs z(t) themselves) for every t′ by central
    /// differences over every input element.
    func numericNorms(_ net: LSTMNetwork<Double>, _ x: Array2D<Double>, frame t: Int, outputClass: Int?,
                      of target: InfluenceTarget = .logProbabilities) -> [Double] {
        let K = net.configuration.classes, h = 1e-6
        func outputs(_ x: Array2D<Double>) -> [Double] {
            let pass = net.forward(SequenceBatch(sequences: [x]))
            let row = target == .outputs ? pass.logits : pass.logProbabilities
            return outputClass.map { [row[t, $0]] } ?? (0..<K).map { row[t, $0] }
        }
        return (0..<x.rows).map { frame in
            var sum = 0.0
            for d in 0..<x.cols {
                var up = x, down = x
                up[frame, d] += h
                down[frame, d] -= h
                for (a, b) in zip(outputs(up), outputs(down)) { sum += ((a - b) / (2 * h)) * ((a - b) / (2 * h)) }
            }
            return sum.squareRoot()
        }
    }

    func testNormsEqualCentralDifferences() {
        var rng = SeededGenerator(seed: 5)
        for (bidirectional, hidden) in [(false, [3]), (true, [3]), (false, [3, 2])] {
            let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: hidden, bidirectional: bidirectional, classes: 3),
                                          rng: &rng)
            let x = randomArray(6, 2, &rng)
            for (t, outputClass) in [(5, nil), (3, nil), (4, 1)] as [(Int, Int?)] {
                let analytic = net.influenceByFrame(sequence: x, frame: t, outputClass: outputClass)
                let numeric = numericNorms(net, x, frame: t, outputClass: outputClass)
                assertClose(analytic, numeric, absolute: 1e-7, relative: 1e-5)
                if !bidirectional {
                    // Causality: a forward network's output at t does not depend on later inputs.
                    XCTAssertEqual(Array(analytic[(t + 1)...]), [Double](repeating: 0, count: 5 - t))
                    XCTAssertGreaterThan(analytic[0], 0)
                }
            }
        }
    }

    /// A predict model's outputs are values (its identity output layer): their own Jacobian, not
    /// that of their log-softmax, which differs.
    func testOutputNormsEqualCentralDifferencesOfTheOutputs() {
        var rng = SeededGenerator(seed: 9)
        let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4], bidirectional: false, classes: 3), rng: &rng)
        let x = randomArray(6, 3, &rng)
        for outputClass in [nil, 2] as [Int?] {
            let analytic = net.influenceByFrame(sequence: x, frame: 5, outputClass: outputClass, of: .outputs)
            assertClose(analytic, numericNorms(net, x, frame: 5, outputClass: outputClass, of: .outputs), absolute: 1e-7, relative: 1e-5)
            let logProbabilities = net.influenceByFrame(sequence: x, frame: 5, outputClass: outputClass)
            XCTAssertGreaterThan(abs(analytic[0] - logProbabilities[0]), 1e-3 * analytic[0], "the two Jacobians differ")
        }
        var elmanRNG = SeededGenerator(seed: 10)
        let elman = ElmanNetwork<Double>(inputs: 2, hidden: 3, classes: 2, rng: &elmanRNG)
        let y = randomArray(5, 2, &elmanRNG), h = 1e-6
        let numeric: [Double] = (0..<5).map { frame in
            var sum = 0.0
            for d in 0..<2 {
                var up = y, down = y
                up[frame, d] += h
                down[frame, d] -= h
                let a = elman.forward(SequenceBatch(sequences: [up])).logits
                let b = elman.forward(SequenceBatch(sequences: [down])).logits
                for k in 0..<2 { let g = (a[4, k] - b[4, k]) / (2 * h); sum += g * g }
            }
            return sum.squareRoot()
        }
        assertClose(elman.influenceByFrame(sequence: y, frame: 4, of: .outputs), numeric, absolute: 1e-7, relative: 1e-5)
    }

    func testProfileAveragesTheLastFrameAndLagsBeyondTheStartAreZero() {
        var rng = SeededGenerator(seed: 6)
        let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: [4], bidirectional: false, classes: 3), rng: &rng)
        let profile = net.influence(length: 4, maxLag: 7, samples: 3, seed: 11)
        XCTAssertEqual(profile.meanNorms.count, 8)
        XCTAssertEqual(Array(profile.meanNorms[4...]), [0, 0, 0, 0], "lags k > t = 3 have no input frame")
        XCTAssertTrue(profile.meanNorms[0...3].allSatisfy { $0 > 0 })
        XCTAssertEqual(profile.relative[0], 1)
        // The same average by hand, from the same seeded sequences.
        var sample = SeededGenerator(seed: 11)
        var sums = [Double](repeating: 0, count: 4)
        for _ in 0..<3 {
            let x = Array2D<Double>(rows: 4, cols: 2, data: (0..<8).map { _ in sample.normal() })
            let byFrame = net.influenceByFrame(sequence: x, frame: 3)
            for k in 0..<4 { sums[k] += byFrame[3 - k] }
        }
        assertClose(Array(profile.meanNorms[0..<4]), sums.map { $0 / 3 }, absolute: 1e-12, relative: 1e-12)
    }

    func testNoRecurrenceMeansNoInfluenceFromThePast() {
        var rng = SeededGenerator(seed: 7)
        let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: [3], bidirectional: false, classes: 3), rng: &rng)
        let layer = net.layers[0][0]
        layer.weightHH.value.zero()
        layer.peephole?.value.zero()
        let x = randomArray(5, 2, &rng)
        // Without W_hh the cell still carries the past through the forget gate (the CEC)…
        let open = net.influenceByFrame(sequence: x, frame: 4)
        XCTAssertTrue(open[0..<4].allSatisfy { $0 > 0 }, "\(open)")
        // …and with the forget gate shut (σ(−1000) = 0 in Double) only the current frame counts.
        let H = 3
        for j in H..<(2 * H) {
            for c in 0..<2 { layer.weightIH.value[j, c] = 0 }
            layer.biasIH.value.data[j] = -1000
            layer.biasHH.value.data[j] = 0
        }
        let shut = net.influenceByFrame(sequence: x, frame: 4)
        XCTAssertEqual(Array(shut[0..<4]), [0, 0, 0, 0])
        XCTAssertGreaterThan(shut[4], 0)
    }

    func testElmanNormsEqualCentralDifferencesAndVanishWithoutRecurrence() {
        var rng = SeededGenerator(seed: 8)
        let net = ElmanNetwork<Double>(inputs: 2, hidden: 3, classes: 3, rng: &rng)
        let x = randomArray(5, 2, &rng)
        let h = 1e-6
        let analytic = net.influenceByFrame(sequence: x, frame: 3)
        let numeric: [Double] = (0..<5).map { frame in
            var sum = 0.0
            for d in 0..<2 {
                var up = x, down = x
                up[frame, d] += h
                down[frame, d] -= h
                let a = net.forward(SequenceBatch(sequences: [up])).logProbabilities
                let b = net.forward(SequenceBatch(sequences: [down])).logProbabilities
                for k in 0..<3 { let g = (a[3, k] - b[3, k]) / (2 * h); sum += g * g }
            }
            return sum.squareRoot()
        }
        assertClose(analytic, numeric, absolute: 1e-7, relative: 1e-5)
        XCTAssertEqual(analytic[4], 0)
        net.recurrent.weightHH.value.zero()
        let profile = net.influence(length: 6, maxLag: 5, samples: 2, seed: 3)
        XCTAssertGreaterThan(profile.meanNorms[0], 0)
        XCTAssertEqual(Array(profile.meanNorms[1...]), [0, 0, 0, 0, 0])
    }
}
