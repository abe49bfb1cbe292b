// The sequence, framewise and predict tasks: they learn, they refuse labels that do not fit, the model remembers its task.
import Foundation
import XCTest
import Formats
import Labelling
import Networks
import Tensors
import TestSupport
import Training

final class TaskTrainingTests: XCTestCase {
    var options: TrainingOptions {
        var o = TrainingOptions()
        o.hiddenSizes = [10]
        o.epochs = 12
        o.patience = 12
        o.batchSize = 4
        o.learningRate = 0.02
        o.threads = 1
        o.seed = 7
        return o
    }

    /// Utterances of 3–8 noisy copies of one of three prototype frames; the class is the prototype.
    func classCorpus(count: Int, seed: UInt64) -> Corpus {
        var g = SeededGenerator(seed: 11)
        let prototypes = (0..<3).map { _ in (0..<4).map { _ in Float(g.normal()) } }
        g = SeededGenerator(seed: seed)
        return Corpus(utterances: (0..<count).map { i in
            let c = Int(g.next() % 3), T = 3 + Int(g.next() % 6)
            let rows = (0..<T).map { _ in prototypes[c].map { $0 + Float(0.3 * g.normal()) } }
            return LabelledUtterance(key: "u\(i)", features: Matrix(rows), labels: [c + 1])
        }, skipped: [])
    }

    func train(_ task: TrainingTask, _ o: TrainingOptions, _ train: Corpus, _ valid: Corpus, alphabet: Alphabet) throws -> (Trainer, String) {
        let path = temporaryDirectory().appendingPathComponent("m.safetensors").path
        let trainer = try Trainer(options: o, train: train, valid: valid, alphabet: alphabet, tokenUnit: .words, frontEnd: nil,
                                  modelPath: path, checkpointPath: path + ".ckpt", task: task)
        XCTAssertEqual(try trainer.run(), .finished)
        return (trainer, path)
    }

    func testSequenceClassificationLearnsWithBothPoolings() throws {
        let alphabet = try Alphabet(tokens: ["x", "y", "z"])
        for bidirectional in [true, false] {
            var o = options
            o.bidirectional = bidirectional
            let (trainer, path) = try train(.sequence, o, classCorpus(count: 48, seed: 1), classCorpus(count: 24, seed: 2), alphabet: alphabet)
            let history = trainer.state.history
            XCTAssertLessThan(history.last!.trainLoss, history.first!.trainLoss / 2, "\(history.map(\.trainLoss))")
            XCTAssertLessThanOrEqual(trainer.state.bestValidError!, 0.1, "bidirectional \(bidirectional): \(history.map { $0.validLabelErrorRate! })")
            // The saved model is a sequence model, and decoding its validation set gives the error the trainer saw.
            let model = try LabellingModel(contentsOf: path)
            XCTAssertEqual(model.task, .sequence)
            let labeller = Labeller(model: model, bestPath: true)
            let valid = classCorpus(count: 24, seed: 2)
            let wrong = try valid.utterances.filter { try labeller.labels($0.features, key: $0.key, file: "valid")[0].tokens != $0.labels }.count
            XCTAssertEqual(Double(wrong) / 24, trainer.state.bestValidError!, accuracy: 1e-9)
        }
    }

    func testFramewiseClassificationLearnsTheFrameClasses() throws {
        // Each frame's class is the class of its prototype; utterances mix two classes.
        let parts = classCorpus(count: 80, seed: 3).utterances
        let joined = stride(from: 0, to: parts.count, by: 2).map { i in
            var f = parts[i].features; f.appendRows(parts[i + 1].features)
            return LabelledUtterance(key: "j\(i)", features: f, labels: [Int](repeating: parts[i].labels[0], count: parts[i].features.rows)
                                     + [Int](repeating: parts[i + 1].labels[0], count: parts[i + 1].features.rows))
        }
        let (trainer, path) = try train(.framewise, options, Corpus(utterances: Array(joined[0..<30]), skipped: []),
                                        Corpus(utterances: Array(joined[30...]), skipped: []), alphabet: try Alphabet(tokens: ["x", "y", "z"]))
        XCTAssertLessThanOrEqual(trainer.state.bestValidError!, 0.1, "\(trainer.state.history.map { $0.validLabelErrorRate! })")
        let model = try LabellingModel(contentsOf: path)
        XCTAssertEqual(model.task, .framewise)
        let h = try Labeller(model: model, bestPath: true).labels(joined[31].features, key: "j", file: "f")[0]
        XCTAssertEqual(h.tokens.count, joined[31].features.rows)
    }

    func testPredictionBeatsCopyingTheLastFrameOnSines() throws {
        func sines(_ n: Int, _ seed: UInt64) -> Corpus {
            var g = SeededGenerator(seed: seed)
            return Corpus(utterances: (0..<n).map { i in
                let phase = Double(g.next() % 1000) / 1000 * 2 * .pi
                let rows = (0..<20).map { t in [Float(sin(0.6 * Double(t) + phase)), Float(cos(0.6 * Double(t) + phase))] }
                return LabelledUtterance(key: "s\(i)", features: Matrix(rows), labels: [])
            }, skipped: [])
        }
        var o = options
        o.bidirectional = false
        o.epochs = 30
        o.patience = 30
        let valid = sines(10, 6)
        let (trainer, path) = try train(.predict, o, sines(40, 5), valid, alphabet: Alphabet(collecting: []))
        // Copying frame t as the guess for t + 1 errs by 2 sin(0.3) in norm: per value, 2 sin²(0.3).
        let copying = 2 * pow(sin(0.3), 2)
        XCTAssertLessThan(trainer.state.bestValidError!, copying / 3, "\(trainer.state.history.map { $0.validLabelErrorRate! })")
        // decode's frames: row t predicts frame t + 1, and their error is the validation error.
        let labeller = Labeller(model: try LabellingModel(contentsOf: path), bestPath: true)
        var sum = 0.0, count = 0
        for u in valid.utterances {
            let p = try labeller.predictions(u.features.rows(0..<(u.features.rows - 1)), key: u.key, file: "v")
            for t in 0..<p.rows { for k in 0..<2 { sum += pow(Double(p[t, k] - u.features[t + 1, k]), 2); count += 1 } }
        }
        XCTAssertEqual(sum / Double(count), trainer.state.bestValidError!, accuracy: 1e-5)
        XCTAssertThrowsError(try labeller.labels(valid.utterances[0].features, key: "s0", file: "v"))
        // A bidirectional predictor would see its target.
        o.bidirectional = true
        XCTAssertThrowsError(try Trainer(options: o, train: valid, valid: valid, alphabet: Alphabet(collecting: []), tokenUnit: .words,
                                         frontEnd: nil, modelPath: "unused", checkpointPath: "unused", task: .predict))
    }

