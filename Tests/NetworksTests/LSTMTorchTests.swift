// LSTMNetwork against torch.nn.LSTM + nn.Linear + log_softmax (fixture by scripts/reference/make-lstm-fixture.py).
import XCTest
@testable import Networks
import Tensors
import Formats
import TestSupport

final class LSTMTorchTests: XCTestCase {
    typealias Tensors = [String: (shape: [Int], values: [Float])]

    func loadFixture() throws -> Tensors {
        let file = try SafeTensorsFile(contentsOf: packageRoot.appendingPathComponent("Tests/NetworksTests/Fixtures/lstm-torch.safetensors").path)
        return try file.tensors.mapValues { (shape: $0.shape, values: try $0.floats()) }
    }

    /// Our network (peepholes off, 2 bidirectional layers of 4, D 3, K 5) with torch's weights.
    func network<S: NetworkScalar>(_ fixture: Tensors, _: S.Type) throws -> LSTMNetwork<S> {
        var rng = SeededGenerator(seed: 1)
        let net = LSTMNetwork<S>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4, 4], bidirectional: true,
                                                          peepholes: false, classes: 5), rng: &rng)
        for p in net.parameters {
            let t = try XCTUnwrap(fixture[p.name], "fixture lacks \(p.name)")
            XCTAssertEqual(t.shape, p.shape, p.name)
            p.value.data = t.values.map { S($0) }
        }
        return net
    }

    func batch<S: NetworkScalar>(_ fixture: Tensors, _: S.Type) throws -> SequenceBatch<S> {
        let input = try XCTUnwrap(fixture["input"]), lengths = try XCTUnwrap(fixture["lengths"]).values.map { Int($0) }
        XCTAssertEqual(input.shape, [lengths.max()!, lengths.count, 3])
        // torch's T × B × D is our time-major (T·B) × D row for row.
        return SequenceBatch(frames: Array2D(rows: input.shape[0] * input.shape[1], cols: 3, data: input.values.map { S($0) }),
                             lengths: lengths)
    }

    func testForwardMatchesTorchInFloat() throws {
        let fixture = try loadFixture()
        let net = try network(fixture, Float.self), batch = try batch(fixture, Float.self)
        let pass = net.forward(batch)
        // Float against torch's float32: both round differently; 1e-5 is ~50 ulps at these magnitudes.
        let hidden = pass.layerOutputs[1].array(rows: batch.frames.rows, cols: 8)
        assertClose(hidden.data, try XCTUnwrap(fixture["hidden"]).values, absolute: 1e-5, "top LSTM output")
        let expected = try XCTUnwrap(fixture["log_probs"]).values
        for t in 0..<batch.maxLength {
            for b in 0..<batch.batchSize where batch.isActive(time: t, sequence: b) {
                let r = t * batch.batchSize + b
                assertClose(Array(pass.logProbabilities.data[(r * 5)..<((r + 1) * 5)]), Array(expected[(r * 5)..<((r + 1) * 5)]),
                            absolute: 1e-5, "log-probabilities t=\(t) b=\(b)")
            }
        }
    }

    /// Gradients of Σ_real frames log_probs ⊙ w, computed by torch autograd, against our BPTT (in Double,
    /// so only torch's float32 rounding remains: 1e-5 absolute + 1e-4 relative).
    func testGradientsMatchTorchAutograd() throws {
        let fixture = try loadFixture()
        let net = try network(fixture, Double.self), batch = try batch(fixture, Double.self)
        let w = try XCTUnwrap(fixture["loss_weights"])
        net.parameters.zeroGradients()
        let dx = net.backward(net.forward(batch), dLogProbabilities: Array2D(rows: batch.frames.rows, cols: 5, data: w.values.map { Double($0) }))
        for p in net.parameters {
            assertClose(p.gradient.data, try XCTUnwrap(fixture["grad." + p.name]).values, absolute: 1e-5, relative: 1e-4, p.name)
        }
        assertClose(dx.data, try XCTUnwrap(fixture["grad.input"]).values, absolute: 1e-5, relative: 1e-4, "input")
    }
}
