// Streams in chunks: carrying the LSTM state across chunks continues the forward pass exactly; gradients within a chunk check out.
import XCTest
import Networks
import Tensors
import TestSupport

final class TruncatedBPTTTests: XCTestCase {
    let configuration = LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4, 3], bidirectional: false, peepholes: true, classes: 5)

    func testChunkedForwardEqualsOneLongPass() {
        var rng = SeededGenerator(seed: 110)
        let net = LSTMNetwork<Double>(configuration, rng: &rng)
        let sequences = [8, 5, 2].map { randomArray($0, 3, &rng) }
        let whole = net.forward(SequenceBatch(sequences: sequences))
        let split = 3
        let first = net.forward(SequenceBatch(sequences: sequences.map { $0.rows(0..<min(split, $0.rows)) }))
        let second = net.forward(SequenceBatch(sequences: sequences.map { $0.rows(min(split, $0.rows)..<$0.rows) }),
                                 initialState: first.finalState!)
        for b in 0..<3 {
            let joined = first.logProbabilities(ofSequence: b).data + second.logProbabilities(ofSequence: b).data
            assertClose(joined, whole.logProbabilities(ofSequence: b).data, absolute: 1e-12, "sequence \(b)")
        }
        let (a, c) = (second.finalState!, whole.finalState!)
        for k in 0..<2 {
            assertClose(a.hidden[k].data, c.hidden[k].data, absolute: 1e-12, "h layer \(k)")
            assertClose(a.cells[k].data, c.cells[k].data, absolute: 1e-12, "s layer \(k)")
        }
        XCTAssertNil(LSTMNetwork<Double>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [2], classes: 2), rng: &rng)
            .forward(SequenceBatch(sequences: sequences)).finalState)
    }

    /// Within a chunk that starts from a given (constant) state, BPTT is exact, with and without peepholes.
    /// The inference pass (decode, label), which lets each layer's caches go once the layer above
    /// has its input, gives the training pass's log-probabilities, logits and final state bit for
    /// bit: three unidirectional layers from a given state and two bidirectional ones, in Float as
    /// decoding runs, over a batch of unequal lengths and over one sequence.
    func testInferencePassEqualsTheTrainingPassBitForBit() {
        var rng = SeededGenerator(seed: 111)
        for bidirectional in [false, true] {
            let c = LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: bidirectional ? [5, 4] : [5, 4, 3],
                                             bidirectional: bidirectional, peepholes: true, classes: 6)
            let net = LSTMNetwork<Float>(c, rng: &rng)
            for lengths in [[9, 4, 1], [12]] {
                let sequences = lengths.map { Matrix(rows: $0, cols: 3, data: (0..<($0 * 3)).map { _ in Float.random(in: -2...2, using: &rng) }) }
                let batch = SequenceBatch(matrices: sequences)
                let state: LSTMNetwork<Float>.State? = bidirectional ? nil
                    : net.forward(SequenceBatch(matrices: sequences.map { $0.rows(0..<1) })).finalState
                let training = net.forward(batch, initialState: state)
                let inference = net.forward(batch, initialState: state, keepingTrainingState: false)
                XCTAssertEqual(inference.logProbabilities.data, training.logProbabilities.data, "\(c.hiddenSizes) \(lengths)")
                XCTAssertEqual(inference.logits.data, training.logits.data, "\(c.hiddenSizes) \(lengths)")
                XCTAssertEqual(inference.finalState?.hidden.map(\.data), training.finalState?.hidden.map(\.data))
                XCTAssertEqual(inference.finalState?.cells.map(\.data), training.finalState?.cells.map(\.data))
                XCTAssertEqual(bidirectional, training.finalState == nil)
                let fromZero = net.forward(batch)   // as `logProbabilities` runs, from zero state
                XCTAssertEqual(net.logProbabilities(sequences).map(\.data), (0..<lengths.count).map { fromZero.logProbabilities(ofSequence: $0).data })
            }
        }
    }

    func testGradientsWithinAChunkFromAGivenState() {
        var rng = SeededGenerator(seed: 111)
        for peepholes in [true, false] {
            var c = configuration
            c.peepholes = peepholes
            let net = LSTMNetwork<Double>(c, rng: &rng)
            let state = LSTMNetwork<Double>.State(hidden: [randomArray(3, 4, &rng, scale: 0.5), randomArray(3, 3, &rng, scale: 0.5)],
                                                  cells: [randomArray(3, 4, &rng), randomArray(3, 3, &rng)])
            var batch = SequenceBatch(sequences: [4, 1, 3].map { randomArray($0, 3, &rng) })
            let w = randomArray(batch.frames.rows, 5, &rng)
            func loss(_ b: SequenceBatch<Double>) -> Double {
                let lp = net.forward(b, initialState: state).logProbabilities
                var sum = 0.0
                for r in 0..<lp.rows where r / 3 < b.lengths[r % 3] { for k in 0..<5 { sum += lp[r, k] * w[r, k] } }
                return sum
            }
            net.parameters.zeroGradients()
            let dx = net.backward(net.forward(batch, initialState: state), dLogProbabilities: w)
            checkParameterGradients(net.parameters, seed: 112) { loss(batch) }
            checkInputGradient(&batch.frames, dx, name: "x peepholes=\(peepholes)") {
                loss(SequenceBatch(frames: $0, lengths: batch.lengths))
            }
        }
    }
}