    func testCorpusRefusesLabelsThatDoNotFitTheTask() throws {
        let dir = temporaryDirectory()
        let feats = dir.path + "/feats.ark", text = dir.path + "/text"
        let writer = try KaldiArchiveWriter(path: feats)
        try writer.write(key: "a", matrix: Matrix(rows: 3, cols: 2))
        try writer.write(key: "b", matrix: Matrix(rows: 2, cols: 2))
        try writer.write(key: "c", matrix: Matrix(rows: 1, cols: 2))
        try writer.close()
        try KaldiText.write([(key: "a", tokens: ["x", "y", "x"]), (key: "b", tokens: ["y", "x", "y"]), (key: "c", tokens: ["y"])], to: text)
        let framewise = try Corpus.read(featuresPath: feats, textPath: text, unit: .words, task: .framewise).corpus
        XCTAssertEqual(framewise.utterances.map(\.key), ["a", "c"])
        XCTAssertEqual(framewise.skipped.map(\.place), ["b"])
        XCTAssertTrue(framewise.skipped[0].message.contains("3 frame labels for 2 frames"), framewise.skipped[0].message)
        let sequence = try Corpus.read(featuresPath: feats, textPath: text, unit: .words, task: .sequence).corpus
        XCTAssertEqual(sequence.utterances.map(\.key), ["c"])
        XCTAssertEqual(sequence.skipped.map(\.place), ["a", "b"])
        let ctc = try Corpus.read(featuresPath: feats, textPath: text, unit: .words).corpus
        XCTAssertEqual(ctc.utterances.map(\.key), ["a", "c"])   // b: 2 frames cannot hold 3 labels
        let predict = try Corpus.read(featuresPath: feats, textPath: nil, unit: .words, task: .predict).corpus
        XCTAssertEqual(predict.utterances.map(\.key), ["a", "b"])   // c: one frame has no successor
    }

    /// Labels cut into characters that do not fit are pointed to --tokens words; labels already
    /// cut into words are not.
    func testMisfitMessagesPointToWordTokensOnlyForCharacters() throws {
        let dir = temporaryDirectory()
        let feats = dir.path + "/feats.ark", text = dir.path + "/text"
        let writer = try KaldiArchiveWriter(path: feats)
        try writer.write(key: "a", matrix: Matrix(rows: 3, cols: 2))
        try writer.close()
        try KaldiText.write([(key: "a", tokens: ["x", "y", "x", "y"])], to: text)
        let hint = "need --tokens words"
        for task in [TrainingTask.sequence, .framewise] {
            let chars = try Corpus.read(featuresPath: feats, textPath: text, unit: .characters, task: task).corpus
            XCTAssertEqual(chars.skipped.count, 1)
            XCTAssertTrue(chars.skipped[0].message.contains(hint), chars.skipped[0].message)
            let words = try Corpus.read(featuresPath: feats, textPath: text, unit: .words, task: task).corpus
            XCTAssertEqual(words.skipped.count, 1)
            XCTAssertFalse(words.skipped[0].message.contains("--tokens"), words.skipped[0].message)
        }
        // "x y x" as characters is 5 labels for 3 frames: the spaces count.
        try KaldiText.write([(key: "a", tokens: ["x", "y", "x"])], to: text)
        let spaced = try Corpus.read(featuresPath: feats, textPath: text, unit: .characters, task: .framewise).corpus
        XCTAssertTrue(spaced.skipped[0].message.contains("5 frame labels for 3 frames") && spaced.skipped[0].message.contains(hint),
                      spaced.skipped[0].message)
        XCTAssertEqual(try Corpus.read(featuresPath: feats, textPath: text, unit: .words, task: .framewise).corpus.utterances.count, 1)
    }

    func testAModelWithoutATaskKeyIsACTCModel() throws {
        var rng = SeededGenerator(seed: 1)
        let net = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: [3], classes: 3), rng: &rng)
        let model = LabellingModel(network: net, alphabet: try Alphabet(tokens: ["a", "b"]), tokenUnit: .words, frontEnd: nil, task: .sequence)
        var file = model.safeTensors()
        XCTAssertEqual(file.metadata[TrainingTask.metadataKey], "sequence")
        XCTAssertEqual(try LabellingModel(file: file, name: "m").task, .sequence)
        file.metadata[TrainingTask.metadataKey] = nil
        XCTAssertEqual(try LabellingModel(file: file, name: "old").task, .ctc)
        file.metadata[TrainingTask.metadataKey] = "regression"
        XCTAssertThrowsError(try LabellingModel(file: file, name: "bad")) { error in
            XCTAssertEqual((error as? InputError)?.place, TrainingTask.metadataKey)
        }
    }
}
