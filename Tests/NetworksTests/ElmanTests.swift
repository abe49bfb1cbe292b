// Elman layer: BPTT against central differences (both directions, padded batch), and RTRL against BPTT.
import XCTest
import Networks
import Tensors
import Formats
import TestSupport

final class ElmanTests: XCTestCase {
    func maskedLoss(_ h: Array2D<Double>, _ batch: SequenceBatch<Double>, _ w: Array2D<Double>) -> Double {
        var sum = 0.0
        for t in 0..<batch.maxLength {
            for b in 0..<batch.batchSize where batch.isActive(time: t, sequence: b) {
                for j in 0..<h.cols { sum += h[t * batch.batchSize + b, j] * w[t * batch.batchSize + b, j] }
            }
        }
        return sum
    }

    func testBPTTMatchesCentralDifferences() {
        var rng = SeededGenerator(seed: 70)
        for (reversed, activation) in [(false, Activation.tanh), (true, .tanh), (false, .logistic)] {
            let layer = ElmanLayer<Double>(inputs: 3, hidden: 4, reversed: reversed, activation: activation, rng: &rng)
            var batch = SequenceBatch(sequences: [5, 2, 4].map { randomArray($0, 3, &rng) })
            let w = randomArray(batch.frames.rows, 4, &rng)
            layer.parameters.zeroGradients()
            let dx = layer.backward(batch, h: layer.forward(batch), dh: w)
            checkParameterGradients(layer.parameters, seed: 71) { maskedLoss(layer.forward(batch), batch, w) }
            checkInputGradient(&batch.frames, dx, name: "x reversed=\(reversed)") {
                let b = SequenceBatch(frames: $0, lengths: batch.lengths)
                return maskedLoss(layer.forward(b), b, w)
            }
        }
    }

    /// RTRL carries the same gradient forward in time that BPTT computes backwards (Williams & Zipser 1989).
    func testRTRLGivesTheBPTTGradient() {
        var rng = SeededGenerator(seed: 72)
        for activation in [Activation.tanh, .logistic] {
            let layer = ElmanLayer<Double>(inputs: 2, hidden: 3, activation: activation, rng: &rng)
            let x = randomArray(7, 2, &rng), w = randomArray(7, 3, &rng)
            let batch = SequenceBatch(sequences: [x])
            layer.parameters.zeroGradients()
            let h = layer.forward(batch)
            layer.backward(batch, h: h, dh: w)
            let bptt = layer.parameters.map(\.gradient)

            layer.parameters.zeroGradients()
            var rtrl = RTRL(layer: layer)
            for t in 0..<7 {
                let ht = rtrl.step(x.rows(t..<(t + 1)).data)
                assertClose(ht, h.rows(t..<(t + 1)).data, absolute: 1e-14, "state at t=\(t)")
                rtrl.accumulate(dh: w.rows(t..<(t + 1)).data)        // online: as soon as ∂L_t/∂h_t is known
            }
            for (expected, p) in zip(bptt, layer.parameters) {
                assertClose(p.gradient.data, expected.data, absolute: 1e-12, "\(p.name) (\(activation))")
            }
        }
    }
}

/// ElmanLayer against a bidirectional torch.nn.RNN (fixture by scripts/reference/make-rnn-fixture.py).
final class ElmanTorchTests: XCTestCase {
    func testBothDirectionsMatchTorchOutputsAndGradients() throws {
        let file = try SafeTensorsFile(contentsOf: packageRoot.appendingPathComponent("Tests/NetworksTests/Fixtures/rnn-torch.safetensors").path)
        func values(_ name: String) throws -> [Double] { try file.tensor(name).floats().map { Double($0) } }
        let lengths = try values("lengths").map { Int($0) }
        let T = lengths.max()!, B = lengths.count, H = 4
        let batch = SequenceBatch(frames: Array2D(rows: T * B, cols: 3, data: try values("input")), lengths: lengths)
        let hidden = try values("hidden"), w = try values("loss_weights"), dInput = try values("grad.input")
        var dx = [Double](repeating: 0, count: T * B * 3)
        var rng = SeededGenerator(seed: 0)
        for (d, reversed) in [false, true].enumerated() {
            let layer = ElmanLayer<Double>(inputs: 3, hidden: H, reversed: reversed, rng: &rng)
            for p in layer.parameters { p.value.data = try values(p.name) }
            // Column block d of torch's [forward | reverse] output and loss weights.
            func block(_ all: [Double]) -> Array2D<Double> {
                var out = Array2D<Double>(rows: T * B, cols: H)
                for r in 0..<(T * B) {
                    for j in 0..<H { out[r, j] = all[r * 2 * H + d * H + j] }
                }
                return out
            }
            let h = layer.forward(batch)
            // torch computes in float32: 1e-6 absolute for values of order 1.
            assertClose(h.data, block(hidden).data, absolute: 1e-6, "h reversed=\(reversed)")
            layer.parameters.zeroGradients()
            let dxd = layer.backward(batch, h: h, dh: block(w))
            for p in layer.parameters { assertClose(p.gradient.data, try values("grad." + p.name), absolute: 1e-5, relative: 1e-5, p.name) }
            for i in dx.indices { dx[i] += dxd.data[i] }
        }
        assertClose(dx, dInput, absolute: 1e-5, relative: 1e-5, "input gradient")
    }
}
