// `seqlab combine` through the built binary: votes over files, characters, stdin, and its errors.
import Foundation
import XCTest
import TestSupport

final class CombineCommandTests: XCTestCase {
    func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// u1: 7 is outvoted, 9 inserted by one system only. u2: c ("4 6") aligns by skipping the
    /// 5 slot and matching the 6 that b inserted, so the slots are 4 4 4 · 5 5 ∅ · ∅ 6 6.
    func testVotesOverFilesInTheFirstFilesOrder() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try write("u1 1 2 3\nu2 4 5\n", "a.txt", in: dir)
        let b = try write("u2 4 5 6\nu1 1 7 3\n", "b.txt", in: dir)
        let c = try write("u1 1 2 3 9\nu2 4 6\n", "c.txt", in: dir)
        let r = try runSeqlab(["combine", a, b, c])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, "u1 1 2 3\nu2 4 5 6\n")
        // One file from stdin, the output to a file.
        let out = dir.appendingPathComponent("out.txt")
        let piped = try runSeqlab(["combine", a, "-", c, "-o", out.path], stdin: Data("u1 1 7 3\nu2 4 5 6\n".utf8))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), "u1 1 2 3\nu2 4 5 6\n")
    }

    /// --unit char votes per character, spaces included: each system has a typo of its own, which
    /// the other two outvote; as words every slot is a three-way tie, which the first file wins.
    func testVotesOnCharacters() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try [("x hallo world\n", "a"), ("x hello word\n", "b"), ("x helo worlds\n", "c")].map {
            try write($0.0, $0.1, in: dir)
        }
        let chars = try runSeqlab(["combine", "--unit", "char"] + files)
        XCTAssertEqual(chars.status, 0, chars.stderr)
        XCTAssertEqual(chars.stdoutText, "x hello world\n")
        let words = try runSeqlab(["combine"] + files)
        XCTAssertEqual(words.stdoutText, "x hallo world\n")
    }

    /// A key missing from a file is named on stderr, counted as empty there, and the exit status is 1
    /// with every utterance still written; keys only later files have come after the first file's.
    func testMissingKeysAreReportedAndTheRestCombined() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try write("u1 1 2\n", "a.txt", in: dir)
        let b = try write("u1 1 2\nu2 3\n", "b.txt", in: dir)
        let c = try write("u2 3\nu1 1\n", "c.txt", in: dir)
        let r = try runSeqlab(["combine", a, b, c])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdoutText, "u1 1 2\nu2 3\n")
        XCTAssertEqual(r.stderr, "seqlab combine: u2: no hypothesis in \(a); counted as empty\n")
    }

    func testBadInputsAreOneLineErrors() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try write("u1 1 2\n", "a.txt", in: dir)
        let dup = try write("u1 1\nu1 2\n", "dup.txt", in: dir)
        let empty = try write("", "empty.txt", in: dir)
        for (arguments, message) in [
            ([a, dir.appendingPathComponent("missing.txt").path, a], "missing.txt"),
            ([a, dup, a], "dup.txt: line 2: duplicate key \"u1\" (first on line 1)"),
            ([empty, empty, empty], "empty.txt: no utterances in any of the files"),
        ] {
            let r = try runSeqlab(["combine"] + arguments)
            XCTAssertEqual(r.status, 1, "\(arguments)")
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertEqual(r.stdout.count, 0, "nothing written half")
        }
        let two = try runSeqlab(["combine", a, a])
        XCTAssertNotEqual(two.status, 0)
        XCTAssertTrue(two.stderr.contains("three or more hypothesis files"), two.stderr)
    }
}
