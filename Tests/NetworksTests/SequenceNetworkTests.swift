// The networks `seqlab train --cell` builds: gradients against central differences of their Double twins, and their files.
import XCTest
import Foundation
import Formats
import Networks
import Tensors
import TestSupport

final class SequenceNetworkTests: XCTestCase {
    /// A Double twin of a cell's network with the given values (same parameter names, same order).
    enum Twin {
        case lstm(LSTMNetwork<Double>), elman(ElmanNetwork<Double>), jordan(JordanNetwork<Double>)
        var parameters: [Parameter<Double>] {
            switch self { case .lstm(let n): n.parameters; case .elman(let n): n.parameters; case .jordan(let n): n.parameters }
        }
        /// Logits of the batch (the Jordan network teacher-forced by `teacher`), and backward from ∂L/∂logits.
        func logits(_ b: SequenceBatch<Double>, teacher: Array2D<Double>) -> Array2D<Double> {
            switch self {
            case .lstm(let n): n.forward(b).logits
            case .elman(let n): n.forward(b).logits
            case .jordan(let n): n.forward(b, teacher: teacher).outputs
            }
        }
        func backward(_ b: SequenceBatch<Double>, teacher: Array2D<Double>, dLogits: Array2D<Double>) {
            switch self {
            case .lstm(let n): n.backward(n.forward(b), dLogits: dLogits)
            case .elman(let n): n.backward(n.forward(b), dLogits: dLogits)
            case .jordan(let n): n.backward(n.forward(b, teacher: teacher), dOutputs: dLogits)
            }
        }
    }

    func twin(of net: SequenceNetwork) -> Twin {
        var rng = SeededGenerator(seed: 0)
        let c = net.configuration
        let t: Twin
        switch net.cell {
        case .lstm: t = .lstm(LSTMNetwork<Double>(c, rng: &rng))
        case .elman: t = .elman(ElmanNetwork<Double>(inputs: c.inputSize, hidden: c.hiddenSizes[0], classes: c.classes, rng: &rng))
        case .jordan: t = .jordan(JordanNetwork<Double>(inputs: c.inputSize, hidden: c.hiddenSizes[0], outputs: c.classes, rng: &rng))
        }
        XCTAssertEqual(t.parameters.map(\.name), net.parameters.map(\.name))
        for (d, f) in zip(t.parameters, net.parameters) { d.value.data = f.value.data.map(Double.init) }
        return t
    }

