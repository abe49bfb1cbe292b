// Training survives SIGKILL through the built binary: scripts/kill-train in small, and leftover temporary files are removed.
import Foundation
import TestSupport
import XCTest

final class CrashSafeTrainingTests: XCTestCase {
    /// Three SIGKILLs at seeded random moments on a tiny model; scripts/kill-train checks that the
    /// files under the final names always load, that the checkpoint never goes back, and that the
    /// resumed run's model equals the uninterrupted run's bytes.
    func testKilledTrainingResumesToTheUninterruptedBytes() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", packageRoot.appendingPathComponent("scripts/kill-train").path, "3",
                             "--seed", "7", "--epochs", "2", "--hidden", "8", "--binary", seqlabBinary().path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, stderr)
        // The last kill can come after a fast run has already finished (the script says so and
        // counts fewer kills); at least one kill and the byte-identical result are required.
        let kills = stdout.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        XCTAssertTrue(stdout.hasPrefix("kill-train: ") && (1...3).contains(kills), stdout + stderr)
        XCTAssertTrue(stdout.contains("equals the uninterrupted run's bytes"), stdout)
    }

    /// A new run (no --resume) at the path of an unfinished run's checkpoint would write over it: it
    /// is refused, for the default OUTPUT.ckpt and for --checkpoint alike; a finished run's is replaced.
    func testANewRunRefusesToReplaceAnUnfinishedRunsCheckpoint() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (feats, text, _) = try writeLabelTask(in: dir)
        let model = dir.appendingPathComponent("u.safetensors").path
        let common = ["train", "--feats", feats, "--text", text, "--tokens", "words", "--hidden", "4", "--threads", "1",
                      "--valid-fraction", "0", "--quiet"]
        for checkpoint in [model + ".ckpt", dir.appendingPathComponent("own.ckpt").path] {
            let flag = checkpoint.hasSuffix("own.ckpt") ? ["--checkpoint", checkpoint] : []
            // A long run, SIGKILLed once its first epoch's checkpoint is written: unfinished (epoch 2 of 1000).
            let process = Process()
            process.executableURL = seqlabBinary()
            process.arguments = common + ["--epochs", "1000", "-o", model] + flag
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while !FileManager.default.fileExists(atPath: checkpoint) && process.isRunning && Date() < deadline { usleep(5_000) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let before = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
            let again = try runSeqlab(common + ["--epochs", "2", "-o", model] + flag)
            XCTAssertEqual(again.status, 1, again.stderr)
            let lines = again.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, again.stderr)
            XCTAssertTrue(again.stderr.hasPrefix("seqlab train: \(checkpoint): holds an unfinished run (epoch "), again.stderr)
            XCTAssertTrue(again.stderr.contains(" of 1000); give --resume \(checkpoint) to continue it, or remove it to start afresh"), again.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: checkpoint)), before)
            // A finished run's checkpoint is replaced by a new run's.
            try FileManager.default.removeItem(atPath: checkpoint)
            let first = try runSeqlab(common + ["--epochs", "1", "-o", model] + flag)
            XCTAssertEqual(first.status, 0, first.stderr)
            let second = try runSeqlab(common + ["--epochs", "2", "-o", model] + flag)
            XCTAssertEqual(second.status, 0, second.stderr)
            let inspect = try runSeqlab(["inspect", checkpoint])
            XCTAssertTrue(inspect.stdoutText.contains("checkpoint: finished after 2 epoch(s)"), inspect.stdoutText)
        }
        // A file there that is not a checkpoint is not written over either.
        let notCheckpoint = dir.appendingPathComponent("notes.txt").path
        try Data("my notes\n".utf8).write(to: URL(fileURLWithPath: notCheckpoint))
        let r = try runSeqlab(common + ["--epochs", "1", "-o", model, "--checkpoint", notCheckpoint])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("a new run would write its checkpoint over this file: remove it, or give --checkpoint another path"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: notCheckpoint, encoding: .utf8), "my notes\n")
    }

    /// A kill during an atomic write leaves `.NAME.tmp-XXXXXX` beside the model or checkpoint; the
    /// next run removes those (and only those) and says so.
    func testTrainRemovesTemporaryFilesLeftByAKilledWrite() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let feats = dir.appendingPathComponent("feats.ark").path, text = dir.appendingPathComponent("text").path
        let extract = try runSeqlab(["extract", "audio", "--scp", "data/samples/wav.scp", "--config", "models/digits.conf",
                                     "-o", feats, "--quiet"], currentDirectory: packageRoot)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("data/samples/text").path, toPath: text)
        let leftovers = [".m.safetensors.tmp-a1B2c3", ".m.safetensors.ckpt.tmp-Zz9Yy8"], unrelated = [".m.safetensors.tmp-short", ".other.tmp-a1B2c3"]
        for name in leftovers + unrelated { try Data("partial".utf8).write(to: dir.appendingPathComponent(name)) }
        let train = try runSeqlab(["train", "--feats", feats, "--text", text, "--tokens", "words", "--hidden", "4", "--epochs", "1",
                                   "--threads", "1", "--quiet", "-o", dir.appendingPathComponent("m.safetensors").path])
        XCTAssertEqual(train.status, 0, train.stderr)
        for name in leftovers {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name)
            XCTAssertTrue(train.stderr.contains("removed \(dir.appendingPathComponent(name).path), left by an interrupted write"), train.stderr)
        }
        for name in unrelated { XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name) }
        let inspect = try runSeqlab(["inspect", dir.appendingPathComponent("m.safetensors.ckpt").path])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdoutText.contains("checkpoint: finished after 1 epoch(s)"), inspect.stdoutText)
        // The data the run was given, split into training and validation utterances (--valid-fraction).
        let utterances = try String(contentsOfFile: text, encoding: .utf8).split(separator: "\n").count
        let data = try XCTUnwrap(inspect.stdoutText.split(separator: "\n").first { $0.hasPrefix("data: training ") }, inspect.stdoutText)
        let words = data.split(separator: " ")
        let counts = words.indices.dropFirst().compactMap { words[$0].hasPrefix("utterance") ? Int(words[$0 - 1]) : nil }
        XCTAssertEqual(counts.count, 2, String(data))
        XCTAssertEqual(counts.reduce(0, +), utterances, String(data))
        XCTAssertGreaterThan(counts[1], 0, String(data))
    }

    /// Resuming a finished run trains nothing; its best model still ends up at -o, written
    /// atomically: from the checkpoint when its last epoch is the best, else copied from where the
    /// run wrote it. When it is in neither place, nothing is written and the run says so (exit 1).
    func testResumingAFinishedRunPutsItsBestModelAtOutput() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let extract = try runSeqlab(["extract", "audio", "--scp", "data/samples/wav.scp", "--config", "models/digits.conf",
                                     "-o", path("s.ark"), "--quiet"], currentDirectory: packageRoot)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let common = ["train", "--feats", path("s.ark"), "--text", packageRoot.appendingPathComponent("data/samples/text").path,
                      "--tokens", "words", "--hidden", "8", "--threads", "1"]
        func bytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }
        // No validation: every epoch is the best, the last one is in the checkpoint.
        let first = try runSeqlab(common + ["--valid-fraction", "0", "--epochs", "2", "--quiet", "-o", path("m.safetensors")])
        XCTAssertEqual(first.status, 0, first.stderr)
        let other = try runSeqlab(common + ["--valid-fraction", "0", "-o", path("other.safetensors"), "--resume", path("m.safetensors.ckpt")])
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stderr.contains("model written to \(path("other.safetensors")) (the checkpoint's weights: its last epoch is the best)"), other.stderr)
        XCTAssertEqual(try bytes("other.safetensors"), try bytes("m.safetensors"))
        let kept = try bytes("m.safetensors")
        try FileManager.default.removeItem(atPath: path("m.safetensors"))
        let again = try runSeqlab(common + ["--valid-fraction", "0", "-o", path("m.safetensors"), "--resume", path("m.safetensors.ckpt")])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try bytes("m.safetensors"), kept)
        // With validation at this step size, epoch 2 of 3 is the best: not the checkpoint's weights.
        let best = try runSeqlab(common + ["--learning-rate", "1", "--epochs", "3", "-o", path("b.safetensors")])
        XCTAssertEqual(best.status, 0, best.stderr)
        XCTAssertTrue(best.stderr.contains("(epoch 2)"), best.stderr)
        let copied = try runSeqlab(common + ["-o", path("c.safetensors"), "--resume", path("b.safetensors.ckpt")])
        XCTAssertEqual(copied.status, 0, copied.stderr)
        XCTAssertTrue(copied.stderr.contains("model written to \(path("c.safetensors")) (copied from \(path("b.safetensors")), where the run wrote its best epoch)"), copied.stderr)
        XCTAssertEqual(try bytes("c.safetensors"), try bytes("b.safetensors"))
        let there = try runSeqlab(common + ["-o", path("b.safetensors"), "--resume", path("b.safetensors.ckpt")])
        XCTAssertEqual(there.status, 0, there.stderr)
        XCTAssertTrue(there.stderr.contains("the best model is the one already at \(path("b.safetensors")) (written before this --resume)"), there.stderr)
        try FileManager.default.removeItem(atPath: path("b.safetensors"))
        let lost = try runSeqlab(common + ["--quiet", "-o", path("d.safetensors"), "--resume", path("b.safetensors.ckpt")])
        XCTAssertEqual(lost.status, 1, lost.stderr)
        XCTAssertEqual(lost.stderr, "seqlab train: \(path("b.safetensors.ckpt")): the run's best model (epoch 2) is neither in the checkpoint (which holds epoch 3's weights) nor at \(path("b.safetensors")), where the run wrote it: nothing was written to \(path("d.safetensors"))\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("d.safetensors")))
    }

    /// -o, --checkpoint and --epoch-models are first written after an epoch: a path that cannot be
    /// written is refused before any training (no epoch line, nothing written).
    func testUnwritableOutputsAreRefusedBeforeTraining() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (feats, text, _) = try writeLabelTask(in: dir)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try Data("x".utf8).write(to: URL(fileURLWithPath: path("file")))
        let common = ["train", "--feats", feats, "--text", text, "--tokens", "words", "--hidden", "4", "--threads", "1", "--epochs", "1"]
        for (extra, message) in [
            (["-o", path("nodir/m.safetensors")], "\(path("nodir/m.safetensors")): cannot create a temporary file beside it: No such file or directory"),
            (["-o", path("m.safetensors"), "--checkpoint", path("nodir/c.ckpt")], "\(path("nodir/c.ckpt")): cannot create a temporary file beside it: No such file or directory"),
            (["-o", path("m.safetensors"), "--epoch-models", path("file/epochs")], "\(path("file/epochs")): --epoch-models: cannot make this directory"),
        ] {
            let r = try runSeqlab(common + extra)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("seqlab train: " + message), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.safetensors")), "\(extra)")
        }
    }
}
