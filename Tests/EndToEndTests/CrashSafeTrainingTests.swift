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
}
