// LSTM network: BPTT gradients against central differences in Double, padding, and a plain-loop oracle.
import XCTest
@testable import Networks
import Tensors
import TestSupport

final class LSTMGradientTests: XCTestCase {
    /// A batch of three sequences of different lengths (5, 2, 4) with D = 3.
    func makeBatch(_ rng: inout SeededGenerator, dimension: Int = 3, lengths: [Int] = [5, 2, 4]) -> SequenceBatch<Double> {
        SequenceBatch(sequences: lengths.map { randomArray($0, dimension, &rng) })
    }

    /// Σ over real frames of (log-probabilities ⊙ w); padded rows of w are ignored.
    func maskedLoss(_ net: LSTMNetwork<Double>, _ batch: SequenceBatch<Double>, _ w: Array2D<Double>, dropout: Dropout? = nil) -> Double {
        let lp = net.forward(batch, dropout: dropout).logProbabilities
        var sum = 0.0
        for t in 0..<batch.maxLength {
            for b in 0..<batch.batchSize where batch.isActive(time: t, sequence: b) {
                for k in 0..<lp.cols { sum += lp[t * batch.batchSize + b, k] * w[t * batch.batchSize + b, k] }
            }
        }
        return sum
    }

    func check(_ configuration: LSTMNetworkConfiguration, seed: UInt64, dropout: Dropout? = nil,
               file: StaticString = #filePath, line: UInt = #line) {
        var rng = SeededGenerator(seed: seed)
        let net = LSTMNetwork<Double>(configuration, rng: &rng)
        var batch = makeBatch(&rng, dimension: configuration.inputSize)
        // Weights on every row, padding included: backward must ignore the padded ones.
        let w = randomArray(batch.frames.rows, configuration.classes, &rng)
        net.parameters.zeroGradients()
        let dx = net.backward(net.forward(batch, dropout: dropout), dLogProbabilities: w)
        checkParameterGradients(net.parameters, seed: seed, { maskedLoss(net, batch, w, dropout: dropout) }, file: file, line: line)
        // Input gradient on a sample of frames, and exactly zero on every padded frame.
        checkInputGradient(&batch.frames, dx, seed: seed, {
            maskedLoss(net, SequenceBatch(frames: $0, lengths: batch.lengths), w, dropout: dropout)
        }, file: file, line: line)
        for t in 0..<batch.maxLength {
            for b in 0..<batch.batchSize where !batch.isActive(time: t, sequence: b) {
                for c in 0..<batch.dimension {
                    XCTAssertEqual(dx[t * batch.batchSize + b, c], 0, "padding frame t=\(t) b=\(b) has gradient", file: file, line: line)
                }
            }
        }
    }

