// ResumableOutput: the journal survives torn lines, cuts half-written items, and counts repeated items.
import Foundation
import Formats
import TestSupport
import XCTest

final class ResumableOutputTests: XCTestCase {
    func testContinuingDropsTornLinesAndHalfWrittenItems() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.txt").path
        let first = try ResumableOutput(path: path, resume: false)
        try first.append("a 1\n", key: "a", path: "x/a.wav")
        try first.append("b 2\nb 3\n", key: "b", path: "odd\tname\\b.wav")
        try first.append("a 1\n", key: "a", path: "x/a.wav")
        try first.close()
        // A kill after an item's lines but before its journal line, and a torn journal line.
        try FileHandle(forWritingAtPath: path).map { $0.seekToEndOfFile(); $0.write(Data("c 4\nd".utf8)); try $0.close() }
        try FileHandle(forWritingAtPath: path + ".progress").map { $0.seekToEndOfFile(); $0.write(Data("20\tc\tc.w".utf8)); try $0.close() }

        let second = try ResumableOutput(path: path, resume: true)
        XCTAssertEqual(second.resumedItems, 3)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "a 1\nb 2\nb 3\na 1\n")
        XCTAssertTrue(second.wasFinished(key: "a", path: "x/a.wav"))
        XCTAssertTrue(second.wasFinished(key: "a", path: "x/a.wav"), "listed twice, finished twice")
        XCTAssertFalse(second.wasFinished(key: "a", path: "x/a.wav"))
        XCTAssertFalse(second.wasFinished(key: "b", path: "odd name\\b.wav"))
        XCTAssertTrue(second.wasFinished(key: "b", path: "odd\tname\\b.wav"))
        XCTAssertFalse(second.wasFinished(key: "c", path: "c.wav"))
        try second.append("c 4\n", key: "c", path: "c.wav")
        try second.close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "a 1\nb 2\nb 3\na 1\nc 4\n")

        // A new run (no resume) starts both files afresh.
        try ResumableOutput(path: path, resume: false).close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "")
        XCTAssertEqual(try ResumableOutput(path: path, resume: true).resumedItems, 0)
    }

    /// An output that cannot be opened (here a folder) fails before its journal is written: it used
    /// to leave a stray FOLDER.progress behind. A journal that cannot be written (here a folder in
    /// its place) leaves no empty output behind either.
    func testAnOutputThatCannotBeOpenedLeavesNoJournal() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("labels").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        XCTAssertThrowsError(try ResumableOutput(path: folder, resume: false)) {
            XCTAssertEqual("\($0)", "\(folder): cannot open for writing: Is a directory")
        }
        let out = dir.appendingPathComponent("out.txt").path
        try FileManager.default.createDirectory(atPath: out + ".progress", withIntermediateDirectories: false)
        XCTAssertThrowsError(try ResumableOutput(path: out, resume: false))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["labels", "out.txt.progress"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    func testAChangedOutputOrForeignJournalIsRefused() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.txt").path
        let run = try ResumableOutput(path: path, resume: false)
        try run.append("a 1 2 3\n", key: "a", path: "a.wav")
        try run.close()
        try "a 1\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try ResumableOutput(path: path, resume: true)) { XCTAssertTrue("\($0)".contains("shorter than its progress file"), "\($0)") }
        try "something else\n".write(toFile: path + ".progress", atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try ResumableOutput(path: path, resume: true)) { XCTAssertTrue("\($0)".contains("line 1"), "\($0)") }
        XCTAssertThrowsError(try ResumableOutput(path: "-", resume: true))
    }
}
