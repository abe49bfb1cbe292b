// The training loop: it learns, it resumes to the same bytes, it refuses mismatched resumes, it skips bad data.
import Foundation
import XCTest
import Features
import Formats
import Labelling
import Networks
import Tensors
import TestSupport
import Training

final class TrainerTests: XCTestCase {
    var options: TrainingOptions {
        var o = TrainingOptions()
        o.hiddenSizes = [12]
        o.epochs = 6
        o.batchSize = 4
        o.learningRate = 0.02
        o.threads = 1
        o.seed = 5
        return o
    }

    func makeTrainer(_ dir: URL, options: TrainingOptions, name: String) throws -> Trainer {
        let paths = try writeSyntheticTask(count: 24, to: dir.path)
        let (corpus, alphabet) = try Corpus.read(featuresPath: paths.feats, textPath: paths.text, unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        return try Trainer(options: options, train: train, valid: valid, alphabet: alphabet, tokenUnit: .words,
                           frontEnd: nil, modelPath: dir.appendingPathComponent(name).path,
                           checkpointPath: dir.appendingPathComponent(name + ".ckpt").path)
    }

    /// The run saved in dir/name.ckpt, resumed on makeTrainer's data and split, writing dir/name.
    func resumeTrainer(_ dir: URL, name: String) throws -> Trainer {
        let checkpoint = try Checkpoint(contentsOf: dir.appendingPathComponent(name + ".ckpt").path)
        let (corpus, alphabet) = try Corpus.read(featuresPath: dir.path + "/feats.ark", textPath: dir.path + "/text", unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        return try Trainer(resuming: checkpoint, train: train, valid: valid, alphabet: alphabet,
                           modelPath: dir.appendingPathComponent(name).path,
                           checkpointPath: dir.appendingPathComponent(name + ".ckpt").path)
    }

    func testLearnsTheSyntheticTask() throws {
        let dir = temporaryDirectory()
        var o = options
        o.epochs = 25
        o.patience = 25
        let trainer = try makeTrainer(dir, options: o, name: "m.safetensors")
        var reports: [EpochReport] = []
        XCTAssertEqual(try trainer.run(onEpoch: { reports.append($0) }), .finished)
        XCTAssertLessThan(reports.last!.trainLoss, reports.first!.trainLoss / 4, "\(reports.map(\.trainLoss))")
        XCTAssertEqual(trainer.state.bestValidError ?? 1, 0, accuracy: 0.2, "\(reports.map { $0.validLabelErrorRate ?? -1 })")
        // The saved model reloads with its alphabet and gives the same outputs.
        let model = try LabellingModel(contentsOf: dir.appendingPathComponent("m.safetensors").path)
        XCTAssertEqual(Array(model.alphabet.tokens), ["a", "b", "c"])
        XCTAssertEqual(model.tokenUnit, .words)
    }

    func testResumingAfterAnyBatchGivesTheSameModelBytes() throws {
        // One thread, and two (directions on two threads): each resumes to its own uninterrupted bytes.
        for (threads, stops) in [(1, [1, 7, 13]), (2, [5])] {
            var o = options
            o.threads = threads
            let dir = temporaryDirectory()
            let full = try makeTrainer(dir, options: o, name: "full.safetensors")
            XCTAssertEqual(try full.run(), .finished)
            let fullBytes = try Data(contentsOf: dir.appendingPathComponent("full.safetensors"))
            for stopAfter in stops {
                let name = "part\(stopAfter).safetensors"
                let first = try makeTrainer(dir, options: o, name: name)
                var batches = 0
                XCTAssertEqual(try first.run(shouldStop: { batches += 1; return batches >= stopAfter }), .interrupted)
                XCTAssertEqual(try resumeTrainer(dir, name: name).run(), .finished)
                let bytes = try Data(contentsOf: dir.appendingPathComponent(name))
                XCTAssertEqual(bytes, fullBytes, "\(threads) thread(s), stopped after \(stopAfter) batches")
            }
        }
    }

    func testDropoutRunsAreSeededAndResumeToTheSameBytes() throws {
        var o = options
        o.dropout = 0.3
        let dir = temporaryDirectory()
        let plain = try makeTrainer(dir, options: options, name: "plain.safetensors")
        XCTAssertEqual(try plain.run(), .finished)
        let full = try makeTrainer(dir, options: o, name: "full.safetensors")
        var reports: [EpochReport] = []
        XCTAssertEqual(try full.run(onEpoch: { reports.append($0) }), .finished)
        XCTAssertLessThan(reports.last!.trainLoss, reports.first!.trainLoss / 2, "it still learns: \(reports.map(\.trainLoss))")
        let fullBytes = try Data(contentsOf: dir.appendingPathComponent("full.safetensors"))
        XCTAssertNotEqual(fullBytes, try Data(contentsOf: dir.appendingPathComponent("plain.safetensors")), "the dropout changed nothing")
        let again = try makeTrainer(dir, options: o, name: "again.safetensors")
        XCTAssertEqual(try again.run(), .finished)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("again.safetensors")), fullBytes, "same seed, same masks")
        let first = try makeTrainer(dir, options: o, name: "part.safetensors")
        var batches = 0
        XCTAssertEqual(try first.run(shouldStop: { batches += 1; return batches >= 7 }), .interrupted)
        let checkpoint = try Checkpoint(contentsOf: dir.appendingPathComponent("part.safetensors.ckpt").path)
        XCTAssertEqual(checkpoint.options.dropout, 0.3)
        let (corpus, alphabet) = try Corpus.read(featuresPath: dir.path + "/feats.ark", textPath: dir.path + "/text", unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        let second = try Trainer(resuming: checkpoint, train: train, valid: valid, alphabet: alphabet,
                                 modelPath: dir.appendingPathComponent("part.safetensors").path,
                                 checkpointPath: dir.appendingPathComponent("part.safetensors.ckpt").path)
        XCTAssertEqual(try second.run(), .finished)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("part.safetensors")), fullBytes)
        // Only LSTMs drop, and only below 1.
        var elman = o
        elman.bidirectional = false
        XCTAssertThrowsError(try Trainer(options: elman, train: train, valid: valid, alphabet: alphabet, tokenUnit: .words, frontEnd: nil,
                                         modelPath: dir.path + "/e", checkpointPath: dir.path + "/e.ckpt", cell: .elman)) { error in
            XCTAssertTrue("\(error)".contains("--dropout"), "\(error)")
        }
    }

    /// Exponential learning-rate decay: each epoch trains at η_0·γ^e, the model differs from the
    /// undecayed run's, and a run stopped within an epoch resumes to the same bytes.
    func testLearningRateDecayFollowsTheEpochsAndResumesToTheSameBytes() throws {
        var o = options
        o.epochs = 4
        o.halveOnPlateau = false
        o.learningRateDecay = 0.5
        let dir = temporaryDirectory()
        let plain = try makeTrainer(dir, options: { var p = o; p.learningRateDecay = nil; return p }(), name: "plain.safetensors")
        XCTAssertEqual(try plain.run(), .finished)
        let full = try makeTrainer(dir, options: o, name: "full.safetensors")
        var reports: [EpochReport] = []
        XCTAssertEqual(try full.run(onEpoch: { reports.append($0) }), .finished)
        XCTAssertEqual(reports.map(\.learningRate), [0.02, 0.01, 0.005, 0.0025])
        let fullBytes = try Data(contentsOf: dir.appendingPathComponent("full.safetensors"))
        XCTAssertNotEqual(fullBytes, try Data(contentsOf: dir.appendingPathComponent("plain.safetensors")), "the decay changed nothing")
        let first = try makeTrainer(dir, options: o, name: "part.safetensors")
        var batches = 0
        XCTAssertEqual(try first.run(shouldStop: { batches += 1; return batches >= 11 }), .interrupted)
        let checkpoint = try Checkpoint(contentsOf: dir.appendingPathComponent("part.safetensors.ckpt").path)
        XCTAssertEqual(checkpoint.options.learningRateDecay, 0.5)
        XCTAssertEqual(try resumeTrainer(dir, name: "part.safetensors").run(), .finished)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("part.safetensors")), fullBytes)
    }

    /// Mixed-precision training (`precision` bf16): it learns, its model differs from float's and
    /// says how it was trained, the same seed gives the same bytes on one thread and on two, a run
    /// stopped after 7 batches resumes to them, and it is refused for an Elman network.
    func testMixedPrecisionRunsLearnAndResumeToTheSameBytes() throws {
        let dir = temporaryDirectory()
        let plain = try makeTrainer(dir, options: options, name: "plain.safetensors")
        XCTAssertEqual(try plain.run(), .finished)
        for threads in [1, 2] {
            var o = options
            o.precision = .bfloat16
            o.threads = threads
            let full = try makeTrainer(dir, options: o, name: "full\(threads).safetensors")
            var reports: [EpochReport] = []
            XCTAssertEqual(try full.run(onEpoch: { reports.append($0) }), .finished)
            XCTAssertLessThan(reports.last!.trainLoss, reports.first!.trainLoss / 2, "it learns: \(reports.map(\.trainLoss))")
            let fullPath = dir.appendingPathComponent("full\(threads).safetensors").path
            let fullBytes = try Data(contentsOf: URL(fileURLWithPath: fullPath))
            XCTAssertNotEqual(fullBytes, try Data(contentsOf: dir.appendingPathComponent("plain.safetensors")), "bfloat16 changed nothing")
            XCTAssertTrue(try LabellingModel(contentsOf: fullPath).training.contains("\"precision\":\"bf16\""))
            let again = try makeTrainer(dir, options: o, name: "again\(threads).safetensors")
            XCTAssertEqual(try again.run(), .finished)
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("again\(threads).safetensors")), fullBytes, "same seed, same bytes")
            let name = "part\(threads).safetensors"
            let first = try makeTrainer(dir, options: o, name: name)
            var batches = 0
            XCTAssertEqual(try first.run(shouldStop: { batches += 1; return batches >= 7 }), .interrupted)
            XCTAssertEqual(try Checkpoint(contentsOf: dir.appendingPathComponent(name + ".ckpt").path).options.precision, .bfloat16)
            XCTAssertEqual(try resumeTrainer(dir, name: name).run(), .finished)
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(name)), fullBytes, "\(threads) thread(s), resumed")
            if threads == 1 {
                let (corpus, alphabet) = try Corpus.read(featuresPath: dir.path + "/feats.ark", textPath: dir.path + "/text", unit: .words)
                let (train, valid) = corpus.splitting(validationFraction: 0.25)
                var elman = o
                elman.bidirectional = false
                XCTAssertThrowsError(try Trainer(options: elman, train: train, valid: valid, alphabet: alphabet, tokenUnit: .words,
                                                 frontEnd: nil, modelPath: dir.path + "/e", checkpointPath: dir.path + "/e.ckpt",
                                                 cell: .elman)) { error in
                    XCTAssertTrue("\(error)".contains("--precision bf16"), "\(error)")
                }
            }
        }
    }

    /// A finished 3-epoch run, resumed with its limit raised to 6, ends with the model bytes and
    /// checkpoint tensors of a run started with 6; a limit below the epochs done is refused.
    func testAFinishedRunResumedWithMoreEpochsEqualsTheLongerRun() throws {
        let dir = temporaryDirectory()
        var long = options
        long.patience = 10
        let full = try makeTrainer(dir, options: long, name: "full.safetensors")
        XCTAssertEqual(try full.run(), .finished)
        var short = long
        short.epochs = 3
        let first = try makeTrainer(dir, options: short, name: "short.safetensors")
        XCTAssertEqual(try first.run(), .finished)
        XCTAssertEqual(first.state.epoch, 3)
        let checkpoint = try Checkpoint(contentsOf: dir.appendingPathComponent("short.safetensors.ckpt").path)
        XCTAssertTrue(checkpoint.state.finished)
        let (corpus, alphabet) = try Corpus.read(featuresPath: dir.path + "/feats.ark", textPath: dir.path + "/text", unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        let second = try Trainer(resuming: checkpoint, train: train, valid: valid, alphabet: alphabet,
                                 modelPath: dir.appendingPathComponent("short.safetensors").path,
                                 checkpointPath: dir.appendingPathComponent("short.safetensors.ckpt").path)
        XCTAssertThrowsError(try second.extendEpochs(to: 2, checkpointName: checkpoint.path)) { error in
            XCTAssertEqual((error as? InputError)?.place, "--epochs", "\(error)")
        }
        XCTAssertTrue(try second.extendEpochs(to: 6, checkpointName: checkpoint.path))
        XCTAssertEqual(try second.run(), .finished)
        XCTAssertEqual(second.state.epoch, 6)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("short.safetensors")),
                       try Data(contentsOf: dir.appendingPathComponent("full.safetensors")))
        // The checkpoints hold equal weights and optimizer state (their metadata also holds timings).
        let a = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("short.safetensors.ckpt").path)
        let b = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("full.safetensors.ckpt").path)
        XCTAssertEqual(a.tensors, b.tensors)
        XCTAssertGreaterThan(a.tensors.count, 4)
    }

    /// The rule for a better validation result (`Trainer.improves`): a lower rate, or an equal one
    /// at a lower loss, where every rate of 100% or more counts as 100%, no better than no output.
    func testRatesOf100PercentOrMoreCompareByTheLoss() {
        XCTAssertTrue(Trainer.improves(error: 0.5, loss: 10, over: 0.6, loss: 5))
        XCTAssertTrue(Trainer.improves(error: 0.5, loss: 9, over: 0.5, loss: 10))
        XCTAssertFalse(Trainer.improves(error: 0.5, loss: 10, over: 0.5, loss: 10))
        XCTAssertTrue(Trainer.improves(error: 4, loss: 409, over: 3.25, loss: 421))     // more guesses, lower loss
        XCTAssertFalse(Trainer.improves(error: 2, loss: 430, over: 3.25, loss: 421))    // fewer guesses, higher loss
        XCTAssertTrue(Trainer.improves(error: 1, loss: 400, over: 3.25, loss: 421))
        XCTAssertTrue(Trainer.improves(error: 0.99, loss: 500, over: 1.5, loss: 300))   // under 100% beats any rate over it
        XCTAssertFalse(Trainer.improves(error: 1.2, loss: 100, over: 0.99, loss: 300))
    }

    /// A run that stopped early (patience) is not restarted by a higher limit.
    func testAnEarlyStoppedRunStaysStopped() throws {
        let dir = temporaryDirectory()
        var o = options
        o.patience = 1
        o.learningRate = 1e-9   // nothing improves after the first epoch
        let first = try makeTrainer(dir, options: o, name: "m.safetensors")
        XCTAssertEqual(try first.run(), .finished)
        XCTAssertEqual(first.state.epoch, 2)
        let checkpoint = try Checkpoint(contentsOf: dir.appendingPathComponent("m.safetensors.ckpt").path)
        let (corpus, alphabet) = try Corpus.read(featuresPath: dir.path + "/feats.ark", textPath: dir.path + "/text", unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        let second = try Trainer(resuming: checkpoint, train: train, valid: valid, alphabet: alphabet,
                                 modelPath: dir.appendingPathComponent("m.safetensors").path,
                                 checkpointPath: dir.appendingPathComponent("m.safetensors.ckpt").path)
        XCTAssertFalse(try second.extendEpochs(to: 10, checkpointName: checkpoint.path))
        XCTAssertEqual(try second.run(), .finished)
        XCTAssertEqual(second.state.epoch, 2)
    }

    func testCheckpointsWithinAnEpochResumeToTheSameBytes() throws {
        let dir = temporaryDirectory()
        let full = try makeTrainer(dir, options: options, name: "full.safetensors")
        XCTAssertEqual(try full.run(), .finished)
        let fullBytes = try Data(contentsOf: dir.appendingPathComponent("full.safetensors"))
        // Every 2 batches a checkpoint; keep a copy of the one written after batch 2 of epoch 2,
        // as a SIGKILL during batch 3 would leave it.
        let run = try makeTrainer(dir, options: options, name: "run.safetensors")
        run.checkpointInterval = 2
        let checkpointPath = dir.appendingPathComponent("run.safetensors.ckpt").path, copy = dir.appendingPathComponent("copy.ckpt").path
        XCTAssertEqual(try run.run(onBatch: { done, _, _ in
            if run.state.epoch == 1 && done == 3 { try? FileManager.default.copyItem(atPath: checkpointPath, toPath: copy) }
        }), .finished)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("run.safetensors")), fullBytes)
        let saved = try Checkpoint(contentsOf: copy)
        XCTAssertEqual(saved.state.epoch, 1)
        XCTAssertEqual(saved.state.batch, 2)
        let (corpus, alphabet) = try Corpus.read(featuresPath: dir.path + "/feats.ark", textPath: dir.path + "/text", unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        let resumed = try Trainer(resuming: saved, train: train, valid: valid, alphabet: alphabet,
                                  modelPath: dir.appendingPathComponent("resumed.safetensors").path, checkpointPath: copy)
        XCTAssertEqual(try resumed.run(), .finished)
        // The best model of epoch 1 was written before the copy, so the resumed run wrote the later best one.
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("resumed.safetensors")), fullBytes)
    }

    func testResumeWithAnotherAlphabetIsRefused() throws {
        let dir = temporaryDirectory()
        let trainer = try makeTrainer(dir, options: options, name: "m.safetensors")
        XCTAssertEqual(try trainer.run(shouldStop: { true }), .interrupted)
        let checkpoint = try Checkpoint(contentsOf: dir.appendingPathComponent("m.safetensors.ckpt").path)
        let (corpus, _) = try Corpus.read(featuresPath: dir.path + "/feats.ark", textPath: dir.path + "/text", unit: .words)
        let other = try Alphabet(tokens: ["a", "b", "c", "d"])
        XCTAssertThrowsError(try Trainer(resuming: checkpoint, train: corpus, valid: Corpus(utterances: [], skipped: []),
                                         alphabet: other, modelPath: dir.path + "/x", checkpointPath: dir.path + "/x.ckpt")) { error in
            XCTAssertTrue("\(error)".contains("alphabet"), "\(error)")
        }
    }

    func testResumeOnOtherDataIsRefusedAndOldCheckpointsStillResume() throws {
        let dir = temporaryDirectory()
        let trainer = try makeTrainer(dir, options: options, name: "m.safetensors")
        XCTAssertEqual(try trainer.run(shouldStop: { true }), .interrupted)
        let path = dir.appendingPathComponent("m.safetensors.ckpt").path
        let checkpoint = try Checkpoint(contentsOf: path)
        let (corpus, alphabet) = try Corpus.read(featuresPath: dir.path + "/feats.ark", textPath: dir.path + "/text", unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        XCTAssertEqual(checkpoint.state.trainData, DataFingerprint(train))
        XCTAssertEqual(checkpoint.state.trainData?.utterances, train.utterances.count)
        XCTAssertEqual(checkpoint.state.validData?.frames, valid.frames)
        func resume(_ checkpoint: Checkpoint, _ train: Corpus, _ valid: Corpus) throws -> Trainer {
            try Trainer(resuming: checkpoint, train: train, valid: valid, alphabet: alphabet,
                        modelPath: dir.path + "/x", checkpointPath: dir.path + "/x.ckpt")
        }
        // Another split (as `--valid-fraction 0.5`, or validation files instead of a fraction).
        let (otherTrain, otherValid) = corpus.splitting(validationFraction: 0.5)
        XCTAssertThrowsError(try resume(checkpoint, otherTrain, otherValid)) { error in
            XCTAssertTrue("\(error)".contains("the run's training data was \(train.utterances.count) utterances"), "\(error)")
            XCTAssertTrue("\(error)".contains("the data given is \(otherTrain.utterances.count) utterances"), "\(error)")
        }
        // The same training utterances with other validation data.
        XCTAssertThrowsError(try resume(checkpoint, train, Corpus(utterances: [], skipped: []))) { error in
            XCTAssertTrue("\(error)".contains("validation data"), "\(error)")
        }
        // The same counts, one feature value changed.
        var changed = train
        changed.utterances[3].features.data[2] += 0.5
        XCTAssertEqual(DataFingerprint(changed).frames, DataFingerprint(train).frames)
        XCTAssertThrowsError(try resume(checkpoint, changed, valid)) { error in
            XCTAssertTrue("\(error)".contains("hash"), "\(error)")
        }
        // The same data in another order.
        var reordered = train
        reordered.utterances.swapAt(0, 1)
        XCTAssertNotEqual(DataFingerprint(reordered), DataFingerprint(train))
        // A checkpoint written before fingerprints were kept has none and resumes on any data of its alphabet.
        var old = checkpoint
        old.state.trainData = nil
        old.state.validData = nil
        try old.write()
        let reread = try Checkpoint(contentsOf: path)
        XCTAssertNil(reread.state.trainData)
        XCTAssertNoThrow(try resume(reread, otherTrain, otherValid))
        XCTAssertNoThrow(try resume(checkpoint, train, valid))
    }

    func testCorpusSkipsBadUtterancesWithReasons() throws {
        let dir = temporaryDirectory()
        let feats = dir.path + "/feats.ark", text = dir.path + "/text"
        let writer = try KaldiArchiveWriter(path: feats)
        try writer.write(key: "good", matrix: Matrix(rows: 4, cols: 2, repeating: 1))
        try writer.write(key: "nan", matrix: Matrix(rows: 4, cols: 2, data: [1, 2, 3, .nan, 5, 6, 7, 8]))
        try writer.write(key: "short", matrix: Matrix(rows: 2, cols: 2, repeating: 1))   // "a a" needs 3 frames
        try writer.write(key: "wide", matrix: Matrix(rows: 4, cols: 3, repeating: 1))
        try writer.write(key: "unlabelled", matrix: Matrix(rows: 4, cols: 2, repeating: 1))
        try writer.close()
        try KaldiText.write([("good", ["a", "b"]), ("nan", ["a"]), ("short", ["a", "a"]), ("wide", ["b"]), ("ghost", ["a"])], to: text)
        let (corpus, alphabet) = try Corpus.read(featuresPath: feats, textPath: text, unit: .words)
        XCTAssertEqual(corpus.utterances.map(\.key), ["good"])
        XCTAssertEqual(corpus.utterances[0].labels, [1, 2])
        XCTAssertEqual(Array(alphabet.tokens), ["a", "b"])
        let reasons = corpus.skipped.map(\.description)
        XCTAssertEqual(reasons.count, 5, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("nan") && $0.contains("non-finite feature at frame 1, dimension 1") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("short") && $0.contains("CTC needs at least 3") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("wide") && $0.contains("dimension 3, expected 2") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("unlabelled") && $0.contains("no label line") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("ghost") && $0.contains("has no features") }, "\(reasons)")
    }

    func testHeldOutUtterancesTakeTheirSpeedAndVTLPCopiesWithThem() {
        // extract audio --speed-perturb 0.9,1.0,1.1 writes sp0.9-X, X, sp1.1-X for each X in turn:
        // every 3rd utterance would be every sp1.1 copy, each a copy of two training utterances.
        // Every 3rd source (c, f) goes instead, with its copies; keys that only look like the
        // prefixes stay apart (factor 1 is never written, 0.90 is not the shortest form).
        var keys: [String] = []
        for x in ["a", "b", "c", "d", "e", "f"] { keys += ["sp0.9-\(x)", x, "sp1.1-\(x)"] }
        keys += ["vtlp0.9-sp1.1-c", "vtlp1.1-f", "sp1-g", "sp0.90-h", "sp-i", "sp1.1-"]
        let corpus = Corpus(utterances: keys.map { LabelledUtterance(key: $0, features: Matrix(rows: 3, cols: 2, repeating: 1), labels: [1]) },
                            skipped: [])
        let (train, valid) = corpus.splitting(validationFraction: 1.0 / 3)
        // Sources in order: a b c d e f g=sp1-g h=sp0.90-h i=sp-i j=sp1.1- → held out: 3rd, 6th, 9th.
        XCTAssertEqual(valid.utterances.map(\.key), ["sp0.9-c", "c", "sp1.1-c", "sp0.9-f", "f", "sp1.1-f",
                                                     "vtlp0.9-sp1.1-c", "vtlp1.1-f", "sp-i"])
        XCTAssertEqual(train.utterances.map(\.key), keys.filter { !valid.utterances.map(\.key).contains($0) })
        XCTAssertEqual(AudioAugmentation.sourceKey(of: "vtlp0.9-sp1.1-utt-1"), "utt-1")
        XCTAssertEqual(AudioAugmentation.sourceKey(of: "sp0.95-sp1.1-x"), "sp1.1-x")   // one speed prefix at most
        XCTAssertEqual(AudioAugmentation.sourceKey(of: "sp9-x"), "sp9-x")              // outside 0.25…4
        // Copies of a single source: nothing can be held out.
        let one = Corpus(utterances: ["sp0.9-a", "a", "sp1.1-a"].map { LabelledUtterance(key: $0, features: Matrix(rows: 3, cols: 2, repeating: 1), labels: [1]) },
                         skipped: [])
        XCTAssertEqual(one.splitting(validationFraction: 0.5).valid.utterances.count, 0)
    }

    func testARunSplitBeforeCopiesWereHeldOutTogetherStillResumes() throws {
        // A run started when --valid-fraction held out every n-th utterance alone: its checkpoint
        // fingerprints that split, and the same data and flags must resume it.
        let dir = temporaryDirectory()
        let paths = try writeSyntheticTask(count: 24, to: dir.path)
        var (corpus, alphabet) = try Corpus.read(featuresPath: paths.feats, textPath: paths.text, unit: .words)
        for i in corpus.utterances.indices {   // sp0.9-u0, u0, sp1.1-u0, sp0.9-u1, …
            corpus.utterances[i].key = ["sp0.9-", "", "sp1.1-"][i % 3] + "u\(i / 3)"
        }
        let held = corpus.utterances.indices.filter { $0 % 4 == 3 }
        let oldTrain = Corpus(utterances: corpus.utterances.indices.filter { !held.contains($0) }.map { corpus.utterances[$0] }, skipped: [])
        let oldValid = Corpus(utterances: held.map { corpus.utterances[$0] }, skipped: [])
        let checkpointPath = dir.appendingPathComponent("m.ckpt").path
        let trainer = try Trainer(options: options, train: oldTrain, valid: oldValid, alphabet: alphabet, tokenUnit: .words,
                                  frontEnd: nil, modelPath: dir.appendingPathComponent("m").path, checkpointPath: checkpointPath)
        XCTAssertEqual(try trainer.run(shouldStop: { true }), .interrupted)
        let checkpoint = try Checkpoint(contentsOf: checkpointPath)
        func resume(_ split: (train: Corpus, valid: Corpus)) throws -> Trainer {
            try Trainer(resuming: checkpoint, train: split.train, valid: split.valid, alphabet: alphabet,
                        modelPath: dir.path + "/x", checkpointPath: dir.path + "/x.ckpt")
        }
        // Today's split holds out u3 and u7 with all their copies: not the run's data.
        let today = corpus.splitting(validationFraction: 0.25)
        XCTAssertEqual(today.valid.utterances.map(\.key), ["sp0.9-u3", "u3", "sp1.1-u3", "sp0.9-u7", "u7", "sp1.1-u7"])
        XCTAssertThrowsError(try resume(today))
        // Resuming that checkpoint, the run's own split is found and kept.
        let resumed = corpus.splitting(validationFraction: 0.25, resuming: checkpoint.state)
        XCTAssertTrue(resumed.perUtterance)
        XCTAssertEqual(resumed.valid.utterances.map(\.key), oldValid.utterances.map(\.key))
        XCTAssertEqual(resumed.train.utterances.map(\.key), oldTrain.utterances.map(\.key))
        XCTAssertNoThrow(try resume((resumed.train, resumed.valid)))
        // A new run, and a run started with today's split, get today's split.
        for state in [nil, try stateOfARun(on: today.train, today.valid, in: dir)] {
            let split = corpus.splitting(validationFraction: 0.25, resuming: state)
            XCTAssertFalse(split.perUtterance)
            XCTAssertEqual(split.valid.utterances.map(\.key), today.valid.utterances.map(\.key))
        }
    }

    /// The checkpoint state of a run on `train` and `valid`, stopped before its first update.
    func stateOfARun(on train: Corpus, _ valid: Corpus, in dir: URL) throws -> TrainingState {
        let path = dir.appendingPathComponent("today.ckpt").path
        let alphabet = try Checkpoint(contentsOf: dir.appendingPathComponent("m.ckpt").path).model.alphabet
        let trainer = try Trainer(options: options, train: train, valid: valid, alphabet: alphabet, tokenUnit: .words,
                                  frontEnd: nil, modelPath: dir.appendingPathComponent("today").path, checkpointPath: path)
        XCTAssertEqual(try trainer.run(shouldStop: { true }), .interrupted)
        return try Checkpoint(contentsOf: path).state
    }

    func testAugmentationIsSeededAndIdentityWhenOff() {
        let x = Matrix(rows: 20, cols: 6, data: (0..<120).map { Float($0) })
        var g = SeededGenerator(seed: 9)
        XCTAssertEqual(Augmentation().apply(x, rng: &g), x)
        let a = Augmentation(inputNoise: 0.5, timeMasks: 2, timeMaskWidth: 5, frequencyMasks: 1, frequencyMaskWidth: 3)
        var h1 = SeededGenerator(seed: 9), h2 = SeededGenerator(seed: 9)
        let y1 = a.apply(x, rng: &h1), y2 = a.apply(x, rng: &h2)
        XCTAssertEqual(y1, y2)
        XCTAssertNotEqual(y1, x)
        // Noise alone: x + σ·n, n ~ N(0, 1): over 4,000 values the differences have mean 0 and
        // standard deviation σ (standard errors 0.008 and 0.006; bounds of five of them).
        let wide = Matrix(rows: 200, cols: 20, data: (0..<4000).map { Float($0 % 37) })
        var n = SeededGenerator(seed: 3)
        let noisy = Augmentation(inputNoise: 0.5).apply(wide, rng: &n)
        let d = zip(noisy.data, wide.data).map { Double($0 - $1) }
        let mean = d.reduce(0, +) / Double(d.count)
        let sd = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count - 1)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.04)
        XCTAssertEqual(sd, 0.5, accuracy: 0.03)
        // Masks alone, on 20 frames × 12 columns (values 12r + c, none equal to its column's mean
        // 114 + c): every changed value is its column's mean, and the changed cells make whole
        // frames (at most 3 spans of 5) and whole columns (at most 2 bands of 3), nothing else.
        let grid = Matrix(rows: 20, cols: 12, data: (0..<240).map { Float($0) })
        let masksOnly = Augmentation(timeMasks: 3, timeMaskWidth: 5, frequencyMasks: 2, frequencyMaskWidth: 3)
        var changedSomewhere = false
        for seed in 1...20 as ClosedRange<UInt64> {
            var m = SeededGenerator(seed: seed)
            let z = masksOnly.apply(grid, rng: &m)
            let changed = (0..<20).map { r in (0..<12).map { c in z[r, c] != grid[r, c] } }
            let frames = (0..<20).filter { r in changed[r].allSatisfy { $0 } }
            let columns = (0..<12).filter { c in (0..<20).allSatisfy { changed[$0][c] } }
            XCTAssertLessThanOrEqual(frames.count, 15, "seed \(seed)")
            XCTAssertLessThanOrEqual(columns.count, 6, "seed \(seed)")
            for r in 0..<20 {
                for c in 0..<12 where changed[r][c] {
                    changedSomewhere = true
                    XCTAssertEqual(z[r, c], Float(114 + c), "seed \(seed) row \(r) column \(c)")
                    XCTAssertTrue(frames.contains(r) || columns.contains(c), "seed \(seed): a lone masked cell at \(r), \(c)")
                }
            }
        }
        XCTAssertTrue(changedSomewhere)
    }
}
