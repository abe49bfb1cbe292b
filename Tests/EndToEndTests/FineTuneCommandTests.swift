// seqlab train --init through the built binary: starts from the model's weights, refuses what contradicts the model.
import Foundation
import Formats
import Tensors
import TestSupport
import XCTest

final class FineTuneCommandTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// One JSON object per line of a --log file.
    func readLog(_ file: String) throws -> [[String: Any]] {
        try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// A new run starts its --log afresh (a log holds one run); inspect and plot training warn on a
    /// log that holds several (written before, or joined by hand).
    func testANewRunStartsItsLogAfresh() throws {
        let (feats, text, _) = try writeLabelTask(in: dir)
        let log = path("r.jsonl")
        for _ in 0..<2 {
            let r = try runSeqlab(["train", "--feats", feats, "--text", text, "--tokens", "words", "--hidden", "4", "--epochs", "2",
                                   "--threads", "1", "--quiet", "--log", log, "-o", path("m.safetensors")])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try readLog(log).map { $0["epoch"] as? Int }, [1, 2])
        }
        let inspect = try runSeqlab(["inspect", log])
        XCTAssertEqual(inspect.stderr, "")
        XCTAssertTrue(inspect.stdoutText.contains("epochs: 2 (1–2)"), inspect.stdoutText)
        let joined = path("joined.jsonl")
        let once = try String(contentsOfFile: log, encoding: .utf8)
        try (once + once).write(toFile: joined, atomically: true, encoding: .utf8)
        let warning = "\(joined): the epochs start again 1 time(s) (epoch 1 after epoch 2 at entry 3): lines of several runs in one log"
        let both = try runSeqlab(["inspect", joined])
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertEqual(both.stderr, "seqlab inspect: warning: \(warning)\n")
        let plot = try runSeqlab(["plot", "training", joined, "-o", path("c.svg")])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        XCTAssertEqual(plot.stderr, "seqlab plot training: warning: \(warning); the curves join them\n")
    }

    /// A --frontend that does not make the training features is refused naming the config and the features.
    func testAFrontEndOfAnotherDimensionNamesTheConfigAndTheFeatures() throws {
        let (feats, text, _) = try writeLabelTask(in: dir)
        let conf = packageRoot.appendingPathComponent("models/digits.conf").path
        let r = try runSeqlab(["train", "--feats", feats, "--text", text, "--tokens", "words", "--frontend", conf, "-o", path("m.safetensors")])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "seqlab train: \(conf): the front end makes 40-dimensional features, but the training features (\(feats)) have 4: give the config that made them (extract --config)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.safetensors")))
    }

    /// `--resume CKPT --epochs N` continues a finished run to N epochs: the model equals a run
    /// started with N; without --epochs a finished run trains nothing more.
    func testResumeWithMoreEpochsContinuesAFinishedRun() throws {
        let task = try writeLabelTask(in: dir)
        let common = ["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "8", "--unidirectional",
                      "--learning-rate", "0.02", "--batch-size", "4", "--patience", "10", "--threads", "1", "--seed", "4"]
        XCTAssertEqual(try runSeqlab(common + ["--epochs", "4", "--quiet", "-o", path("long.safetensors")]).status, 0)
        XCTAssertEqual(try runSeqlab(common + ["--epochs", "2", "--quiet", "-o", path("short.safetensors")]).status, 0)
        let shortModel = FileManager.default.contents(atPath: path("short.safetensors"))
        XCTAssertNotEqual(shortModel, FileManager.default.contents(atPath: path("long.safetensors")))
        let again = try runSeqlab(common + ["--resume", path("short.safetensors.ckpt"), "--log", path("again.jsonl"), "-o", path("short.safetensors")])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try readLog(path("again.jsonl")).count, 0, "a finished run without a higher limit trains no epoch")
        XCTAssertEqual(FileManager.default.contents(atPath: path("short.safetensors")), shortModel)
        let more = try runSeqlab(common + ["--resume", path("short.safetensors.ckpt"), "--epochs", "4", "-o", path("short.safetensors")])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertTrue(more.stderr.contains("epoch limit 2 → 4 (2 done)"), more.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: path("short.safetensors")), FileManager.default.contents(atPath: path("long.safetensors")))
        let fewer = try runSeqlab(common + ["--resume", path("short.safetensors.ckpt"), "--epochs", "3", "-o", path("short.safetensors")])
        XCTAssertNotEqual(fewer.status, 0)
        XCTAssertTrue(fewer.stderr.contains("short.safetensors.ckpt: --epochs: the checkpoint has done 4 epochs; --epochs 3 would end before it"), fewer.stderr)
    }

    /// The alphabet holds the tokens of the utterances kept for training: one skipped as too short
    /// for its 60 "z" labels adds no output, and a validation label "z" is then outside it (skipped).
    func testTokensOfSkippedUtterancesStayOutOfTheAlphabet() throws {
        let task = try writeLabelTask(in: dir)
        let frames = task.matrices[0].1.rows
        XCTAssertLessThan(frames, 60)
        var lines = try String(contentsOfFile: task.text, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[0] = "u00 " + Array(repeating: "z", count: 60).joined(separator: " ")
        try (lines.joined(separator: "\n") + "\n").write(toFile: task.text, atomically: true, encoding: .utf8)
        let validFeats = path("valid.ark"), validText = path("valid.text")
        try writeFeatureArchive(Array(task.matrices.prefix(2)), to: validFeats)
        try "u00 a z\nu01 \(lines[1].dropFirst(4))\n".write(toFile: validText, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "4",
                               "--valid-feats", validFeats, "--valid-text", validText, "--epochs", "1", "--threads", "1", "--quiet",
                               "-o", path("m.safetensors")])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").map(String.init), [
            "seqlab train: warning: \(task.feats): u00: \(frames) frames cannot hold 60 labels (CTC needs at least 119); skipped",
            "seqlab train: warning: \(validText): u00: label \"z\" is not in the model's alphabet (3 tokens); skipped",
            "seqlab train: 2 utterance(s) were skipped (see the warnings above)",
        ])
        let metadata = try SafeTensorsFile(contentsOf: path("m.safetensors")).metadata
        XCTAssertEqual(metadata["seqlab.alphabet"], "[\"a\",\"b\",\"c\"]")
    }

    /// A run that early stopping ends before --epochs says so, with the epoch and the patience; one
    /// whose patience runs out at its last epoch trained all it was asked to, and does not.
    func testEarlyStoppingSaysWhyTheRunEnded() throws {
        let task = try writeLabelTask(in: dir)
        // A learning rate too small to move the validation error: no epoch after the first is better.
        let common = ["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "4", "--unidirectional",
                      "--learning-rate", "1e-12", "--batch-size", "4", "--no-halving", "--threads", "1", "--seed", "4"]
        let stopped = try runSeqlab(common + ["--epochs", "10", "--patience", "2", "--log", path("stopped.jsonl"), "-o", path("stopped.safetensors")])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertEqual(try readLog(path("stopped.jsonl")).count, 3)
        XCTAssertTrue(stopped.stderr.contains("; stopped after epoch 3 of 10: no better validation label error for 2 epochs (--patience)"), stopped.stderr)
        // The header says how many updates an epoch makes: 11 training utterances in batches of 4.
        XCTAssertTrue(stopped.stderr.contains("seqlab train: 11 utterances ("), stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains(" frames; 3 updates an epoch in batches of up to 4), 1 for validation; "), stopped.stderr)
        let whole = try runSeqlab(common + ["--epochs", "3", "--patience", "2", "--log", path("whole.jsonl"), "-o", path("whole.safetensors")])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertEqual(try readLog(path("whole.jsonl")).count, 3)
        XCTAssertTrue(whole.stderr.contains("model written to"), whole.stderr)
        XCTAssertFalse(whole.stderr.contains("stopped after"), whole.stderr)
    }

    /// The epoch lines give the learning rate to six significant digits, as the log holds it: a
    /// halving is seen (1.25e-12 then 6.25e-13), not rounded away (1.2e-12, 6.2e-13).
    func testEpochLinesShowTheHalvedLearningRate() throws {
        let task = try writeLabelTask(in: dir)
        // A rate too small to move the validation error: the second epoch without a better one halves it.
        let r = try runSeqlab(["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "4", "--unidirectional",
                               "--learning-rate", "1.25e-12", "--batch-size", "4", "--threads", "1", "--seed", "4", "--epochs", "4",
                               "--patience", "10", "--log", path("m.jsonl"), "-o", path("m.safetensors")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rates = try readLog(path("m.jsonl")).map { try XCTUnwrap($0["learningRate"] as? Double) }
        XCTAssertEqual(rates, [1.25e-12, 1.25e-12, 1.25e-12, 6.25e-13])
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        XCTAssertEqual(lines.count, 4, r.stderr)
        for (line, expected) in zip(lines, ["1.25e-12", "1.25e-12", "1.25e-12", "6.25e-13"]) {
            XCTAssertTrue(line.contains(", lr \(expected), "), "\(line)")
        }
    }

    /// On --resume the checkpoint's options rule: a training flag asking for another value than
    /// the checkpoint's, its default included, is refused, naming both, before any data is read.
    func testResumeRefusesFlagsTheCheckpointWouldOverride() throws {
        let task = try writeLabelTask(in: dir)
        let common = ["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "8", "--unidirectional",
                      "--learning-rate", "0.02", "--batch-size", "4", "--threads", "1", "--seed", "4", "--quiet"]
        XCTAssertEqual(try runSeqlab(common + ["--epochs", "1", "-o", path("m.safetensors")]).status, 0)
        let model = FileManager.default.contents(atPath: path("m.safetensors"))
        for (flags, expected) in [
            (["--learning-rate", "0.5"], "learningRate: the checkpoint's run has learningRate = 0.02 and --resume continues it with its own options; --learning-rate asks for 0.5"),
            (["--seed", "5"], "seed = 4"),
            (["--time-masks", "2"], "--time-masks asks for 2"),
            (["--threads", "13"], "threads = 1"),   // 13: not the default (all cores) here
            // Flags given with their default value, which the checkpoint's run does not have.
            (["--batch-size", "16"], "batchSize: the checkpoint's run has batchSize = 4 and --resume continues it with its own options; --batch-size asks for 16"),
            (["--seed", "1"], "seed = 4"),
            (["--learning-rate", "0.001"], "--learning-rate asks for 0.001"),
            (["--threads", String(ProcessInfo.processInfo.activeProcessorCount)], "threads = 1"),
            (["--tokens", "chars"], "seqlab.tokens: the checkpoint's run has words tokens and --resume continues it with its own alphabet; --tokens asks for chars"),
            (["--frontend", packageRoot.appendingPathComponent("models/digits.conf").path],
             "seqlab.frontend: --frontend differs from the checkpoint's: its run has no stored front end"),
        ] where flags != ["--threads", "1"] {   // a machine of one core: its default is the checkpoint's
            var args = common
            for (i, a) in args.enumerated() where a == flags[0] { args[i + 1] = flags[1] }
            if !args.contains(flags[0]) { args += flags }
            let r = try runSeqlab(args + ["--resume", path("m.safetensors.ckpt"), "--epochs", "2", "-o", path("m.safetensors")])
            XCTAssertEqual(r.status, 1, "\(flags)")
            XCTAssertTrue(r.stderr.contains("m.safetensors.ckpt: ") && r.stderr.contains(expected), "\(flags): \(r.stderr)")
            XCTAssertEqual(FileManager.default.contents(atPath: path("m.safetensors")), model, "nothing trained")
        }
        // The same values as the checkpoint's, or flags left at their defaults, are accepted.
        let same = try runSeqlab(["train", "--feats", task.feats, "--text", task.text, "--tokens", "words",
                                  "--resume", path("m.safetensors.ckpt"), "--epochs", "2", "--quiet", "-o", path("m.safetensors")])
        XCTAssertEqual(same.status, 0, same.stderr)
        let again = try runSeqlab(common + ["--resume", path("m.safetensors.ckpt"), "--epochs", "3", "-o", path("m.safetensors")])
        XCTAssertEqual(again.status, 0, again.stderr)
    }

    /// Early stopping and halving watch the validation error: asked for with none to watch they are
    /// refused, and a fraction too small to hold out one utterance is said, not silently dropped.
    func testValidationFlagsNeedAValidationSet() throws {
        let task = try writeLabelTask(in: dir)   // 12 utterances
        let common = ["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "4", "--unidirectional",
                      "--epochs", "1", "--threads", "1", "--seed", "4", "--quiet", "-o", path("m.safetensors")]
        for flags in [["--valid-fraction", "0", "--patience", "3"], ["--valid-fraction", "0", "--no-halving"]] {
            let r = try runSeqlab(common + flags)
            XCTAssertEqual(r.status, 64, "\(flags)")
            XCTAssertTrue(r.stderr.contains("--patience and --no-halving act on the validation error, and --valid-fraction 0 without --valid-feats leaves none"), r.stderr)
        }
        let half = try runSeqlab(common + ["--valid-fraction", "0.7"])
        XCTAssertEqual(half.status, 64)
        XCTAssertTrue(half.stderr.contains("--valid-fraction must be in [0, 0.5]"), half.stderr)
        let tiny = try runSeqlab(common + ["--valid-fraction", "0.05", "--log", path("tiny.jsonl")])   // every 20th of 12: none
        XCTAssertEqual(tiny.status, 0, tiny.stderr)
        XCTAssertTrue(tiny.stderr.contains("12 utterance(s) are too few to hold any out for validation (--valid-fraction 0.05)"), tiny.stderr)
        // Three copies of one recording (speed perturbation's keys) are held out together: too few
        // is one source, and the warning counts it.
        let lines = try String(contentsOfFile: task.text, encoding: .utf8).split(separator: "\n")
        let copies = ["sp0.9-u00", "u00", "sp1.1-u00"]
        try writeFeatureArchive(zip(copies, task.matrices).map { ($0, $1.1) }, to: path("copies.ark"))
        try zip(copies, lines).map { "\($0) \($1.split(separator: " ", maxSplits: 1)[1])\n" }.joined()
            .write(toFile: path("copies.text"), atomically: true, encoding: .utf8)
        var copiesRun = common
        copiesRun[2] = path("copies.ark"); copiesRun[4] = path("copies.text")
        let one = try runSeqlab(copiesRun)
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stderr.contains("warning: 3 utterance(s), copies of 1 source utterance (sp and vtlp keys), are too few to hold any out for validation (--valid-fraction 0.1)"), one.stderr)
        let none = try runSeqlab(common + ["--valid-fraction", "0"])
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertEqual(none.stderr, "", "asked for no validation: nothing to say")
        let tenth = try runSeqlab(common + ["--log", path("tenth.jsonl")])   // every 10th: one utterance
        XCTAssertEqual(tenth.status, 0, tenth.stderr)
        XCTAssertEqual(tenth.stderr, "")
        XCTAssertNotNil(try readLog(path("tenth.jsonl")).first?["validLabelErrorRate"])
        XCTAssertNil(try readLog(path("tiny.jsonl")).first?["validLabelErrorRate"])
    }

    /// --momentum sets sgd's and rmsprop's momentum, which changes the weights trained; Adam keeps its
    /// own moment estimates, so there it is refused.
    func testMomentumIsForSGDAndRMSProp() throws {
        let task = try writeLabelTask(in: dir)
        // Momentum acts from the second step on: three batches of four, two epochs.
        let common = ["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "4", "--unidirectional",
                      "--epochs", "2", "--batch-size", "4", "--threads", "1", "--seed", "4", "--quiet"]
        let adam = try runSeqlab(common + ["--momentum", "0.5", "-o", path("adam.safetensors")])
        XCTAssertEqual(adam.status, 64)
        XCTAssertTrue(adam.stderr.contains("--momentum is for --optimizer sgd and rmsprop"), adam.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("adam.safetensors")))
        for optimizer in ["sgd", "rmsprop"] {
            var models: [Data?] = []
            for momentum in ["0.5", "0.9"] {
                let model = path("\(optimizer)\(momentum).safetensors")
                let r = try runSeqlab(common + ["--optimizer", optimizer, "--momentum", momentum, "-o", model])
                XCTAssertEqual(r.status, 0, r.stderr)
                models.append(FileManager.default.contents(atPath: model))
            }
            XCTAssertNotNil(models[0], optimizer)
            XCTAssertNotEqual(models[0], models[1], optimizer)
        }
    }

    /// A resume reaches an uninterrupted run's bytes only on that run's data: other training data,
    /// or validation files where the run held out a fraction, are refused in one line naming the
    /// checkpoint and both data sets, and nothing is trained or written.
    func testResumeOnOtherDataIsRefused() throws {
        let task = try writeLabelTask(in: dir)
        let common = ["train", "--tokens", "words", "--hidden", "8", "--unidirectional", "--learning-rate", "0.02",
                      "--batch-size", "4", "--threads", "1", "--seed", "4", "--quiet"]
        XCTAssertEqual(try runSeqlab(common + ["--feats", task.feats, "--text", task.text, "--epochs", "1", "-o", path("m.safetensors")]).status, 0)
        let model = FileManager.default.contents(atPath: path("m.safetensors"))
        let checkpoint = FileManager.default.contents(atPath: path("m.safetensors.ckpt"))
        try writeFeatureArchive(Array(task.matrices.suffix(4)), to: path("valid.ark"))
        let lines = try String(contentsOfFile: task.text, encoding: .utf8).split(separator: "\n")
        try (lines.suffix(4).joined(separator: "\n") + "\n").write(toFile: path("valid.text"), atomically: true, encoding: .utf8)
        let resume = ["--resume", path("m.safetensors.ckpt"), "--epochs", "2", "-o", path("m.safetensors")]
        for (data, expected) in [
            (["--feats", task.feats, "--text", task.text, "--valid-feats", path("valid.ark"), "--valid-text", path("valid.text")],
             "the run's training data was 11 utterances"),
            (["--feats", path("valid.ark"), "--text", path("valid.text"), "--valid-fraction", "0"],
             "the data given is 4 utterances"),
        ] {
            let r = try runSeqlab(common + data + resume)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("seqlab train: " + path("m.safetensors.ckpt") + ": seqlab.checkpoint.state: ")
                          && r.stderr.contains(expected) && r.stderr.contains("resume with the run's --feats and --text"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertEqual(FileManager.default.contents(atPath: path("m.safetensors")), model, "nothing trained")
            XCTAssertEqual(FileManager.default.contents(atPath: path("m.safetensors.ckpt")), checkpoint, "nothing trained")
        }
        let same = try runSeqlab(common + ["--feats", task.feats, "--text", task.text] + resume)
        XCTAssertEqual(same.status, 0, same.stderr)
    }

    func testFineTuningStartsFromTheModelsWeights() throws {
        let task = try writeLabelTask(in: dir)
        // Validation on the last 4 utterances, training on the rest.
        try writeFeatureArchive(Array(task.matrices.prefix(8)), to: path("train.ark"))
        try writeFeatureArchive(Array(task.matrices.suffix(4)), to: path("valid.ark"))
        let lines = try String(contentsOfFile: task.text, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(8).joined(separator: "\n") + "\n").write(toFile: path("train.text"), atomically: true, encoding: .utf8)
        try (lines.suffix(4).joined(separator: "\n") + "\n").write(toFile: path("valid.text"), atomically: true, encoding: .utf8)
        let data = ["--feats", path("train.ark"), "--text", path("train.text"), "--valid-feats", path("valid.ark"), "--valid-text", path("valid.text"),
                    "--quiet", "--threads", "1"]
        // The base run: its model is the best epoch's, whose validation loss the log records.
        let base = try runSeqlab(["train"] + data + ["--tokens", "words", "--hidden", "12", "--unidirectional", "--epochs", "60",
                                                     "--learning-rate", "0.02", "--batch-size", "2", "--patience", "60",
                                                     "--log", path("base.jsonl"),
                                                     "-o", path("base.safetensors")])
        XCTAssertEqual(base.status, 0, base.stderr)
        let summary = try SafeTensorsFile(contentsOf: path("base.safetensors")).metadata["seqlab.training"] ?? "{}"
        let bestEpoch = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])?["best_epoch"] as? Int)
        let baseLog = try readLog(path("base.jsonl"))
        let baseLoss = try XCTUnwrap(baseLog[bestEpoch - 1]["validLoss"] as? Double)
        // Fine-tuning with a negligible step: its first validation sees the base model's weights.
        let tuned = try runSeqlab(["train"] + data + ["--init", path("base.safetensors"), "--epochs", "1", "--learning-rate", "1e-12",
                                                      "--log", path("tuned.jsonl"), "-o", path("tuned.safetensors")])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        let tunedLoss = try XCTUnwrap(try readLog(path("tuned.jsonl")).first?["validLoss"] as? Double)
        XCTAssertEqual(tunedLoss, baseLoss, accuracy: 1e-5 * max(1, baseLoss))
        // A fresh model of the same shape starts far from it.
        let fresh = try runSeqlab(["train"] + data + ["--tokens", "words", "--hidden", "12", "--unidirectional", "--epochs", "1",
                                                      "--learning-rate", "1e-12", "--log", path("fresh.jsonl"), "-o", path("fresh.safetensors")])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertGreaterThan(try XCTUnwrap(try readLog(path("fresh.jsonl")).first?["validLoss"] as? Double), 2 * baseLoss)
        // The tuned model keeps the base model's architecture and alphabet.
        let inspect = try runSeqlab(["inspect", path("tuned.safetensors"), path("base.safetensors")])
        let described = inspect.stdoutText.split(separator: "\n").filter { $0.contains("seqlab model:") || $0.contains("alphabet (") }
        XCTAssertEqual(described.count, 4, inspect.stdoutText)
        XCTAssertEqual(described[0], described[2])
        XCTAssertEqual(described[1], described[3])
    }

    func testRefusalsNameTheProblemAndWriteNothing() throws {
        let task = try writeLabelTask(in: dir)
        let base = try runSeqlab(["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "6",
                                  "--epochs", "1", "--valid-fraction", "0", "--quiet", "-o", path("base.safetensors")])
        XCTAssertEqual(base.status, 0, base.stderr)
        let start = ["train", "--feats", task.feats, "--text", task.text, "--init", path("base.safetensors"), "--quiet", "-o", path("out.safetensors")]
        func assertRefused(_ extra: [String], _ fragments: [String], line: UInt = #line) throws {
            let r = try runSeqlab(start + extra)
            XCTAssertNotEqual(r.status, 0, line: line)
            for f in fragments { XCTAssertTrue(r.stderr.contains(f), "\"\(r.stderr)\" lacks \"\(f)\"", line: line) }
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.safetensors")), line: line)
        }
        try assertRefused(["--hidden", "8"], ["base.safetensors", "--hidden 8 contradicts the model (LSTM 6)"])
        try assertRefused(["--unidirectional"], ["--unidirectional contradicts the model (bidirectional)"])
        try assertRefused(["--no-peepholes"], ["--no-peepholes contradicts the model (with peepholes)"])
        try assertRefused(["--tokens", "chars"], ["--tokens chars contradicts the model's words tokens"])
        try "--feature-type=fbank\n--num-mel-bins=4\n".write(toFile: path("fbank.conf"), atomically: true, encoding: .utf8)
        try assertRefused(["--frontend", path("fbank.conf")], ["--frontend differs from the model's front end", "no stored front end"])
        try assertRefused(["--resume", path("base.safetensors")], ["--resume continues a run, --init starts one from a model"])
        try assertRefused(["--task", "framewise"], ["base.safetensors", "the model was trained for --task ctc, not framewise"])
        try assertRefused(["--cell", "elman"], ["base.safetensors", "the model is a --cell lstm network, not elman"])
        // A token outside the model's alphabet, named with its utterance.
        let text = try String(contentsOfFile: task.text, encoding: .utf8).replacingOccurrences(of: "u05 ", with: "u05 q ")
        try text.write(toFile: path("text-q"), atomically: true, encoding: .utf8)
        var withQ = start
        withQ[4] = path("text-q")
        let q = try runSeqlab(withQ)
        XCTAssertEqual(q.status, 1)
        XCTAssertTrue(q.stderr.contains("text-q: u05: label \"q\" is not in the model's alphabet"), q.stderr)
        // Features of another dimension.
        try writeFeatureArchive(task.matrices.map { ($0.0, Matrix(rows: $0.1.rows, cols: 5)) }, to: path("wide.ark"))
        var withWide = start
        withWide[2] = path("wide.ark")
        let w = try runSeqlab(withWide)
        XCTAssertEqual(w.status, 1)
        XCTAssertTrue(w.stderr.contains("the model takes 4-dimensional features, the training features have 5"), w.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.safetensors")))
    }
}
