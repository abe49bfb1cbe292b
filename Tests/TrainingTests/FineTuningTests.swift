// Fine-tuning: starts from the model's weights with a fresh optimizer, keeps its architecture, refuses what does not fit.
import Foundation
import XCTest
import Formats
import Labelling
import Networks
import Tensors
import TestSupport
import Training

final class FineTuningTests: XCTestCase {
    var options: TrainingOptions {
        var o = TrainingOptions()
        o.hiddenSizes = [10]
        o.bidirectional = false
        o.epochs = 8
        o.batchSize = 4
        o.learningRate = 0.02
        o.threads = 1
        o.seed = 7
        return o
    }

    /// A base model trained on the synthetic task, and the task's train/valid corpora.
    func base(_ dir: URL) throws -> (model: LabellingModel, path: String, train: Corpus, valid: Corpus) {
        let paths = try writeSyntheticTask(count: 24, to: dir.path)
        let (corpus, alphabet) = try Corpus.read(featuresPath: paths.feats, textPath: paths.text, unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        let path = dir.appendingPathComponent("base.safetensors").path
        let trainer = try Trainer(options: options, train: train, valid: valid, alphabet: alphabet, tokenUnit: .words,
                                  frontEnd: nil, modelPath: path, checkpointPath: path + ".ckpt")
        XCTAssertEqual(try trainer.run(), .finished)
        return (try LabellingModel(contentsOf: path), path, train, valid)
    }

    func testStartsFromTheModelsWeightsWithAFreshOptimizer() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let b = try base(dir)
        var o = options
        o.hiddenSizes = [99]            // replaced by the model's architecture
        o.bidirectional = true
        o.epochs = 1
        o.learningRate = 1e-12          // so the first epoch's validation sees the starting weights
        o.seed = 99
        let out = dir.appendingPathComponent("tuned.safetensors").path
        let tuner = try Trainer(fineTuning: b.model, baseName: b.path, options: o, train: b.train, valid: b.valid,
                                modelPath: out, checkpointPath: out + ".ckpt")
        XCTAssertEqual(tuner.options.hiddenSizes, [10])
        XCTAssertFalse(tuner.options.bidirectional)
        XCTAssertEqual(tuner.model.network.configuration, b.model.network.configuration)
        XCTAssertEqual(tuner.model.alphabet, b.model.alphabet)
        for (p, q) in zip(tuner.model.network.parameters, b.model.network.parameters) {
            XCTAssertEqual(p.value.data, q.value.data, p.name)
        }
        var reports: [EpochReport] = []
        XCTAssertEqual(try tuner.run(onEpoch: { reports.append($0) }), .finished)
        let baseLoss = try Trainer.evaluate(b.model, on: b.valid, batchSize: 4, threads: 1).meanLoss
        XCTAssertEqual(try XCTUnwrap(reports.first?.validLoss), baseLoss, accuracy: 1e-6 * max(1, baseLoss))
        // A fresh optimizer: as many steps as this run's batches, not the base run's.
        XCTAssertEqual(tuner.state.stepCount, tuner.batches(epoch: 0).count)
        // A fresh network on the same data starts far from there.
        let fresh = try Trainer(options: o, train: b.train, valid: b.valid, alphabet: b.model.alphabet, tokenUnit: .words, frontEnd: nil,
                                modelPath: out + ".fresh", checkpointPath: out + ".fresh.ckpt")
        var freshReports: [EpochReport] = []
        _ = try fresh.run(onEpoch: { freshReports.append($0) })
        XCTAssertGreaterThan(try XCTUnwrap(freshReports.first?.validLoss), 2 * baseLoss)
    }

