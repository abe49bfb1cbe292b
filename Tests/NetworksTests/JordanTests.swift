// Jordan network: BPTT through the output feedback, and teacher forcing, against central differences.
import XCTest
import Networks
import Tensors
import TestSupport

final class JordanTests: XCTestCase {
    func maskedLoss(_ y: Array2D<Double>, _ batch: SequenceBatch<Double>, _ w: Array2D<Double>) -> Double {
        var sum = 0.0
        for t in 0..<batch.maxLength {
            for b in 0..<batch.batchSize where batch.isActive(time: t, sequence: b) {
                for k in 0..<y.cols { sum += y[t * batch.batchSize + b, k] * w[t * batch.batchSize + b, k] }
            }
        }
        return sum
    }

    func testGradientsWithAndWithoutTeacherForcing() {
        var rng = SeededGenerator(seed: 80)
        for (forced, output) in [(false, Activation.identity), (false, .logistic), (true, .identity)] {
            let net = JordanNetwork<Double>(inputs: 3, hidden: 4, outputs: 2, outputActivation: output, rng: &rng)
            var batch = SequenceBatch(sequences: [5, 3, 4].map { randomArray($0, 3, &rng) })
            let w = randomArray(batch.frames.rows, 2, &rng)
            let teacher = forced ? randomArray(batch.frames.rows, 2, &rng) : nil
            net.parameters.zeroGradients()
            let dx = net.backward(net.forward(batch, teacher: teacher), dOutputs: w)
            checkParameterGradients(net.parameters, seed: 81) { maskedLoss(net.forward(batch, teacher: teacher).outputs, batch, w) }
            checkInputGradient(&batch.frames, dx, name: "x forced=\(forced)") {
                let b = SequenceBatch(frames: $0, lengths: batch.lengths)
                return maskedLoss(net.forward(b, teacher: teacher).outputs, b, w)
            }
        }
    }

    /// With teacher forcing and targets equal to the free-running outputs, the forward pass is unchanged.
    func testTeacherForcingWithOwnOutputsChangesNothing() {
        var rng = SeededGenerator(seed: 82)
        let net = JordanNetwork<Double>(inputs: 2, hidden: 3, outputs: 2, rng: &rng)
        let batch = SequenceBatch(sequences: [4, 2].map { randomArray($0, 2, &rng) })
        let free = net.forward(batch)
        XCTAssertEqual(net.forward(batch, teacher: free.outputs).outputs, free.outputs)
        XCTAssertEqual(free.context[0, 0], 0)
    }
}
