// `train --epoch-models` and `seqlab average` through the built binary: every epoch's model, the
// mean of their weights, decode of the mean, resumed runs, and the errors.
import Foundation
import Formats
import Tensors
import TestSupport
import XCTest

final class AverageCommandTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func common(_ task: (feats: String, text: String, matrices: [(String, Matrix)]), hidden: String = "8") -> [String] {
        ["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", hidden,
         "--learning-rate", "0.02", "--batch-size", "4", "--patience", "10", "--threads", "1", "--seed", "3", "--quiet"]
    }

    /// The float tensors of a model file, by name (the model's own tensors, not optimizer slots).
    func weights(_ file: String) throws -> [String: [Float]] {
        let f = try SafeTensorsFile(contentsOf: file)
        var out: [String: [Float]] = [:]
        for (name, tensor) in f.tensors where !name.hasPrefix("optimizer/") { out[name] = try tensor.floats() }
        return out
    }

    /// Each epoch's model is written; the best one is the model file byte for byte; the average of
    /// three is the mean of their weights, summed in Double and rounded once, and decodes.
    func testEpochModelsAndTheirAverage() throws {
        let task = try writeLabelTask(in: dir)
        let run = try runSeqlab(common(task) + ["--epochs", "3", "--epoch-models", path("epochs/run"), "-o", path("m.safetensors")])
        XCTAssertEqual(run.status, 0, run.stderr)
        let epochs = (1...3).map { path("epochs/run/epoch-00\($0).safetensors") }
        for e in epochs { XCTAssertTrue(FileManager.default.fileExists(atPath: e), e) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("epochs/run")).sorted(),
                       ["epoch-001.safetensors", "epoch-002.safetensors", "epoch-003.safetensors"], "no temporary file left")
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(
            SafeTensorsFile(contentsOf: path("m.safetensors")).metadata["seqlab.training"]).utf8)) as? [String: Any])
        let best = try XCTUnwrap(summary["best_epoch"] as? Int)
        XCTAssertEqual(FileManager.default.contents(atPath: path("m.safetensors")), FileManager.default.contents(atPath: epochs[best - 1]),
                       "the model file is the best epoch's model")
        let snapshots = try epochs.map(weights)
        XCTAssertNotEqual(snapshots[0], snapshots[2], "the epochs' weights differ")

        let averaged = try runSeqlab(["average"] + epochs + ["-o", path("avg.safetensors")])
        XCTAssertEqual(averaged.status, 0, averaged.stderr)
        XCTAssertEqual(averaged.stdout.count, 0)
        let mean = try weights(path("avg.safetensors"))
        XCTAssertEqual(Set(mean.keys), Set(snapshots[0].keys))
        for (name, values) in mean {
            let expected = (0..<values.count).map { i in Float(snapshots.reduce(0.0) { $0 + Double($1[name]![i]) } / 3) }
            XCTAssertEqual(values, expected, name)
        }
        let meta = try SafeTensorsFile(contentsOf: path("avg.safetensors")).metadata
        let first = try SafeTensorsFile(contentsOf: epochs[0]).metadata
        for key in ["seqlab.alphabet", "seqlab.tokens", "seqlab.architecture"] { XCTAssertEqual(meta[key], first[key], key) }
        let training = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(meta["seqlab.training"]).utf8)) as? [String: Any])
        XCTAssertEqual(training["averaged_models"] as? Int, 3)
        XCTAssertEqual((training["trainings"] as? [[String: Any]])?.compactMap { $0["epochs"] as? Int }, [1, 2, 3])

        // The averaged model reads back (its checksum checked) and labels every utterance.
        let decoded = try runSeqlab(["decode", "-m", path("avg.safetensors"), "--feats", task.feats])
        XCTAssertEqual(decoded.status, 0, decoded.stderr)
        XCTAssertEqual(decoded.stdoutText.split(separator: "\n").map { String($0.split(separator: " ")[0]) }, task.matrices.map(\.0))
        // A checkpoint reads as the model it holds: the last epoch's weights.
        let fromCheckpoint = try runSeqlab(["average", path("m.safetensors.ckpt"), epochs[2], "-o", path("same.safetensors")])
        XCTAssertEqual(fromCheckpoint.status, 0, fromCheckpoint.stderr)
        XCTAssertEqual(try weights(path("same.safetensors")), snapshots[2])
    }

    /// Other cells average the same way: an Elman network's two epochs.
    func testAveragesAnElmanNetwork() throws {
        let task = try writeLabelTask(in: dir)
        let run = try runSeqlab(common(task) + ["--cell", "elman", "--unidirectional", "--epochs", "2", "--epoch-models", path("e"),
                                                "-o", path("elman.safetensors")])
        XCTAssertEqual(run.status, 0, run.stderr)
        let epochs = [path("e/epoch-001.safetensors"), path("e/epoch-002.safetensors")]
        let averaged = try runSeqlab(["average"] + epochs + ["-o", path("avg.safetensors")])
        XCTAssertEqual(averaged.status, 0, averaged.stderr)
        let (a, b) = (try weights(epochs[0]), try weights(epochs[1]))
        let mean = try weights(path("avg.safetensors"))
        XCTAssertEqual(Set(mean.keys), Set(a.keys))
        for (name, values) in mean { XCTAssertEqual(values, zip(a[name]!, b[name]!).map { Float((Double($0) + Double($1)) / 2) }, name) }
        XCTAssertEqual(try SafeTensorsFile(contentsOf: path("avg.safetensors")).metadata["seqlab.cell"], "elman")
        let decoded = try runSeqlab(["decode", "-m", path("avg.safetensors"), "--feats", task.feats])
        XCTAssertEqual(decoded.status, 0, decoded.stderr)
        XCTAssertEqual(decoded.stdoutText.split(separator: "\n").count, task.matrices.count)
    }

    /// A run resumed from its checkpoint writes the epochs it had not done, the same bytes as an
    /// uninterrupted run's.
    func testResumedRunWritesTheSameEpochModels() throws {
        let task = try writeLabelTask(in: dir)
        XCTAssertEqual(try runSeqlab(common(task) + ["--epochs", "3", "--epoch-models", path("whole"), "-o", path("whole.safetensors")]).status, 0)
        XCTAssertEqual(try runSeqlab(common(task) + ["--epochs", "2", "--epoch-models", path("parts"), "-o", path("parts.safetensors")]).status, 0)
        // What a kill in the middle of writing epoch 3's model would leave: removed when the run resumes.
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent("parts/.epoch-003.safetensors.tmp-Ab12Cd"))
        let resumed = try runSeqlab(common(task) + ["--resume", path("parts.safetensors.ckpt"), "--epochs", "3", "--epoch-models", path("parts"),
                                                    "-o", path("parts.safetensors")])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("removed \(path("parts/.epoch-003.safetensors.tmp-Ab12Cd")), left by an interrupted write"), resumed.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("parts")).sorted(),
                       ["epoch-001.safetensors", "epoch-002.safetensors", "epoch-003.safetensors"])
        for e in 1...3 {
            let name = "epoch-00\(e).safetensors"
            XCTAssertEqual(FileManager.default.contents(atPath: path("parts/" + name)), FileManager.default.contents(atPath: path("whole/" + name)), name)
        }
    }

    /// A file named twice (here by another path) is averaged once, with one warning; models of
    /// runs with other seeds are averaged with one warning naming the seeds; one run's snapshots
    /// with none; one file given only twice is no average.
    func testWarnsAboutAFileGivenTwiceAndModelsOfOtherRuns() throws {
        let task = try writeLabelTask(in: dir)
        XCTAssertEqual(try runSeqlab(common(task) + ["--epochs", "2", "--epoch-models", path("e"), "-o", path("a.safetensors")]).status, 0)
        var seed4 = common(task)
        seed4[seed4.firstIndex(of: "--seed")! + 1] = "4"
        XCTAssertEqual(try runSeqlab(seed4 + ["--epochs", "1", "-o", path("b.safetensors")]).status, 0)
        let (e1, e2) = (path("e/epoch-001.safetensors"), path("e/epoch-002.safetensors"))
        func averaged(_ file: String) throws -> Int? {
            let meta = try SafeTensorsFile(contentsOf: file).metadata
            let training = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(meta["seqlab.training"]).utf8)) as? [String: Any]
            return training?["averaged_models"] as? Int
        }

        let oneRun = try runSeqlab(["average", e1, e2, "-o", path("one.safetensors")])
        XCTAssertEqual(oneRun.status, 0, oneRun.stderr)
        XCTAssertEqual(oneRun.stderr, "")

        let twice = try runSeqlab(["average", e1, e2, path("e/../e/epoch-002.safetensors"), "-o", path("twice.safetensors")])
        XCTAssertEqual(twice.status, 0, twice.stderr)
        XCTAssertEqual(twice.stderr, "seqlab average: warning: \(path("e/../e/epoch-002.safetensors")) is the file \(e2) again; it is averaged once\n")
        XCTAssertEqual(try averaged(path("twice.safetensors")), 2)
        XCTAssertEqual(try weights(path("twice.safetensors")), try weights(path("one.safetensors")))

        let runs = try runSeqlab(["average", e1, path("b.safetensors"), "-o", path("runs.safetensors")])
        XCTAssertEqual(runs.status, 0, runs.stderr)
        XCTAssertEqual(runs.stderr, "seqlab average: warning: the models come from different training runs (seeds 3 and 4): networks trained apart do not average into a working model; vote between their transcripts instead (seqlab combine)\n")
        XCTAssertEqual(try averaged(path("runs.safetensors")), 2)

        let alone = try runSeqlab(["average", e1, path("e/./epoch-001.safetensors"), "-o", path("alone.safetensors")])
        XCTAssertEqual(alone.status, 1)
        XCTAssertEqual(alone.stderr, "seqlab average: \(e1): given 2 times, one model: give two or more models to average\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("alone.safetensors")))
    }

    /// A new run refuses an --epoch-models directory holding another run's epoch models, before
    /// training, naming the first and last; a resumed run keeps them; other files do not count.
    func testANewRunRefusesAnotherRunsEpochModels() throws {
        let task = try writeLabelTask(in: dir)
        XCTAssertEqual(try runSeqlab(common(task) + ["--epochs", "4", "--epoch-models", path("e"), "-o", path("old.safetensors")]).status, 0)
        let before = try (1...4).map { try XCTUnwrap(FileManager.default.contents(atPath: path("e/epoch-00\($0).safetensors"))) }
        let refused = try runSeqlab(common(task) + ["--epochs", "2", "--epoch-models", path("e"), "-o", path("new.safetensors")])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "seqlab train: \(path("e")): --epoch-models: holds the epoch models of an earlier run (epoch-001 … epoch-004), which a new run would mix with its own; give an empty directory or remove them (--resume keeps them)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("new.safetensors")))
        XCTAssertEqual(try (1...4).map { FileManager.default.contents(atPath: path("e/epoch-00\($0).safetensors")) }, before)

        for e in 1...3 { try FileManager.default.removeItem(atPath: path("e/epoch-00\(e).safetensors")) }
        let one = try runSeqlab(common(task) + ["--epochs", "2", "--epoch-models", path("e"), "-o", path("new.safetensors")])
        XCTAssertEqual(one.status, 1)
        XCTAssertTrue(one.stderr.hasSuffix("--epoch-models: holds the epoch models of an earlier run (epoch-004), which a new run would mix with its own; give an empty directory or remove them (--resume keeps them)\n"), one.stderr)

        try FileManager.default.removeItem(atPath: path("e/epoch-004.safetensors"))
        try Data("notes".utf8).write(to: dir.appendingPathComponent("e/epoch-notes.safetensors"))
        XCTAssertEqual(try runSeqlab(common(task) + ["--epochs", "2", "--epoch-models", path("e"), "-o", path("new.safetensors")]).status, 0)
        let resumed = try runSeqlab(common(task) + ["--resume", path("new.safetensors.ckpt"), "--epochs", "3", "--epoch-models", path("e"),
                                                    "-o", path("new.safetensors")])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("e")).sorted(),
                       ["epoch-001.safetensors", "epoch-002.safetensors", "epoch-003.safetensors", "epoch-notes.safetensors"])
    }

    /// One model, models of other networks, a missing or truncated file, a directory that cannot
    /// be made: one line naming the file and what was wrong, and no output file.
    func testErrors() throws {
        let task = try writeLabelTask(in: dir)
        XCTAssertEqual(try runSeqlab(common(task) + ["--epochs", "1", "-o", path("a.safetensors")]).status, 0)
        XCTAssertEqual(try runSeqlab(common(task, hidden: "6") + ["--epochs", "1", "-o", path("b.safetensors")]).status, 0)
        let whole = try XCTUnwrap(FileManager.default.contents(atPath: path("a.safetensors")))
        try whole.prefix(whole.count - 9).write(to: dir.appendingPathComponent("cut.safetensors"))

        let one = try runSeqlab(["average", path("a.safetensors"), "-o", path("out.safetensors")])
        XCTAssertEqual(one.status, 64)
        XCTAssertTrue(one.stderr.contains("give two or more models to average (got 1)"), one.stderr)
        for (models, message) in [
            ([path("a.safetensors"), path("b.safetensors")],
             "b.safetensors: seqlab.architecture: LSTM 6 bidirectional, peepholes, 4-dim input, 4 outputs, but \(path("a.safetensors")) has LSTM 8 bidirectional, peepholes, 4-dim input, 4 outputs: only models of one network and alphabet can be averaged"),
            ([path("a.safetensors"), path("missing.safetensors")], "missing.safetensors"),
            ([path("a.safetensors"), path("cut.safetensors")], "cut.safetensors"),
        ] {
            let r = try runSeqlab(["average"] + models + ["-o", path("out.safetensors")])
            XCTAssertEqual(r.status, 1, "\(models)")
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.safetensors")))
        }
        try Data().write(to: dir.appendingPathComponent("plain-file"))
        let blocked = try runSeqlab(common(task) + ["--epochs", "1", "--epoch-models", path("plain-file"), "-o", path("c.safetensors")])
        XCTAssertEqual(blocked.status, 1)
        XCTAssertTrue(blocked.stderr.contains("plain-file: --epoch-models: cannot make this directory"), blocked.stderr)
        XCTAssertEqual(blocked.stderr.split(separator: "\n").count, 1, blocked.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("c.safetensors")))
    }

    /// `-o -` is no way to put a model on stdout: train and average used to write files named "-"
    /// (and "-.ckpt") in the current folder and exit 0. Refused as grid learn refuses `--model -`.
    func testAModelIsNotWrittenToAFileNamedDash() throws {
        let task = try writeLabelTask(in: dir)
        XCTAssertEqual(try runSeqlab(common(task) + ["--epochs", "1", "-o", path("a.safetensors")]).status, 0)
        let train = try runSeqlab(common(task) + ["--epochs", "1", "-o", "-"], currentDirectory: dir)
        XCTAssertEqual(train.status, 64, train.stderr)
        XCTAssertEqual(train.stderr, "seqlab train: -o writes a safetensors file (and its checkpoint beside it): give a file name\n")
        let average = try runSeqlab(["average", path("a.safetensors"), path("a.safetensors.ckpt"), "-o", "-"], currentDirectory: dir)
        XCTAssertEqual(average.status, 64, average.stderr)
        XCTAssertEqual(average.stderr, "seqlab average: -o writes a safetensors file: give a file name (seqlab average --help shows the options)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("-")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("-.ckpt")))
    }
}
