// The pieces together in Float: an LSTM learns a task that needs memory (echo the symbol from two frames back).
import XCTest
import Networks
import Tensors
import TestSupport

final class LSTMTrainingTests: XCTestCase {
    /// Random one-hot symbols (3 kinds); the target at frame t is the symbol at t − 2, class 3 before that.
    func echoBatch(_ rng: inout SeededGenerator, sequences: Int, lengths: ClosedRange<Int>) -> (SequenceBatch<Float>, [Int]) {
        var inputs: [Array2D<Float>] = [], targets: [[Int]] = []
        for _ in 0..<sequences {
            let t = lengths.lowerBound + Int(rng.next() % UInt64(lengths.count))
            let symbols = (0..<t).map { _ in Int(rng.next() % 3) }
            var x = Array2D<Float>(rows: t, cols: 3)
            for (i, s) in symbols.enumerated() { x[i, s] = 1 }
            inputs.append(x)
            targets.append((0..<t).map { $0 >= 2 ? symbols[$0 - 2] : 3 })
        }
        let batch = SequenceBatch(sequences: inputs)
        var padded = [Int](repeating: -1, count: batch.maxLength * batch.batchSize)   // −1: padding
        for (b, ts) in targets.enumerated() { for (t, k) in ts.enumerated() { padded[t * batch.batchSize + b] = k } }
        return (batch, padded)
    }

    func testLearnsToEchoTwoFramesBack() {
        var rng = SeededGenerator(seed: 60)
        let net = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [12], bidirectional: false,
                                                              peepholes: true, classes: 4), rng: &rng)
        var adam = Adam(learningRate: 0.02)
        let params = net.parameters
        func accuracy(_ batch: SequenceBatch<Float>, _ targets: [Int]) -> Double {
            let lp = net.forward(batch).logProbabilities
            var right = 0, total = 0
            for (r, k) in targets.enumerated() where k >= 0 {
                let row = lp.data[(r * 4)..<((r + 1) * 4)]
                if row.firstIndex(of: row.max()!)! - r * 4 == k { right += 1 }
                total += 1
            }
            return Double(right) / Double(total)
        }
        let (test, testTargets) = echoBatch(&rng, sequences: 16, lengths: 5...12)
        let before = accuracy(test, testTargets)
        for _ in 0..<400 {
            let (batch, targets) = echoBatch(&rng, sequences: 8, lengths: 4...10)
            params.zeroGradients()
            let pass = net.forward(batch)
            let dLogits = FramewiseLoss.crossEntropy(logProbabilities: pass.logProbabilities, targets: targets,
                                                     lengths: batch.lengths).dLogits
            net.backward(pass, dLogits: dLogits)
            params.clipGradientNorm(maxNorm: 5)
            adam.step(params)
        }
        let after = accuracy(test, testTargets)
        XCTAssertLessThan(before, 0.5)
        XCTAssertGreaterThan(after, 0.97, "accuracy \(before) → \(after)")
    }
}
