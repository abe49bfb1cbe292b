// seqlab score and seqlab lm build through the built binary: stdout, stderr, exit codes.
import XCTest
import Foundation
import TestSupport

final class ScoreTests: XCTestCase {
    /// An scp: specifier names feature records, not transcripts: refused as such (ark:PATH reads the text).
    func testAnScpSpecifierIsNotATextFile() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try writeTextFile("u1 a b\n", "text", in: dir)
        let r = try runSeqlab(["score", "--ref", "scp:" + text, "--hyp", text])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "seqlab score: scp:\(text): an scp: specifier lists the records of feature archives, not a Kaldi text file of transcripts; give the text file's path (or ark:PATH)\n")
        let ark = try runSeqlab(["score", "--ref", "ark:" + text, "--hyp", text])
        XCTAssertEqual(ark.status, 0, ark.stderr)
        XCTAssertTrue(ark.stdoutText.hasPrefix("%WER 0.00 [ 0 / 2"), ark.stdoutText)
    }

    func testWordErrorRateWithMissingUtterances() throws {
        let dir = temporaryDirectory()
        let ref = try writeTextFile("u1 the cat sat\nu2 a b\nu3 x\n", "ref.txt", in: dir)
        let hyp = try writeTextFile("u1 the bat sat down\nu2 a b\nu9 z\n", "hyp.txt", in: dir)
        let r = try runSeqlab(["score", "--ref", ref, "--hyp", hyp])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, """
            %WER 50.00 [ 3 / 6, 1 ins, 1 del, 1 sub ]
            %SER 66.67 [ 2 / 3 ]
            Scored 3 sentences, 1 not present in hyp.

            """)
        XCTAssertTrue(r.stderr.contains("have no hypothesis, scored as empty: u3"), r.stderr)
        XCTAssertTrue(r.stderr.contains("have no reference, not scored: u9"), r.stderr)

        let present = try runSeqlab(["score", "--ref", "ark:" + ref, "--hyp", "ark,t:" + hyp, "--mode", "present"])
        XCTAssertEqual(present.status, 0, present.stderr)
        XCTAssertEqual(present.stdoutText, """
            %WER 40.00 [ 2 / 5, 1 ins, 0 del, 1 sub ]
            %SER 50.00 [ 1 / 2 ]
            Scored 2 sentences, 1 not present in hyp.

            """)
        let strict = try runSeqlab(["score", "--ref", ref, "--hyp", hyp, "--mode", "strict"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertEqual(strict.stdoutText, "")
        XCTAssertTrue(strict.stderr.contains("seqlab score: 1 reference utterance(s) have no hypothesis, not allowed with --mode strict: u3"), strict.stderr)
    }

    /// Ten thousand missing keys are counted on one short line: the first five and how many more.
    func testManyMissingKeysAreCapped() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ref = try writeTextFile((0..<10_001).map { "r\($0) a\n" }.joined(), "ref.txt", in: dir)
        let hyp = try writeTextFile("r0 a\n" + (0..<7).map { "h\($0) a\n" }.joined(), "hyp.txt", in: dir)
        let r = try runSeqlab(["score", "--ref", ref, "--hyp", hyp])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, """
            seqlab score: warning: 10000 reference utterance(s) have no hypothesis, scored as empty: r1 r2 r3 r4 r5 and 9,995 more
            seqlab score: warning: 7 hypothesis utterance(s) have no reference, not scored: h0 h1 h2 h3 h4 and 2 more

            """)
    }

    func testCharacterUnitDetailsAndStdin() throws {
        let dir = temporaryDirectory()
        let ref = try writeTextFile("u1 ab c\n", "ref.txt", in: dir)
        // "ab c" vs "ab": the space and c deleted.
        let r = try runSeqlab(["score", "--ref", ref, "--hyp", "-", "--unit", "char", "--details"], stdin: Data("u1 ab\n".utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, """
            u1 ref a b <space> c
            u1 hyp a b ***     ***
            u1 op  C C D       D
            u1 #csid 2 0 0 2
            %CER 50.00 [ 2 / 4, 0 ins, 2 del, 0 sub ]
            %SER 100.00 [ 1 / 1 ]
            Scored 1 sentences, 0 not present in hyp.

            """)
        XCTAssertEqual(r.stderr, "")
    }

    func testTokenUnitAndWordBoundary() throws {
        let dir = temporaryDirectory()
        let ref = try writeTextFile("u1 h i | y o\n", "ref.txt", in: dir)
        let hyp = try writeTextFile("u1 h i | y a\n", "hyp.txt", in: dir)
        let tokens = try runSeqlab(["score", "--ref", ref, "--hyp", hyp, "--unit", "token"])
        XCTAssertTrue(tokens.stdoutText.hasPrefix("%TER 20.00 [ 1 / 5, 0 ins, 0 del, 1 sub ]"), tokens.stdoutText)
        let words = try runSeqlab(["score", "--ref", ref, "--hyp", hyp, "--word-boundary", "|"])
        XCTAssertTrue(words.stdoutText.hasPrefix("%WER 50.00 [ 1 / 2, 0 ins, 0 del, 1 sub ]"), words.stdoutText)
        let both = try runSeqlab(["score", "--ref", ref, "--hyp", hyp, "--unit", "token", "--word-boundary", "|"])
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.stderr.contains("--word-boundary splits characters into words; --unit token scores the tokens as they are"), both.stderr)
    }

    func testBadInputFails() throws {
        let dir = temporaryDirectory()
        let ref = try writeTextFile("u1 a\nu1 b\n", "ref.txt", in: dir)
        let r = try runSeqlab(["score", "--ref", ref, "--hyp", ref])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("ref.txt: line 2"), r.stderr)
        XCTAssertEqual(r.stdoutText, "")
        let missing = try runSeqlab(["score", "--ref", dir.appendingPathComponent("none").path, "--hyp", ref])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertFalse(missing.stderr.isEmpty)
        let bothStdin = try runSeqlab(["score", "--ref", "-", "--hyp", "-"])
        XCTAssertNotEqual(bothStdin.status, 0)
        // An empty reference would read %WER 0.00 over nothing: refused, naming the file.
        let empty = try writeTextFile("", "empty-ref.txt", in: dir), hyp = try writeTextFile("u1 a\n", "hyp.txt", in: dir)
        let noReference = try runSeqlab(["score", "--ref", empty, "--hyp", hyp])
        XCTAssertEqual(noReference.status, 1)
        XCTAssertEqual(noReference.stdoutText, "")
        XCTAssertTrue(noReference.stderr.contains("seqlab score: \(empty): no utterances (expected Kaldi text lines"), noReference.stderr)
        // Hypotheses none of whose keys is a reference's: not an error rate, an error.
        let ref2 = try writeTextFile("u1 a b\nu2 c\n", "ref2.txt", in: dir), other = try writeTextFile("x1 a b\n", "other.txt", in: dir)
        for mode in ["all", "present"] {
            let mismatch = try runSeqlab(["score", "--ref", ref2, "--hyp", other, "--mode", mode])
            XCTAssertEqual(mismatch.status, 1, mode)
            XCTAssertEqual(mismatch.stdoutText, "")
            XCTAssertTrue(mismatch.stderr.contains("\(other): no utterance key matches one of \(ref2)"), mismatch.stderr)
        }
        // A corpus read through a pipe named by a path, as a shell's <(…) gives it.
        let fifo = dir.appendingPathComponent("corpus.fifo").path, arpa = dir.appendingPathComponent("piped.arpa").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread { try? "the cat sat\nthe dog sat\n".write(toFile: fifo, atomically: false, encoding: .utf8) }
        writer.start()
        let piped = try runSeqlab(["lm", "build", "--order", "2", fifo, "-o", arpa, "--quiet"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertTrue(try String(contentsOfFile: arpa, encoding: .utf8).contains("ngram 2="))
        let missingLM = try runSeqlab(["decode", "-m", packageRoot.appendingPathComponent("models/digits.safetensors").path,
                                       "--beam", "4", "--lm", dir.appendingPathComponent("no.arpa").path], stdin: Data())
        XCTAssertEqual(missingLM.status, 1)
        XCTAssertTrue(missingLM.stderr.contains("no.arpa: no such file"), missingLM.stderr)
    }

    func testLanguageModelBuild() throws {
        let dir = temporaryDirectory()
        let text = try writeTextFile("u1 the cat sat\nu2 the dog sat\n", "text", in: dir)
        let out = dir.appendingPathComponent("lm.arpa").path
        let r = try runSeqlab(["lm", "build", "--order", "2", "--kaldi-text", text, "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, "")
        let arpa = try String(contentsOfFile: out, encoding: .utf8)
        // Unigrams: <s> </s> <unk> the cat dog sat; bigrams: <s> the, the cat, the dog, cat sat, dog sat, sat </s>.
        XCTAssertTrue(arpa.hasPrefix("\\data\\\nngram 1=7\nngram 2=6\n"), arpa)
        XCTAssertTrue(arpa.hasSuffix("\\end\\\n"))
        XCTAssertFalse(arpa.contains("u1"))
        XCTAssertTrue(r.stderr.contains("2 sentences"), r.stderr)
        let quiet = try runSeqlab(["lm", "build", "--order", "2", "--kaldi-text", text, "-o", out + ".q", "--quiet"])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertEqual(quiet.stderr, "")
        XCTAssertEqual(try String(contentsOfFile: out + ".q", encoding: .utf8), arpa)
        let chars = try runSeqlab(["lm", "build", "--order", "3", "--unit", "char", "-"], stdin: Data("ab a\n".utf8))
        XCTAssertEqual(chars.status, 0, chars.stderr)
        XCTAssertTrue(chars.stdoutText.contains("<space>"), chars.stdoutText)
        let bad = try runSeqlab(["lm", "build", "--order", "0", text])
        XCTAssertNotEqual(bad.status, 0)
    }

    /// A sentence marker in the text is refused at its line, and nothing is written (it made <s>
    /// a predicted word inside a sentence, "a <s>", and </s> a context, "</s> d").
    func testLanguageModelBuildRefusesSentenceMarkers() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try writeTextFile("a b\n\nc </s> d\n", "corpus.txt", in: dir)
        let out = dir.appendingPathComponent("lm.arpa").path
        let r = try runSeqlab(["lm", "build", "--order", "2", text, "-o", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "seqlab lm build: \(text): line 3: </s> is a sentence marker, which lm build puts around every line itself; remove it from the text\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let kaldi = try writeTextFile("u1 a b\nu2 <s> a\n", "text", in: dir)
        let k = try runSeqlab(["lm", "build", "--kaldi-text", kaldi])
        XCTAssertEqual(k.status, 1)
        XCTAssertEqual(k.stdoutText, "")
        XCTAssertEqual(k.stderr, "seqlab lm build: \(kaldi): line 2: <s> is a sentence marker, which lm build puts around every line itself; remove it from the text\n")
    }

    /// --kaldi-text: a line that starts with whitespace has no key, as score and train say; it was
    /// read with its first word taken for the key and the key counted as a word ("u2" in the model).
    func testLanguageModelBuildKaldiTextNeedsTheKeyFirst() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try writeTextFile("u1 a b\n\tu2 b a\n", "text", in: dir)
        let r = try runSeqlab(["lm", "build", "--order", "1", "--kaldi-text", text])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdoutText, "")
        XCTAssertEqual(r.stderr, "seqlab lm build: \(text): line 2: missing key: the line starts with whitespace; expected the utterance key first\n")
        let score = try runSeqlab(["score", "--ref", text, "--hyp", text])
        XCTAssertEqual(score.stderr, "seqlab score: \(text): line 2: missing key: the line starts with whitespace; expected the utterance key first\n")
        // Without --kaldi-text the line is a sentence like any other.
        let plain = try runSeqlab(["lm", "build", "--order", "1", text, "--quiet"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stdoutText.contains("\tu2\n"), plain.stdoutText)
    }

    /// Text that is not UTF-8: the line and column of the first bad byte, as score says them (lm
    /// build said only "not valid UTF-8 text").
    func testLanguageModelBuildNamesWhereTheTextIsNotUTF8() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = dir.appendingPathComponent("bad.txt")
        try Data(Array("a b\nc ".utf8) + [0xFF] + Array(" d\n".utf8)).write(to: binary)
        let bad = try runSeqlab(["lm", "build", binary.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "seqlab lm build: \(binary.path): line 2: invalid UTF-8 at column 3; expected UTF-8 text\n")
        let badScore = try runSeqlab(["score", "--ref", binary.path, "--hyp", binary.path])
        XCTAssertEqual(badScore.stderr, "seqlab score: \(binary.path): line 2: invalid UTF-8 at column 3; expected UTF-8 text\n")
    }
}