    /// A --hidden that contradicts an Elman or Jordan model names that cell, not an LSTM.
    func testRefusedWidthNamesTheModelsCell() throws {
        var rng = SeededGenerator(seed: 3)
        for (cell, name) in [(RecurrentCell.elman, "Elman 8"), (.jordan, "Jordan 8"), (.lstm, "LSTM 8")] {
            let configuration = LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [8], bidirectional: false,
                                                         peepholes: cell == .lstm, classes: 3)
            let model = LabellingModel(network: SequenceNetwork(configuration, cell: cell, rng: &rng), alphabet: Alphabet(collecting: []),
                                       tokenUnit: .characters, frontEnd: nil, task: .predict)
            XCTAssertThrowsError(try ArchitectureRequest(hiddenSizes: [9]).check(against: model, name: "base.safetensors")) { error in
                XCTAssertTrue("\(error)".contains("--hidden 9 contradicts the model (\(name))"), "\(error)")
            }
        }
    }

    func testRefusesWhatDoesNotFitTheModel() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let b = try base(dir)
        func assertRefused(_ request: ArchitectureRequest, _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try request.check(against: b.model, name: "base.safetensors"), line: line) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("base.safetensors") && text.contains(fragment), text, line: line)
            }
        }
        XCTAssertNoThrow(try ArchitectureRequest().check(against: b.model, name: "m"))
        XCTAssertNoThrow(try ArchitectureRequest(hiddenSizes: [10], bidirectional: false, peepholes: true, tokenUnit: .words)
            .check(against: b.model, name: "m"))
        assertRefused(ArchitectureRequest(hiddenSizes: [10, 10]), "--hidden 10,10 contradicts the model (LSTM 10)")
        assertRefused(ArchitectureRequest(bidirectional: true), "contradicts the model (unidirectional)")
        assertRefused(ArchitectureRequest(peepholes: false), "--no-peepholes contradicts the model (with peepholes)")
        assertRefused(ArchitectureRequest(tokenUnit: .characters), "--tokens chars contradicts the model's words tokens")
        let frontEnd = try FrontEnd(text: "--feature-type=fbank\n--num-mel-bins=5\n", file: "fbank.conf")
        assertRefused(ArchitectureRequest(frontEnd: frontEnd), "--frontend differs from the model's front end")

        // Another feature dimension.
        let wide = Corpus(utterances: [LabelledUtterance(key: "w1", features: Matrix(rows: 8, cols: 6), labels: [1])], skipped: [])
        XCTAssertThrowsError(try Trainer(fineTuning: b.model, baseName: "base.safetensors", options: options, train: wide, valid: b.valid,
                                         modelPath: dir.appendingPathComponent("x").path, checkpointPath: dir.appendingPathComponent("y").path)) {
            XCTAssertTrue("\($0)".contains("the model takes 5-dimensional features, the training features have 6"), "\($0)")
        }
        XCTAssertThrowsError(try Trainer(fineTuning: b.model, baseName: "base.safetensors", options: options, train: b.train, valid: wide,
                                         modelPath: dir.appendingPathComponent("x").path, checkpointPath: dir.appendingPathComponent("y").path)) {
            XCTAssertTrue("\($0)".contains("the validation features have 6"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))

        // A label token outside the model's alphabet: an error naming the utterance and the token.
        let paths = try writeSyntheticTask(count: 6, to: dir.path)
        var text = try String(contentsOfFile: paths.text, encoding: .utf8)
        text = text.replacingOccurrences(of: "utt3 ", with: "utt3 z ")
        try text.write(toFile: paths.text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Corpus.read(featuresPath: paths.feats, textPath: paths.text, unit: .words, alphabet: b.model.alphabet,
                                             refuseUnknownTokens: true)) {
            XCTAssertTrue("\($0)".contains("utt3: label \"z\" is not in the model's alphabet"), "\($0)")
        }
        // Without refusing (a plain run's validation set), it is a skip.
        let lenient = try Corpus.read(featuresPath: paths.feats, textPath: paths.text, unit: .words, alphabet: b.model.alphabet)
        XCTAssertTrue(lenient.corpus.skipped.contains { $0.place == "utt3" })
    }
}