    /// For each network the CLI can build: the Double twin's gradient of a squared error on the
    /// logits (the predict loss; the classification losses enter through the same ∂L/∂logits)
    /// matches central differences, and the Float network's gradient matches the twin's.
    func testEveryCellTheCommandLineBuildsHasCheckedGradients() {
        let cases: [(RecurrentCell, LSTMNetworkConfiguration)] = [
            (.lstm, LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4, 3], bidirectional: true, classes: 3)),
            (.lstm, LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4], bidirectional: false, classes: 3)),
            (.elman, LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [5], bidirectional: false, peepholes: false, classes: 3)),
            (.jordan, LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [5], bidirectional: false, peepholes: false, classes: 3)),
        ]
        for (i, (cell, configuration)) in cases.enumerated() {
            var rng = SeededGenerator(seed: 40 + UInt64(i))
            let net = SequenceNetwork(configuration, cell: cell, rng: &rng)
            XCTAssertEqual(net.cell, cell)
            let shapes = SequenceNetwork.parameterShapes(net.configuration, cell: cell)
            XCTAssertEqual(shapes.map(\.name), net.parameters.map(\.name))
            XCTAssertEqual(shapes.map(\.shape), net.parameters.map(\.shape))
            let double = twin(of: net)
            let lengths = [4, 2, 3]
            let sequences = lengths.map { randomArray($0, 3, &rng) }
            let batch = SequenceBatch(sequences: sequences)
            let targets = randomArray(batch.frames.rows, 3, &rng)
            func loss(_ b: SequenceBatch<Double>) -> (loss: Double, dOutputs: Array2D<Double>) {
                FramewiseLoss.squaredError(outputs: double.logits(b, teacher: targets), targets: targets, lengths: lengths)
            }
            double.parameters.zeroGradients()
            double.backward(batch, teacher: targets, dLogits: loss(batch).dOutputs)
            checkParameterGradients(double.parameters, seed: 50 + UInt64(i)) { loss(batch).loss }
            // The Float network the trainer uses, on the same data.
            let floatBatch = SequenceBatch(sequences: sequences.map { $0.converted(to: Float.self) })
            let floatTargets = targets.converted(to: Float.self)
            net.parameters.zeroGradients()
            let pass = net.forward(floatBatch, teacher: cell == .jordan ? floatTargets : nil)
            let r = FramewiseLoss.squaredError(outputs: pass.logits, targets: floatTargets, lengths: lengths)
            XCTAssertEqual(r.loss, loss(batch).loss, accuracy: 1e-4 * max(1, abs(r.loss)))
            net.backward(pass, dLogits: r.dOutputs)
            for (f, d) in zip(net.parameters, double.parameters) {
                assertClose(f.gradient.data.map(Double.init), d.gradient.data, absolute: 1e-4, relative: 1e-3)
            }
        }
    }

    /// RTRL in place of BPTT gives the same parameter gradients in Double, padding included.
    func testRTRLBackwardGivesTheBPTTGradient() {
        var rng = SeededGenerator(seed: 70)
        let net = ElmanNetwork<Double>(inputs: 3, hidden: 4, classes: 3, rng: &rng)
        let lengths = [5, 2, 4]
        let batch = SequenceBatch(sequences: lengths.map { randomArray($0, 3, &rng) })
        let dLogits = randomArray(batch.frames.rows, 3, &rng)
        net.parameters.zeroGradients()
        net.backward(net.forward(batch), dLogits: dLogits)
        let bptt = net.parameters.map(\.gradient.data)
        net.parameters.zeroGradients()
        net.backwardRTRL(net.forward(batch), dLogits: dLogits)
        for (p, g) in zip(net.parameters, bptt) {
            XCTAssertTrue(p.gradient.data.contains { $0 != 0 }, p.name)
            assertClose(p.gradient.data, g, absolute: 1e-12, relative: 1e-9, p.name)
        }
        XCTAssertEqual(ElmanNetwork<Double>.rtrlCostPerFrame(inputs: 3, hidden: 4), 16 * (12 + 16 + 4))
    }

    func testElmanAndJordanNetworksSurviveTheirFiles() throws {
        for cell in [RecurrentCell.elman, .jordan] {
            var rng = SeededGenerator(seed: 60)
            let net = SequenceNetwork(LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: [4], bidirectional: false, classes: 2), cell: cell, rng: &rng)
            let saved = net.savedTensors(metadata: ["extra": "kept"])
            XCTAssertEqual(saved.metadata[RecurrentCell.metadataKey], cell.rawValue)
            let path = temporaryDirectory().appendingPathComponent("\(cell.rawValue).safetensors").path
            try saved.safeTensorsFile.write(to: path)
            let file = try SafeTensorsFile(contentsOf: path)
            let loaded = try SequenceNetwork(loading: ModelTensors(file, file: "m"), file: "m")
            XCTAssertEqual(loaded.cell, cell)
            let x = [Matrix(rows: 5, cols: 2, data: (0..<10).map { Float($0) / 7 - 0.5 })]
            XCTAssertEqual(loaded.logits(x), net.logits(x))
            // A damaged value, a missing cell key (read as an LSTM) and an unknown cell are refused.
            var damaged = saved
            damaged.tensors[net.parameters[0].name]!.values[0] += 1
            XCTAssertThrowsError(try SequenceNetwork(loading: damaged, file: "m"))
            var unnamed = saved
            unnamed.metadata[RecurrentCell.metadataKey] = nil
            XCTAssertThrowsError(try SequenceNetwork(loading: unnamed, file: "m"))
            var unknown = saved
            unknown.metadata[RecurrentCell.metadataKey] = "gru"
            XCTAssertThrowsError(try SequenceNetwork(loading: unknown, file: "m")) { error in
                XCTAssertEqual((error as? InputError)?.place, RecurrentCell.metadataKey)
            }
        }
    }
}
