// label --output/--resume through the built binary: SIGKILLed midway and continued, the output equals an uninterrupted run's.
import Foundation
import TestSupport
import XCTest

final class ResumableLabellingTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A wav.scp of the 12 samples twice (the second time under other keys) with two unreadable files among them.
    func makeList() throws -> String {
        let samples = try String(contentsOf: packageRoot.appendingPathComponent("data/samples/wav.scp"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let bad = dir.appendingPathComponent("bad.wav").path, empty = dir.appendingPathComponent("empty.wav").path
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: bad))
        try Data().write(to: URL(fileURLWithPath: empty))
        var lines = samples.map { "\($0[0]) \(packageRoot.appendingPathComponent($0[1]).path)" }
        lines.insert("bad \(bad)", at: 4)
        lines += samples.map { "copy-\($0[0]) \(packageRoot.appendingPathComponent($0[1]).path)" }
        lines.insert("empty \(empty)", at: 17)
        let scp = dir.appendingPathComponent("wav.scp").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: scp, atomically: true, encoding: .utf8)
        return scp
    }

    func lineCount(_ path: String) -> Int {
        (FileManager.default.contents(atPath: path) ?? Data()).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }

    /// The finished files a progress file records (its lines after the header and the settings).
    func journalledFiles(_ path: String) throws -> Int {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .filter { !$0.hasPrefix("setting\t") }.count
    }

    /// Starts `label -o out`, waits until `lines` lines are in the output, and sends it `signal`:
    /// SIGKILL ends it at once; SIGINT stops it after the file being written, exit status 130. Its stderr.
    @discardableResult
    func labelAndStop(_ arguments: [String], output: String, after lines: Int, signal: Int32 = SIGKILL,
                      file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let process = Process()
        process.executableURL = seqlabBinary()
        process.arguments = arguments
        let log = dir.appendingPathComponent("stderr-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try XCTUnwrap(FileHandle(forWritingAtPath: log))
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && lineCount(output) < lines && Date() < deadline { usleep(2_000) }
        XCTAssertTrue(process.isRunning, "label finished before \(lines) lines were written; the signal tests nothing", file: file, line: line)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        if signal == SIGKILL {
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, file: file, line: line)
        } else {
            XCTAssertEqual(process.terminationReason, .exit, file: file, line: line)
            XCTAssertEqual(process.terminationStatus, 128 + signal, file: file, line: line)
        }
        return try String(contentsOfFile: log, encoding: .utf8)
    }

    func testKilledLabellingContinuesToTheUninterruptedOutput() throws {
        let scp = try makeList()
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let common = ["label", "-m", model, "--scp", scp]
        let reference = try runSeqlab(common + ["--jobs", "1"])
        XCTAssertEqual(reference.status, 1, "two files are unreadable")
        XCTAssertEqual(reference.stdoutText.split(separator: "\n").count, 24)

        let out = dir.appendingPathComponent("labels.txt").path
        try labelAndStop(common + ["--jobs", "1", "-o", out], output: out, after: 3)
        // SIGINT (Ctrl-C): FILE keeps whole files only, and one line says how many it holds.
        let interrupted = try labelAndStop(common + ["--jobs", "2", "-o", out, "--resume"], output: out, after: 9, signal: SIGINT)
        let held = try journalledFiles(out + ".progress")
        XCTAssertEqual(lineCount(out), held, "one line per digit file")
        XCTAssertTrue(interrupted.hasSuffix("seqlab label: interrupted; \(out) holds the labels of \(held) of 26 files; run the same command with --resume to continue\n"),
                      interrupted)
        XCTAssertEqual(interrupted.components(separatedBy: "interrupted").count, 2, interrupted)
        // A torn line, as a kill in the middle of a write leaves it: dropped when continuing.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: out))
        handle.seekToEndOfFile()
        handle.write(Data("copy-sample99 1 2".utf8))
        try handle.close()
        let done = try journalledFiles(out + ".progress")
        let last = try runSeqlab(common + ["--jobs", "2", "-o", out, "--resume"])
        XCTAssertEqual(last.status, 1, "the unreadable files are tried again and fail again")
        XCTAssertTrue(last.stderr.contains("bad.wav"), last.stderr)
        XCTAssertTrue(last.stderr.contains("empty.wav"), last.stderr)
        XCTAssertTrue(last.stderr.contains("\(done) file(s) done before, \(26 - done) to label"), last.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), reference.stdoutText)
        XCTAssertEqual(try journalledFiles(out + ".progress"), 24, "every labelled file journalled once, the failed ones not")

        // Continuing a finished run labels nothing and changes nothing.
        let again = try runSeqlab(common + ["-o", out, "--resume"])
        XCTAssertTrue(again.stderr.contains("24 file(s) done before, 2 to label"), again.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), reference.stdoutText)
    }

    func testResumeRefusesAnotherListOrOtherOptions() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let samples = ["sample01_41918.wav", "sample02_16564.wav"].map { packageRoot.appendingPathComponent("data/samples/" + $0).path }
        let out = dir.appendingPathComponent("labels.txt").path
        let first = try runSeqlab(["label", "-m", model, samples[0], "-o", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        // Another input list: refused on one line naming it, the output untouched.
        let otherList = try runSeqlab(["label", "-m", model, samples[1], "-o", out, "--resume"])
        XCTAssertEqual(otherList.status, 1)
        XCTAssertEqual(otherList.stderr.split(separator: "\n").count, 1, otherList.stderr)
        XCTAssertTrue(otherList.stderr.hasPrefix("seqlab label: \(out).progress: the run it records has input list 1 file(s), fnv1a64:"), otherList.stderr)
        XCTAssertTrue(otherList.stderr.contains("run without --resume to start over"), otherList.stderr)
        // The same list in another format: refused, naming the format.
        let otherFormat = try runSeqlab(["label", "-m", model, samples[0], "-o", out, "--resume", "--format", "jsonl"])
        XCTAssertEqual(otherFormat.status, 1)
        XCTAssertTrue(otherFormat.stderr.contains("has --format text, this one jsonl"), otherFormat.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), written, "left untouched")
        // The same run continues (nothing left to do).
        let same = try runSeqlab(["label", "-m", model, samples[0], "-o", out, "--resume"])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stderr.contains("1 file(s) done before, 0 to label"), same.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), written)
    }

    func testResumeRefusesAnOutputWithoutItsProgressFile() throws {
        let out = dir.appendingPathComponent("labels.txt").path
        try "sample01 1 2\n".write(toFile: out, atomically: true, encoding: .utf8)
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let sample = packageRoot.appendingPathComponent("data/samples/sample01_41918.wav").path
        let r = try runSeqlab(["label", "-m", model, sample, "-o", out, "--resume"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("labels.txt.progress"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "sample01 1 2\n", "left untouched")
        let stdout = try runSeqlab(["label", "-m", model, sample, "--resume"])
        XCTAssertNotEqual(stdout.status, 0)
        XCTAssertTrue(stdout.stderr.contains("--output"), stdout.stderr)
    }
}
