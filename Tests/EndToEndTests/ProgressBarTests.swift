// Progress bars on a terminal: each redraw fits the terminal's width, so that "\r" redraws it in
// place; the message after the bar starts on a clean line; --quiet draws none.
import Foundation
import TestSupport
import XCTest

final class ProgressBarTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let scp = packageRoot.appendingPathComponent("data/samples/wav.scp").path
    static let text = packageRoot.appendingPathComponent("data/samples/text").path

    /// The lines drawn in place on `terminal` (what follows each "\r\u{1B}[K" up to the next "\r"),
    /// and the text after the last one (the message the bar gave way to).
    func redraws(_ terminal: String) -> (bars: [String], after: String) {
        let pieces = terminal.components(separatedBy: "\r\u{1B}[K").dropFirst()
        let lines = pieces.map { String($0.prefix { $0 != "\r" && $0 != "\n" }) }
        return (Array(lines.dropLast()), pieces.last ?? "")
    }

    /// Runs `arguments` (run in `dir`) on a terminal `columns` wide, then checks every bar redraw
    /// fits in `columns` − 1 characters and the closing message starts with `prefix`.
    func check(_ arguments: [String], columns: Int, environment: [String: String] = [:], label: String,
               prefix: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard let r = try runSeqlabOnTerminal(arguments, columns: columns, environment: environment) else {
            throw XCTSkip("no pseudo-terminal available")
        }
        XCTAssertEqual(r.status, 0, r.terminal, file: file, line: line)
        let (bars, after) = redraws(r.terminal)
        XCTAssertFalse(bars.isEmpty, "no progress bar drawn: \(r.terminal.debugDescription)", file: file, line: line)
        for bar in bars {
            XCTAssertTrue(bar.hasPrefix(label), bar.debugDescription, file: file, line: line)
            XCTAssertLessThanOrEqual(bar.count, columns - 1, "a redraw wider than the terminal wraps: \(bar.debugDescription)",
                                     file: file, line: line)
        }
        XCTAssertTrue(after.hasPrefix(prefix), after.debugDescription, file: file, line: line)
    }

    /// extract's bar at 40 columns (the terminal's own width, then COLUMNS on a wide one): it was
    /// always 30 marks wide, 58 characters with its counts, so that each redraw wrapped and left
    /// a copy of the bar on the line above.
    func testExtractBarFitsANarrowTerminal() throws {
        let out = dir.appendingPathComponent("f.ark").path
        let arguments = ["extract", "audio", "--scp", Self.scp, "-o", out]
        try check(arguments, columns: 40, label: "extract ", prefix: "seqlab extract audio: 12 utterances")
        try check(arguments, columns: 200, environment: ["COLUMNS": "40"], label: "extract ",
                  prefix: "seqlab extract audio: 12 utterances")
        // Wide enough, the bar keeps its 30 marks.
        guard let wide = try runSeqlabOnTerminal(arguments, columns: 120) else { throw XCTSkip("no pseudo-terminal available") }
        XCTAssertTrue(redraws(wide.terminal).bars.contains { $0.hasPrefix("extract [##############################] 12/12 ") },
                      wide.terminal.debugDescription)
    }

    /// train's bar with its loss note, at 30 columns: cut to fit rather than wrap.
    func testTrainBarFitsANarrowTerminal() throws {
        let feats = dir.appendingPathComponent("f.ark").path
        let made = try runSeqlab(["extract", "audio", "--scp", Self.scp, "-o", feats, "--quiet"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let model = dir.appendingPathComponent("m.safetensors").path
        try check(["train", "--feats", feats, "--text", Self.text, "--epochs", "1", "--hidden", "8", "-o", model],
                  columns: 30, label: "epoch 1 ", prefix: "epoch 1: train loss")
    }

    /// decode --stream's partial results on a 30-column terminal: a partial longer than the line
    /// (an utterance's tokens so far) is cut to fit, not wrapped into a copy per chunk.
    func testStreamingPartialsFitANarrowTerminal() throws {
        let feats = dir.appendingPathComponent("f.ark").path, model = dir.appendingPathComponent("u.safetensors").path
        let made = try runSeqlab(["extract", "audio", "--scp", Self.scp, "-o", feats, "--quiet"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let trained = try runSeqlab(["train", "--feats", feats, "--text", Self.text, "--epochs", "1", "--hidden", "8",
                                     "--unidirectional", "-o", model, "--quiet"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        guard let r = try runSeqlabOnTerminal(["decode", "--stream", "--chunk", "5", "-m", model, "--feats", feats], columns: 30) else {
            throw XCTSkip("no pseudo-terminal available")
        }
        XCTAssertEqual(r.status, 0, r.terminal)
        let (drawn, after) = redraws(r.terminal)
        let partials = drawn.filter { !$0.isEmpty }   // the line is cleared after each utterance too
        XCTAssertFalse(partials.isEmpty, r.terminal.debugDescription)
        for partial in partials {
            XCTAssertTrue(partial.hasPrefix("sample"), partial.debugDescription)
            XCTAssertLessThanOrEqual(partial.count, 29, "a partial wider than the terminal wraps: \(partial.debugDescription)")
        }
        XCTAssertEqual(after, "")
    }

    /// label and extract --text-ark with their data going to the terminal the bar is on: no bar,
    /// since the data's lines landed on the bar's line, glued after it ("label [##…] 1/12 0:00 eta
    /// 0:00sample02_16564 1 6 5 6 4"); the lines come out as they do into a file.
    func testNoBarWhenTheDataGoesToTheTerminal() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let label = ["label", "-m", model, "--scp", Self.scp, "--jobs", "1"]
        let expected = try runSeqlab(label, currentDirectory: packageRoot)
        XCTAssertEqual(expected.status, 0, expected.stderr)
        XCTAssertEqual(expected.stdoutText.split(separator: "\n").count, 12)
        guard let r = try runSeqlabOnTerminal(label, columns: 80, stdoutOnTerminal: true, currentDirectory: packageRoot) else {
            throw XCTSkip("no pseudo-terminal available")
        }
        XCTAssertEqual(r.status, 0, r.terminal)
        XCTAssertEqual(r.terminal.replacingOccurrences(of: "\r\n", with: "\n"), expected.stdoutText)
        guard let e = try runSeqlabOnTerminal(["extract", "audio", "--scp", Self.scp, "--text-ark", "--jobs", "1"], columns: 80,
                                              stdoutOnTerminal: true, currentDirectory: packageRoot) else {
            throw XCTSkip("no pseudo-terminal available")
        }
        XCTAssertEqual(e.status, 0)
        XCTAssertFalse(e.terminal.contains("extract ["), String(e.terminal.suffix(300)).debugDescription)
        XCTAssertTrue(e.terminal.hasPrefix("sample01_41918  ["), String(e.terminal.prefix(100)).debugDescription)
        XCTAssertTrue(e.terminal.contains("]\r\nseqlab extract audio: 12 utterances from 12 files, 2708 frames"),
                      String(e.terminal.suffix(200)).debugDescription)
    }

    /// grid compare --algorithm dqn draws learn's bar; it had no --quiet to leave it out.
    func testGridCompareQuietDrawsNothing() throws {
        let map = packageRoot.appendingPathComponent("data/grids/lecture-2x3.grid").path
        let arguments = ["grid", "compare", map, "--algorithm", "dqn", "--episodes", "30"]
        try check(arguments, columns: 80, label: "dqn run 1/1 [", prefix: "")
        guard let r = try runSeqlabOnTerminal(arguments + ["--quiet"], columns: 80) else { throw XCTSkip("no pseudo-terminal available") }
        XCTAssertEqual(r.status, 0, r.terminal)
        XCTAssertEqual(r.terminal, "")
    }

    /// --quiet on a terminal: no bar and no summary, nothing at all.
    func testQuietDrawsNothingOnATerminal() throws {
        let out = dir.appendingPathComponent("f.ark").path
        guard let r = try runSeqlabOnTerminal(["extract", "audio", "--scp", Self.scp, "-o", out, "--quiet"], columns: 80) else {
            throw XCTSkip("no pseudo-terminal available")
        }
        XCTAssertEqual(r.status, 0, r.terminal)
        XCTAssertEqual(r.terminal, "")
    }
}