    func testUnidirectionalWithPeepholes() {
        check(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4], bidirectional: false, peepholes: true, classes: 5), seed: 1)
    }

    func testUnidirectionalWithoutPeepholes() {
        check(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4], bidirectional: false, peepholes: false, classes: 5), seed: 2)
    }

    func testBidirectionalWithPeepholes() {
        check(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [3], bidirectional: true, peepholes: true, classes: 4), seed: 3)
    }

    func testStackedBidirectionalTwoLayersOfDifferentWidths() {
        check(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [3, 2], bidirectional: true, peepholes: true, classes: 4), seed: 4)
        check(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [2, 3], bidirectional: true, peepholes: false, classes: 3), seed: 5)
    }

    func testStackedWithDropout() {
        // The same masks (same seed) in every evaluation of the loss: the gradient of the dropped network.
        check(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [3, 2], bidirectional: true, peepholes: true, classes: 4), seed: 6,
              dropout: Dropout(rate: 0.4, seed: 11))
        check(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4, 3], bidirectional: false, peepholes: false, classes: 3), seed: 7,
              dropout: Dropout(rate: 0.25, seed: 12))
    }

    func testDropoutMasksAndPasses() {
        // Masks: a share p of zeros, the rest 1/(1 − p); reproducible from the seed, one stream per layer.
        let dropout = Dropout(rate: 0.3, seed: 5)
        let mask: ScratchBuffer<Double> = dropout.mask(layer: 0, count: 20_000)
        let values = Array(UnsafeBufferPointer(start: mask.pointer, count: mask.count))
        let zeros = values.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 20_000, 0.3, accuracy: 0.01)   // 3σ of a binomial share is 0.0097
        XCTAssertTrue(values.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-12 })
        let again: ScratchBuffer<Double> = dropout.mask(layer: 0, count: 20_000)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: again.pointer, count: again.count)), values)
        let layer1: ScratchBuffer<Double> = dropout.mask(layer: 1, count: 20_000)
        XCTAssertNotEqual(Array(UnsafeBufferPointer(start: layer1.pointer, count: layer1.count)), values)
        // Passes: rate 0 is no dropout; a rate changes the outputs, the same seed gives the same ones.
        var rng = SeededGenerator(seed: 8)
        let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4, 4], classes: 5), rng: &rng)
        let batch = makeBatch(&rng)
        let plain = net.forward(batch).logProbabilities
        XCTAssertEqual(net.forward(batch, dropout: Dropout(rate: 0, seed: 3)).logProbabilities, plain)
        let dropped = net.forward(batch, dropout: Dropout(rate: 0.5, seed: 3)).logProbabilities
        XCTAssertNotEqual(dropped, plain)
        XCTAssertEqual(net.forward(batch, dropout: Dropout(rate: 0.5, seed: 3)).logProbabilities, dropped)
        XCTAssertNotEqual(net.forward(batch, dropout: Dropout(rate: 0.5, seed: 4)).logProbabilities, dropped)
    }

    func testDLogitsPathAgreesWithLogProbabilityPath() {
        var rng = SeededGenerator(seed: 6)
        let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [2], classes: 3), rng: &rng)
        let batch = makeBatch(&rng)
        let pass = net.forward(batch)
        let w = randomArray(batch.frames.rows, 3, &rng)
        net.parameters.zeroGradients()
        let dx1 = net.backward(pass, dLogProbabilities: w)
        let g1 = net.parameters.map(\.gradient)
        net.parameters.zeroGradients()
        let dx2 = net.backward(pass, dLogits: Softmax.logSoftmaxBackward(y: pass.logProbabilities, dy: w))
        assertClose(dx1.data, dx2.data, absolute: 1e-12)
        for (a, p) in zip(g1, net.parameters) { assertClose(a.data, p.gradient.data, absolute: 1e-12, p.name) }
    }

    /// Running the two directions on two threads changes nothing: same outputs, gradients and dx, bit for bit.
    /// (The second batch has rows enough, ≥ 64, for the output layer's blocks to run concurrently too.)
    func testConcurrentDirectionsGiveIdenticalResults() {
        var rng = SeededGenerator(seed: 10)
        for lengths in [[5, 2, 4], [30, 17, 25]] {
            var net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [3, 2], classes: 4), rng: &rng)
            let batch = makeBatch(&rng, lengths: lengths)
            let w = randomArray(batch.frames.rows, 4, &rng)
            func run() -> (Array2D<Double>, Array2D<Double>, [Array2D<Double>]) {
                net.parameters.zeroGradients()
                let pass = net.forward(batch)
                let dx = net.backward(pass, dLogProbabilities: w)
                return (pass.logProbabilities, dx, net.parameters.map(\.gradient))
            }
            let serial = run()
            net.concurrentDirections = true
            let concurrent = run()
            XCTAssertEqual(serial.0, concurrent.0, "lengths \(lengths)")
            XCTAssertEqual(serial.1, concurrent.1, "lengths \(lengths)")
            XCTAssertEqual(serial.2, concurrent.2, "lengths \(lengths)")
        }
    }

    /// Leaving out the input gradient (as training does) leaves every parameter gradient as it was,
    /// bit for bit, in Float (libxsmm's per-frame products) and Double, serial and concurrent.
    func testParameterGradientsWithoutTheInputGradientAreUnchanged() {
        func check<S: NetworkScalar>(_: S.Type, concurrent: Bool) {
            var rng = SeededGenerator(seed: 11)
            var net = LSTMNetwork<S>(LSTMNetworkConfiguration(inputSize: 5, hiddenSizes: [6, 4], classes: 4), rng: &rng)
            net.concurrentDirections = concurrent
            let batch = SequenceBatch(sequences: [7, 3, 5].map { randomArray($0, 5, &rng).converted(to: S.self) })
            let dLogits = randomArray(batch.frames.rows, 4, &rng).converted(to: S.self)
            net.parameters.zeroGradients()
            let withInput = net.backward(net.forward(batch), dLogits: dLogits)
            let expected = net.parameters.map(\.gradient)
            net.parameters.zeroGradients()
            let without = net.backward(net.forward(batch), dLogits: dLogits, inputGradient: false)
            XCTAssertNil(without)
            XCTAssertEqual(withInput.rows, batch.frames.rows)
            XCTAssertEqual(net.parameters.map(\.gradient), expected, "\(S.self) concurrent \(concurrent)")
        }
        for concurrent in [false, true] {
            check(Float.self, concurrent: concurrent)
            check(Double.self, concurrent: concurrent)
        }
    }

    /// Each sequence's output in a padded batch equals its output alone, and padding values
    /// (here set to large random numbers) change nothing.
    func testPaddingDoesNotInfluenceRealFrames() {
        var rng = SeededGenerator(seed: 7)
        let net = LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [3, 2], classes: 4), rng: &rng)
        var batch = makeBatch(&rng)
        for t in 0..<batch.maxLength {
            for b in 0..<batch.batchSize where !batch.isActive(time: t, sequence: b) {
                for c in 0..<3 { batch.frames[t * batch.batchSize + b, c] = 100 * rng.normal() }
            }
        }
        let pass = net.forward(batch)
        for b in 0..<batch.batchSize {
            let alone = net.forward(SequenceBatch(sequences: [batch.unpad(batch.frames, sequence: b)]))
            assertClose(pass.logProbabilities(ofSequence: b).data, alone.logProbabilities.data, absolute: 1e-12, "sequence \(b)")
        }
    }

    /// The fused, batched layer against the equations of Graves (2012) §4.5 written as plain
    /// loops over one sequence, with peepholes, in both directions.
    func testLayerMatchesPlainLoopOracle() {
        var rng = SeededGenerator(seed: 8)
        for reversed in [false, true] {
            let layer = LSTMLayer<Double>(inputs: 3, hidden: 4, layer: 0, reversed: reversed, peepholes: true, rng: &rng)
            let lengths = [4, 6, 1]
            let batch = makeBatch(&rng, lengths: lengths)
            let T = batch.maxLength, B = lengths.count, H = 4
            var y = [Double](repeating: -1, count: T * B * H)
            let cache = LSTMLayer<Double>.Cache(rows: T * B, hidden: H)
            batch.frames.data.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { yp in
                    layer.forward(x: x.baseAddress!, ldx: 3, time: T, lengths: lengths, y: yp.baseAddress!, ldy: H, cache: cache)
                }
            }
            let W = layer.weightIH.value, U = layer.weightHH.value, P = layer.peephole!.value
            let bias = zip(layer.biasIH.value.data, layer.biasHH.value.data).map { $0 + $1 }
            func σ(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
            for b in 0..<B {
                var h = [Double](repeating: 0, count: H), s = [Double](repeating: 0, count: H)
                let order = reversed ? Array((0..<lengths[b]).reversed()) : Array(0..<lengths[b])
                for t in order {
                    var a = bias
                    for r in 0..<(4 * H) {
                        for c in 0..<3 { a[r] += W[r, c] * batch.frames[t * B + b, c] }
                        for c in 0..<H { a[r] += U[r, c] * h[c] }
                    }
                    for j in 0..<H {
                        let i = σ(a[j] + P[0, j] * s[j]), f = σ(a[H + j] + P[1, j] * s[j]), g = tanh(a[2 * H + j])
                        s[j] = f * s[j] + i * g
                        h[j] = σ(a[3 * H + j] + P[2, j] * s[j]) * tanh(s[j])
                    }
                    assertClose(Array(y[((t * B + b) * H)..<((t * B + b + 1) * H)]), h, absolute: 1e-12,
                                "reversed=\(reversed) b=\(b) t=\(t)")
                }
                for t in lengths[b]..<T {
                    XCTAssertEqual(Array(y[((t * B + b) * H)..<((t * B + b + 1) * H)]), [0, 0, 0, 0], "padding output")
                }
            }
        }
    }

    func testParameterNamesAndInitialisation() {
        var rng = SeededGenerator(seed: 9)
        let net = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 5, hiddenSizes: [4, 3], bidirectional: true, peepholes: false, classes: 6), rng: &rng)
        XCTAssertEqual(net.parameters.map(\.name), [
            "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
            "lstm.weight_ih_l0_reverse", "lstm.weight_hh_l0_reverse", "lstm.bias_ih_l0_reverse", "lstm.bias_hh_l0_reverse",
            "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
            "lstm.weight_ih_l1_reverse", "lstm.weight_hh_l1_reverse", "lstm.bias_ih_l1_reverse", "lstm.bias_hh_l1_reverse",
            "output.weight", "output.bias"])
        XCTAssertEqual(net.parameters.map(\.shape), [[16, 5], [16, 4], [16], [16], [16, 5], [16, 4], [16], [16],
                                                     [12, 8], [12, 3], [12], [12], [12, 8], [12, 3], [12], [12], [6, 6], [6]])
        for c in [net.configuration, LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: [3, 5, 1], bidirectional: false, peepholes: true, classes: 4),
                  LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: [], classes: 3)] {
            let built = LSTMNetwork<Float>(c, rng: &rng)
            let shapes = LSTMNetwork<Float>.parameterShapes(c)
            XCTAssertEqual(shapes.map(\.name), built.parameters.map(\.name))
            XCTAssertEqual(shapes.map(\.shape), built.parameters.map(\.shape))
        }
        XCTAssertEqual(net.layers[1][0].biasIH.value.data, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        XCTAssertTrue(net.layers[0][0].weightHH.value.data.allSatisfy { abs($0) <= 0.5 })
    }
}
