// --gradient through the trainer: RTRL's first update equals BPTT's, online truncated BPTT learns a lagged task, misuse is refused.
import Foundation
import XCTest
import Formats
import Labelling
import Networks
import Tensors
import TestSupport
import Training

final class GradientAlgorithmTests: XCTestCase {
    func trainer(_ o: TrainingOptions, task: TrainingTask, cell: RecurrentCell, train: Corpus, valid: Corpus,
                 alphabet: Alphabet) throws -> Trainer {
        let path = temporaryDirectory().appendingPathComponent("m.safetensors").path
        return try Trainer(options: o, train: train, valid: valid, alphabet: alphabet, tokenUnit: .words, frontEnd: nil,
                           modelPath: path, checkpointPath: path + ".ckpt", task: task, cell: cell)
    }

    /// The first minibatch update of an Elman network is the same whether the trainer computes
    /// the gradient by BPTT or by RTRL (SGD, so the update is the gradient times the step size).
    func testRTRLAndBPTTGiveTheSameFirstUpdate() throws {
        let paths = try writeSyntheticTask(count: 12, to: temporaryDirectory().path)
        for task in [TrainingTask.ctc, .sequence] {
            var (corpus, alphabet) = try Corpus.read(featuresPath: paths.feats, textPath: paths.text, unit: .words)
            if task == .sequence {
                corpus.utterances = corpus.utterances.map { LabelledUtterance(key: $0.key, features: $0.features, labels: [$0.labels[0]]) }
            }
            var o = TrainingOptions()
            o.hiddenSizes = [6]; o.bidirectional = false; o.peepholes = false
            o.optimizer = .sgd; o.momentum = 0; o.learningRate = 0.5; o.clipNorm = 0
            o.batchSize = 12; o.threads = 1; o.seed = 3
            var after: [[[Float]]] = [], before: [[Float]] = []
            for gradient in [GradientAlgorithm.bptt, .rtrl] {
                o.gradient = gradient
                let t = try trainer(o, task: task, cell: .elman, train: corpus, valid: Corpus(utterances: [], skipped: []), alphabet: alphabet)
                before = t.model.network.parameters.map(\.value.data)
                XCTAssertEqual(try t.run(shouldStop: { true }), .interrupted)
                after.append(t.model.network.parameters.map(\.value.data))
            }
            // Different summation orders: equal to Float rounding, but not bit for bit (RTRL did run).
            XCTAssertNotEqual(after[0], after[1], "\(task)")
            for (i, (b, r)) in zip(after[0], after[1]).enumerated() {
                XCTAssertNotEqual(b, before[i], "\(task): parameter \(i) was updated")
                assertClose(r.map(Double.init), b.map(Double.init), absolute: 1e-6, "\(task): parameter \(i)")
            }
        }
    }

    /// Framewise task with a lag: the label of frame t is the sign of input t − 2. Online
    /// truncated BPTT over 4 frames learns it (chance is 50%).
    func testTruncatedBPTTLearnsALaggedFramewiseTask() throws {
        func corpus(_ n: Int, _ seed: UInt64) -> Corpus {
            var g = SeededGenerator(seed: seed)
            return Corpus(utterances: (0..<n).map { i in
                let x = (0..<30).map { _ in [Float(g.normal())] }
                let labels = (0..<30).map { t in t < 2 ? 1 : (x[t - 2][0] > 0 ? 2 : 1) }
                return LabelledUtterance(key: "s\(i)", features: Matrix(x), labels: labels)
            }, skipped: [])
        }
        var o = TrainingOptions()
        o.hiddenSizes = [8]; o.bidirectional = false
        o.gradient = .tbptt; o.horizon = 4
        o.learningRate = 0.01; o.epochs = 6; o.patience = 6; o.batchSize = 4; o.threads = 1; o.seed = 2
        let t = try trainer(o, task: .framewise, cell: .lstm, train: corpus(12, 1), valid: corpus(6, 2), alphabet: try Alphabet(tokens: ["neg", "pos"]))
        XCTAssertEqual(try t.run(), .finished)
        let errors = t.state.history.map { $0.validLabelErrorRate! }
        XCTAssertLessThan(t.state.bestValidError!, 0.15, "\(errors)")
        XCTAssertGreaterThan(errors.first!, t.state.bestValidError!, "\(errors)")
    }

    /// With (practically) frozen weights, the per-frame losses of online truncated BPTT add up to
    /// the whole-utterance loss: the state before each window is carried forward exactly.
    func testTruncatedBPTTCarriesTheStateExactly() throws {
        var g = SeededGenerator(seed: 9)
        let data = Corpus(utterances: (0..<3).map { i in
            LabelledUtterance(key: "s\(i)", features: Matrix((0..<(7 + i)).map { _ in [Float(g.normal()), Float(g.normal())] }), labels: [])
        }, skipped: [])
        for horizon in [1, 3, 20] {
            var o = TrainingOptions()
            o.hiddenSizes = [5]; o.bidirectional = false
            o.gradient = .tbptt; o.horizon = horizon
            o.optimizer = .sgd; o.momentum = 0; o.learningRate = 1e-30; o.epochs = 1; o.batchSize = 2; o.threads = 1
            let t = try trainer(o, task: .predict, cell: .lstm, train: data, valid: Corpus(utterances: [], skipped: []), alphabet: Alphabet(collecting: []))
            var reports: [EpochReport] = []
            XCTAssertEqual(try t.run(onEpoch: { reports.append($0) }), .finished)
            let whole = try Trainer.evaluate(t.model, on: data, batchSize: 3, threads: 1).meanLoss
            XCTAssertEqual(reports[0].trainLoss, whole, accuracy: 1e-5 * whole, "horizon \(horizon)")
        }
    }

    func testMisuseIsRefused() throws {
        let data = Corpus(utterances: [LabelledUtterance(key: "a", features: Matrix(rows: 4, cols: 40), labels: [1, 1, 1, 1])], skipped: [])
        let alphabet = try Alphabet(tokens: ["x"])
        var o = TrainingOptions()
        o.hiddenSizes = [64]; o.bidirectional = false
        o.gradient = .rtrl
        XCTAssertThrowsError(try trainer(o, task: .framewise, cell: .elman, train: data, valid: data, alphabet: alphabet)) { error in
            XCTAssertTrue("\(error)".contains("multiply-adds per frame"), "\(error)")
        }
        o.hiddenSizes = [4]
        XCTAssertThrowsError(try trainer(o, task: .framewise, cell: .lstm, train: data, valid: data, alphabet: alphabet))
        o.gradient = .tbptt
        XCTAssertThrowsError(try trainer(o, task: .framewise, cell: .lstm, train: data, valid: data, alphabet: alphabet))   // no horizon
        o.horizon = 3
        XCTAssertNoThrow(try trainer(o, task: .framewise, cell: .lstm, train: data, valid: data, alphabet: alphabet))
        XCTAssertThrowsError(try trainer(o, task: .ctc, cell: .lstm, train: data, valid: data, alphabet: alphabet))
        o.bidirectional = true
        XCTAssertThrowsError(try trainer(o, task: .framewise, cell: .lstm, train: data, valid: data, alphabet: alphabet))
    }
}
