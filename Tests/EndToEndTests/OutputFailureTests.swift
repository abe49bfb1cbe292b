// Outputs that cannot be written (a full disk, /dev/full): one line naming the output, exit status 1,
// no crash and no work wasted on records that cannot go anywhere.
import Foundation
import TestSupport
import XCTest

final class OutputFailureTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
    static let config = packageRoot.appendingPathComponent("models/digits.conf").path
    static let text = packageRoot.appendingPathComponent("data/samples/text").path
    static let grid = packageRoot.appendingPathComponent("data/grids/russell-norvig-4x3.grid").path

    /// Runs seqlab with stdout on `/dev/full` (every write fails with ENOSPC).
    func runIntoFullDevice(_ arguments: [String]) throws -> ProcessResult {
        guard FileManager.default.isWritableFile(atPath: "/dev/full") else { throw XCTSkip("/dev/full is not available here") }
        return try runSeqlab(arguments, stdoutPath: "/dev/full")
    }

    /// The features of the twelve sample recordings, as the digits model reads them.
    func sampleFeatures() throws -> String {
        let scp = packageRoot.appendingPathComponent("data/samples/wav.scp").path
        let out = dir.appendingPathComponent("feats.ark").path
        let r = try runSeqlab(["extract", "audio", "--config", Self.config, "--scp", scp, "-o", out, "--quiet"],
                              currentDirectory: packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    /// Each command that prints its result on stdout, with stdout on a full disk: it used to die of a
    /// trap in Foundation's FileHandle (a stack trace, status 132), or (score, inspect) to exit 0
    /// having written nothing. Now: exit status 1 and one line naming stdout.
    func testStdoutOnAFullDiskIsReportedOnOneLine() throws {
        let feats = try sampleFeatures()
        let cases: [(command: String, arguments: [String])] = [
            ("decode", ["decode", "-m", Self.model, "--feats", feats]),
            ("align", ["align", "-m", Self.model, "--feats", feats, "--text", Self.text]),
            ("score", ["score", "--ref", Self.text, "--hyp", Self.text]),
            ("inspect", ["inspect", Self.model]),
            ("lm build", ["lm", "build", Self.text]),
            ("grid solve", ["grid", "solve", Self.grid]),
            ("grid show", ["grid", "show", Self.grid]),
            ("plot features", ["plot", "features", feats]),
        ]
        for (command, arguments) in cases {
            let r = try runIntoFullDevice(arguments)
            XCTAssertFalse(r.killedBySignal, "\(command): killed by signal \(r.status)\n\(r.stderr)")
            XCTAssertEqual(r.status, 1, "\(command): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n").filter { !$0.contains(": warning: ") }
            XCTAssertEqual(lines.last.map(String.init), "seqlab \(command): stdout: write failed: No space left on device",
                           "\(command): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error"), "\(command): \(r.stderr)")
        }
    }

    /// extract audio with its archive on a full disk stops at the first failed write, with one
    /// line: it used to report every later recording as bad ("sample03.wav: stdout: write
    /// failed…") and go on extracting features that could go nowhere.
    func testExtractStopsAtTheFirstFailedWrite() throws {
        let scp = packageRoot.appendingPathComponent("data/samples/wav.scp").path
        var r = try runIntoFullDevice(["extract", "audio", "--config", Self.config, "--scp", scp, "--jobs", "1", "--quiet"])
        r.stderr = r.stderr.replacingOccurrences(of: packageRoot.path + "/", with: "")
        XCTAssertFalse(r.killedBySignal, r.stderr)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "seqlab extract audio: stdout: write failed: No space left on device\n")
    }

    /// train --log on a full disk (a link to /dev/full, so that a regression replaces the link, never
    /// the device): the run stops with one line naming the log. It used to open the log with
    /// Foundation (the log replaced by a new regular file, a link by a file of its own, then a write
    /// failure dying of a trap with a stack trace), and then to stop before the epoch's checkpoint,
    /// so that a failure in epoch 1 left nothing to resume. Now the model written so far (the best
    /// epoch's) and the epoch's checkpoint are complete, with no temporary file beside them, the line
    /// says how to go on, and --resume, once the log can be written, writes the missing line first
    /// and ends with the model and log of a run that never failed.
    func testTrainStopsWhenItsLogCannotBeWritten() throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/full") else { throw XCTSkip("/dev/full is not available here") }
        let feats = try sampleFeatures()
        let model = dir.appendingPathComponent("model.safetensors").path, log = dir.appendingPathComponent("log.jsonl").path
        let checkpoint = model + ".ckpt"
        try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: "/dev/full")
        let common = ["train", "--feats", feats, "--text", Self.text, "--hidden", "4", "--epochs", "2", "--threads", "1", "--quiet"]
        let r = try runSeqlab(common + ["-o", model, "--log", log])
        XCTAssertFalse(r.killedBySignal, r.stderr)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "seqlab train: \(log): write failed: No space left on device; epoch 1 is kept in the checkpoint \(checkpoint): "
                       + "continue with --resume \(checkpoint) once the log can be written (the missing lines are written first)\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: log), "/dev/full")
        let inspected = try runSeqlab(["inspect", model])
        XCTAssertEqual(inspected.status, 0, inspected.stderr)
        XCTAssertTrue(inspected.stdoutText.contains("\"best_epoch\":1"), inspected.stdoutText)
        let state = try runSeqlab(["inspect", checkpoint])
        XCTAssertEqual(state.status, 0, state.stderr)
        XCTAssertTrue(state.stdoutText.contains("checkpoint: epoch 2 of 2, next batch 1,"), state.stdoutText)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }, [])

        // Room again (the log as a full disk leaves it: empty): the resumed run logs epoch 1 from the
        // checkpoint, trains epoch 2, and its model and log (timings aside) are those of a run that never failed.
        try FileManager.default.removeItem(atPath: log)
        try Data().write(to: URL(fileURLWithPath: log))
        let resumed = try runSeqlab(common + ["-o", model, "--log", log, "--resume", checkpoint])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let referenceModel = dir.appendingPathComponent("reference.safetensors").path
        let referenceLog = dir.appendingPathComponent("reference.jsonl").path
        let reference = try runSeqlab(common + ["-o", referenceModel, "--log", referenceLog])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: model), FileManager.default.contents(atPath: referenceModel))
        func untimed(_ path: String) throws -> [[String: Double]] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
                var fields = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                fields["seconds"] = nil; fields["framesPerSecond"] = nil; fields["task"] = nil
                return fields.compactMapValues { $0 as? Double }
            }
        }
        let lines = try untimed(log)
        XCTAssertEqual(lines.map { $0["epoch"] }, [1, 2])
        XCTAssertEqual(lines, try untimed(referenceLog))
    }
}
