// `seqlab combine` through the built binary: votes over files, characters, stdin, and its errors.
import Foundation
import XCTest
import TestSupport

final class CombineCommandTests: XCTestCase {
    /// u1: 7 is outvoted, 9 inserted by one system only. u2: c ("4 6") aligns by skipping the
    /// 5 slot and matching the 6 that b inserted, so the slots are 4 4 4 · 5 5 ∅ · ∅ 6 6.
    func testVotesOverFilesInTheFirstFilesOrder() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try writeTextFile("u1 1 2 3\nu2 4 5\n", "a.txt", in: dir)
        let b = try writeTextFile("u2 4 5 6\nu1 1 7 3\n", "b.txt", in: dir)
        let c = try writeTextFile("u1 1 2 3 9\nu2 4 6\n", "c.txt", in: dir)
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
            try writeTextFile($0.0, $0.1, in: dir)
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
        let a = try writeTextFile("u1 1 2\n", "a.txt", in: dir)
        let b = try writeTextFile("u1 1 2\nu2 3\n", "b.txt", in: dir)
        let c = try writeTextFile("u2 3\nu1 1\n", "c.txt", in: dir)
        let r = try runSeqlab(["combine", a, b, c])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdoutText, "u1 1 2\nu2 3\n")
        XCTAssertEqual(r.stderr, "seqlab combine: \(a): no hypothesis for 1 of the 2 utterances, counted as empty: u2\n")
        // Many missing keys: one line per file, with the count and the first five keys.
        let many = try writeTextFile((0..<1_200).map { "k\($0) 1\n" }.joined(), "many.txt", in: dir)
        let few = try writeTextFile("k3 1\nk9 2\n", "few.txt", in: dir)
        let m = try runSeqlab(["combine", many, few, b])
        XCTAssertEqual(m.status, 1)
        XCTAssertEqual(m.stdoutText.split(separator: "\n").count, 1_202)
        XCTAssertEqual(m.stderr, """
            seqlab combine: \(many): no hypothesis for 2 of the 1,202 utterances, counted as empty: u1 u2
            seqlab combine: \(few): no hypothesis for 1,200 of the 1,202 utterances, counted as empty: k0 k1 k2 k4 k5 and 1,195 more
            seqlab combine: \(b): no hypothesis for 1,200 of the 1,202 utterances, counted as empty: k0 k1 k2 k3 k4 and 1,195 more

            """)
    }

    func testBadInputsAreOneLineErrors() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try writeTextFile("u1 1 2\n", "a.txt", in: dir)
        let dup = try writeTextFile("u1 1\nu1 2\n", "dup.txt", in: dir)
        let empty = try writeTextFile("", "empty.txt", in: dir)
        let ctm = try writeTextFile("u1 1 0.00 0.01 1 0.9\nu1 1 0.01 0.01 2 0.8\n", "sys.ctm", in: dir)
        // One unit per utterance: no key repeats, but every line is shaped like ctm (decode --format ctm).
        let single = try writeTextFile("u1 1 0.170 0.010 0 0.9958\nu2 1 0.300 0.020 7\n", "single.txt", in: dir)
        for (arguments, message) in [
            ([a, dir.appendingPathComponent("missing.txt").path, a], "missing.txt"),
            ([a, dup, a], "dup.txt: line 2: duplicate key \"u1\" (first on line 1)"),
            ([ctm, ctm, ctm], "sys.ctm: line 2: duplicate key \"u1\" (first on line 1) (a ctm file? give --ctm)"),
            ([empty, empty, empty], "empty.txt: no utterances in any of the files"),
            ([a, single, a], "single.txt: line 1: every line is shaped like ctm (KEY CHANNEL START DURATION WORD [CONFIDENCE]), not Kaldi text: give --ctm"),
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

    /// ctm files with confidences. u1's second slot: 2 (0.9) from a, 7 from b and c (0.2, 0.3):
    /// the count elects 7; α = 0.5 scores 2 at 1/6 + 0.45 = 0.617 and 7 at 1/3 + 0.125 = 0.458.
    /// u2 is absent from c: an empty hypothesis there, without a message.
    func testConfidencesWeighTheVote() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try writeTextFile("u1 1 0.1 0.1 1 0.9\nu1 1 0.5 0.1 2 0.9\nu2 1 0.2 0.1 5 0.8\n", "a.ctm", in: dir)
        let b = try writeTextFile("u1 1 0.1 0.1 1 0.8\nu1 1 0.5 0.1 7 0.2\nu2 1 0.2 0.1 5 0.7\n", "b.ctm", in: dir)
        let c = try writeTextFile("u1 1 0.1 0.1 1 0.7\nu1 1 0.5 0.1 7 0.3\n", "c.ctm", in: dir)
        let count = try runSeqlab(["combine", "--ctm", a, b, c])
        XCTAssertEqual(count.status, 0, count.stderr)
        XCTAssertEqual(count.stdoutText, "u1 1 7\nu2 5\n")
        XCTAssertEqual(count.stderr, "")
        let weighted = try runSeqlab(["combine", "--ctm", "--alpha", "0.5", a, b, c])
        XCTAssertEqual(weighted.status, 0, weighted.stderr)
        XCTAssertEqual(weighted.stdoutText, "u1 1 2\nu2 5\n")
        // u2's 5 against c's nothing: Conf(@) = 0.9 outweighs 5's mean 0.75 at α = 0 (and 0.5 does not).
        let null = try runSeqlab(["combine", "--ctm", "--alpha", "0", "--null-confidence", "0.9", a, b, c])
        XCTAssertEqual(null.stdoutText, "u1 1 2\nu2\n")
        let low = try runSeqlab(["combine", "--ctm", "--alpha", "0", "--null-confidence", "0.5", a, b, c])
        XCTAssertEqual(low.stdoutText, "u1 1 2\nu2 5\n")
        // --confidence max: with c's 7 at 0.95 and α = 0, 7's mean 0.575 loses to 2's 0.9, its max wins.
        let c2 = try writeTextFile("u1 1 0.1 0.1 1 0.7\nu1 1 0.5 0.1 7 0.95\n", "c2.ctm", in: dir)
        let mean = try runSeqlab(["combine", "--ctm", "--alpha", "0", a, b, c2])
        XCTAssertEqual(mean.stdoutText, "u1 1 2\nu2 5\n", mean.stderr)
        let max = try runSeqlab(["combine", "--ctm", "--alpha", "0", "--confidence", "max", a, b, c2])
        XCTAssertEqual(max.stdoutText, "u1 1 7\nu2 5\n", max.stderr)
    }

    /// ctm lines out of time order vote as the tokens they time: a file sorted as text (10.00
    /// before 9.00) and one whose lines are shuffled combine as the same file in time order.
    func testCTMTokensVoteInTimeOrder() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inOrder = try writeTextFile("u1 1 0.10 0.1 a 0.9\nu1 1 0.20 0.1 b 0.9\nu1 1 0.30 0.1 c 0.9\n", "c1.ctm", in: dir)
        let shuffled = try writeTextFile("u1 1 0.30 0.1 c 0.9\nu1 1 0.10 0.1 a 0.9\nu1 1 0.20 0.1 b 0.9\n", "c4.ctm", in: dir)
        let r = try runSeqlab(["combine", "--ctm", shuffled, shuffled, inOrder])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, "u1 a b c\n")
        let sorted = try writeTextFile("u1 1 10.00 0.5 d 0.9\nu1 1 2.00 0.5 b 0.9\nu1 1 9.00 0.5 c 0.9\n", "sorted.ctm", in: dir)
        let timed = try writeTextFile("u1 1 2.00 0.5 b 0.9\nu1 1 9.00 0.5 c 0.9\nu1 1 10.00 0.5 d 0.9\n", "timed.ctm", in: dir)
        let s = try runSeqlab(["combine", "--ctm", sorted, sorted, timed])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertEqual(s.stdoutText, "u1 b c d\n")
    }

    /// The channels of a recording (the ctm's second field) are voted on apart: channel A's and
    /// B's tokens used to be merged in time order into one hypothesis ("rec hello yes world").
    /// Now each channel is its own line, keyed REC-CHANNEL; a one-channel utterance keeps its key.
    func testCTMChannelsAreVotedApart() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func system(_ b: String) -> String {
            "rec A 0.10 0.1 hello 0.9\nrec B 0.30 0.1 \(b) 0.9\nrec A 0.50 0.1 world 0.9\nu2 1 0.10 0.1 seven 0.9\n"
        }
        let files = try [system("yes"), system("yes"), system("no")].enumerated().map { try writeTextFile($0.1, "s\($0.0).ctm", in: dir) }
        let r = try runSeqlab(["combine", "--ctm"] + files)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, "rec-A hello world\nrec-B yes\nu2 seven\n")
        // A key that would be written twice: refused on one line naming the file that has it.
        let clash = try writeTextFile(system("no") + "rec-A 1 0.10 0.1 two 0.9\n", "clash.ctm", in: dir)
        let refused = try runSeqlab(["combine", "--ctm", files[0], files[1], clash])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "seqlab combine: \(clash): utterance rec has channels A, B, each written as rec-CHANNEL, but rec-A is an utterance of its own\n")
        XCTAssertEqual(refused.stdout.count, 0)
    }

    /// --unit char with ctm files of a character model (a character per line, <space> for a space),
    /// and the error for a line that holds a word.
    func testCharacterCTMs() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func ctm(_ text: String, _ confidences: [Double]) -> String {
            zip(text, confidences).enumerated().map { i, pair in
                "x 1 \(Double(i) * 0.1) 0.1 \(pair.0 == " " ? "<space>" : String(pair.0)) \(pair.1)\n"
            }.joined()
        }
        let a = try writeTextFile(ctm("ab cd", [0.9, 0.9, 0.9, 0.9, 0.9]), "a.ctm", in: dir)
        let b = try writeTextFile(ctm("ab ce", [0.9, 0.9, 0.9, 0.9, 0.1]), "b.ctm", in: dir)
        let c = try writeTextFile(ctm("ab ce", [0.9, 0.9, 0.9, 0.9, 0.1]), "c.ctm", in: dir)
        let count = try runSeqlab(["combine", "--ctm", "--unit", "char", a, b, c])
        XCTAssertEqual(count.stdoutText, "x ab ce\n", count.stderr)
        let weighted = try runSeqlab(["combine", "--ctm", "--unit", "char", "--alpha", "0.2", a, b, c])
        XCTAssertEqual(weighted.stdoutText, "x ab cd\n", weighted.stderr)
        let word = try writeTextFile("x 1 0 0.1 ab 0.9\n", "word.ctm", in: dir)
        let r = try runSeqlab(["combine", "--ctm", "--unit", "char", a, word, c])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "seqlab combine: \(word): line 1: token \"ab\" is not one character; --unit char takes a character model's ctm per token (decode --format ctm --ctm-unit token)\n")
        XCTAssertEqual(r.stdout.count, 0)
    }

    func testConfidenceOptionsAreChecked() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try writeTextFile("u1 1 2\n", "a.txt", in: dir)
        let noConfidence = try writeTextFile("u1 1 0.1 0.1 1\n", "a.ctm", in: dir)
        for (arguments, message) in [
            (["--alpha", "0.5", text, text, text], "add --ctm"),
            (["--ctm", "--alpha", "1.5", text, text, text], "--alpha 1.5 is outside [0, 1]"),
            (["--ctm", "--alpha", "0.5", "--null-confidence", "1.5", text, text, text], "--null-confidence 1.5 is outside [0, 1]"),
            (["--ctm", "--null-confidence", "0.5", text, text, text], "act only in a vote with --alpha below 1"),
            (["--confidence", "max", text, text, text], "act only in a vote with --alpha below 1"),
        ] {
            let r = try runSeqlab(["combine"] + arguments)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        // A text file given as ctm, and a ctm line without a confidence when one is weighed.
        let asCTM = try runSeqlab(["combine", "--ctm", text, text, text])
        XCTAssertEqual(asCTM.status, 1)
        XCTAssertEqual(asCTM.stderr, "seqlab combine: \(text): line 1: 3 fields; expected UTTERANCE CHANNEL START DURATION TOKEN [CONFIDENCE]\n")
        let weighed = try runSeqlab(["combine", "--ctm", "--alpha", "0.5", noConfidence, noConfidence, noConfidence])
        XCTAssertEqual(weighed.status, 1)
        XCTAssertTrue(weighed.stderr.contains("line 1: no confidence (sixth field)"), weighed.stderr)
        XCTAssertEqual(try runSeqlab(["combine", "--ctm", noConfidence, noConfidence, noConfidence]).stdoutText, "u1 1\n")
    }
}
