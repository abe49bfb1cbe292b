// The Float path (vectorised gate loops, polynomial exp) against the Double path (libm) on odd shapes.
import XCTest
import Networks
import Tensors
import TestSupport

final class FloatPathTests: XCTestCase {
    func testFloatNetworkMatchesDoubleNetworkOnOddShapes() {
        var rng = SeededGenerator(seed: 100)
        // Batches of three (libxsmm's per-frame recurrent products), of five (the input product
        // frame by frame too, LSTMLayer.perFrameInputRows) and of one (sgemv on W_hhᵀ).
        for lengths in [[9, 1, 6], [9, 1, 6, 4, 7], [8]] {
        for (inputs, hidden, peepholes) in [(1, [1], true), (3, [17], false), (5, [5, 3], true), (2, [33], true)] {
            let configuration = LSTMNetworkConfiguration(inputSize: inputs, hiddenSizes: hidden, bidirectional: true,
                                                         peepholes: peepholes, classes: 7)
            let netD = LSTMNetwork<Double>(configuration, rng: &rng)
            var seed = SeededGenerator(seed: 0)
            let netF = LSTMNetwork<Float>(configuration, rng: &seed)
            for (f, d) in zip(netF.parameters, netD.parameters) { f.value.data = d.value.data.map { Float($0) } }
            let batchD = SequenceBatch(sequences: lengths.map { randomArray($0, inputs, &rng) })
            let batchF = SequenceBatch(frames: batchD.frames.converted(to: Float.self), lengths: lengths)
            let w = randomArray(batchD.frames.rows, 7, &rng)
            netD.parameters.zeroGradients()
            netF.parameters.zeroGradients()
            let passD = netD.forward(batchD), passF = netF.forward(batchF)
            let dxD = netD.backward(passD, dLogProbabilities: w)
            let dxF = netF.backward(passF, dLogProbabilities: w.converted(to: Float.self))
            let label = "in \(inputs) hidden \(hidden) peepholes \(peepholes) lengths \(lengths)"
            // Float rounding (~6e-8 relative) through a few layers and ≤ 33-term sums: 2e-5 covers it.
            for b in 0..<lengths.count {
                assertClose(passF.logProbabilities(ofSequence: b).data, passD.logProbabilities(ofSequence: b).data,
                            absolute: 2e-5, "\(label) sequence \(b)")
            }
            assertClose(dxF.data, dxD.data, absolute: 2e-5, relative: 1e-4, "\(label) dx")
            for (f, d) in zip(netF.parameters, netD.parameters) {
                assertClose(f.gradient.data, d.gradient.data, absolute: 1e-4, relative: 1e-4, "\(label) \(f.name)")
            }
        }
        }
    }
}
