// Framewise losses through whole networks: analytic gradients against central differences, padding ignored.
import Foundation
import XCTest
import Networks
import Tensors
import TestSupport

final class FramewiseLossTests: XCTestCase {
    func testCrossEntropyAndSequenceClassificationThroughAnLSTM() {
        var rng = SeededGenerator(seed: 90)
        let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [3], bidirectional: true, classes: 4), rng: &rng)
        let lengths = [4, 1, 3]
        let batch = SequenceBatch(sequences: lengths.map { randomArray($0, 3, &rng) })
        // Padded rows carry −1, which must never be read.
        let targets = (0..<batch.frames.rows).map { r in r / 3 < lengths[r % 3] ? Int(rng.next() % 4) : -1 }
        let classes = [2, 0, 3]

        let frame = { FramewiseLoss.crossEntropy(logProbabilities: net.forward(batch).logProbabilities, targets: targets, lengths: lengths) }
        let sequence = { FramewiseLoss.sequenceCrossEntropy(logProbabilities: net.forward(batch).logProbabilities, classes: classes, lengths: lengths) }
        for (name, loss) in [("frames", { frame() }), ("sequences", { sequence() })] as [(String, () -> (loss: Double, dLogits: Array2D<Double>))] {
            net.parameters.zeroGradients()
            net.backward(net.forward(batch), dLogits: loss().dLogits)
            checkParameterGradients(net.parameters, seed: 91) { loss().loss }
            XCTAssertGreaterThan(loss().loss, 0, name)
        }
        // Cross-entropy is −log of the target's probability, summed over the 8 real frames only.
        let lp = net.forward(batch).logProbabilities
        let direct = (0..<lp.rows).filter { targets[$0] >= 0 }.reduce(0.0) { $0 - lp[$1, targets[$1]] }
        XCTAssertEqual(frame().loss, direct, accuracy: 1e-12)
        XCTAssertEqual(sequence().loss, -(lp[3 * 3 + 0, 2] + lp[0 * 3 + 1, 0] + lp[2 * 3 + 2, 3]), accuracy: 1e-12)
    }

    func testMeanPooledClassificationAndPredictionOnTheLogitsOfAnLSTM() {
        var rng = SeededGenerator(seed: 94)
        let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [3], bidirectional: true, classes: 3), rng: &rng)
        let lengths = [2, 4, 3]
        let batch = SequenceBatch(sequences: lengths.map { randomArray($0, 3, &rng) })
        let classes = [1, 2, 0]
        let targets = randomArray(batch.frames.rows, 3, &rng)
        let pooled = { FramewiseLoss.meanPooledCrossEntropy(logits: net.forward(batch).logits, classes: classes, lengths: lengths) }
        let predict = { () -> (loss: Double, dLogits: Array2D<Double>) in
            let r = FramewiseLoss.squaredError(outputs: net.forward(batch).logits, targets: targets, lengths: lengths)
            return (r.loss, r.dOutputs)
        }
        for loss in [pooled, predict] {
            net.parameters.zeroGradients()
            net.backward(net.forward(batch), dLogits: loss().dLogits)
            checkParameterGradients(net.parameters, seed: 95) { loss().loss }
        }
        // The logits are what the log-softmax turns into the log-probabilities.
        let pass = net.forward(batch)
        for r in 0..<pass.logits.rows where r / 3 < lengths[r % 3] {
            let row = (0..<3).map { pass.logits[r, $0] }
            let lse = log(row.map(exp).reduce(0, +))
            for k in 0..<3 { XCTAssertEqual(pass.logProbabilities[r, k], row[k] - lse, accuracy: 1e-12) }
        }
        // Mean pooling: −log softmax of the average logit vector, written out for sequence 1.
        let m = (0..<3).map { k in (0..<4).reduce(0.0) { $0 + pass.logits[$1 * 3 + 1, k] } / 4 }
        let single = FramewiseLoss.meanPooledCrossEntropy(logits: batch.unpad(pass.logits, sequence: 1), classes: [2], lengths: [4])
        XCTAssertEqual(single.loss, -(m[2] - log(m.map(exp).reduce(0, +))), accuracy: 1e-12)
    }

    func testSquaredErrorForNextValuePredictionWithAJordanNetwork() {
        var rng = SeededGenerator(seed: 92)
        let net = JordanNetwork<Double>(inputs: 2, hidden: 3, outputs: 2, rng: &rng)
        let lengths = [5, 3]
        var batch = SequenceBatch(sequences: lengths.map { randomArray($0, 2, &rng) })
        let targets = randomArray(batch.frames.rows, 2, &rng)
        func loss(_ b: SequenceBatch<Double>) -> (loss: Double, dOutputs: Array2D<Double>) {
            FramewiseLoss.squaredError(outputs: net.forward(b).outputs, targets: targets, lengths: lengths)
        }
        net.parameters.zeroGradients()
        let dx = net.backward(net.forward(batch), dOutputs: loss(batch).dOutputs)
        checkParameterGradients(net.parameters, seed: 93) { loss(batch).loss }
        checkInputGradient(&batch.frames, dx) { loss(SequenceBatch(frames: $0, lengths: lengths)).loss }
    }
}
