// `seqlab inspect` through the built binary: summaries on stdout, one-line errors on stderr, exit codes.
import XCTest
import Foundation
import TestSupport

final class InspectTests: XCTestCase {
    let fixtures = packageRoot.appendingPathComponent("Tests/FormatsTests/Fixtures")

    /// The float.ark values from the reference script's expected.txt (kaldiio's reading).
    func referenceValues(_ file: String) throws -> [[Float]] {
        let text = try String(contentsOf: fixtures.appendingPathComponent("expected.txt"), encoding: .utf8)
        return text.split(separator: "\n").filter { $0.hasPrefix("matrix \(file) ") }.map {
            $0.split(separator: " ").dropFirst(5).map { Float(Double($0)!) }
        }
    }

    /// The text files seqlab writes or reads besides archives: an ARPA model (from lm build), a
    /// train --log file, a front-end config and a grid map, each told apart by its content.
    func testSummarisesTheTextFilesSeqlabWritesAndReads() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("text"), arpa = dir.appendingPathComponent("chars.arpa")
        try "u1 ab\nu2 ba\n".write(to: text, atomically: true, encoding: .utf8)
        let lm = try runSeqlab(["lm", "build", "--order", "2", "--unit", "char", "--kaldi-text", text.path, "-o", arpa.path, "--quiet"])
        XCTAssertEqual(lm.status, 0, lm.stderr)
        let log = dir.appendingPathComponent("log.jsonl")
        try """
            {"epoch":1,"framesPerSecond":100,"learningRate":0.002,"seconds":1,"trainLoss":5.5,"validLabelErrorRate":0.25,"validLoss":4}
            {"epoch":2,"framesPerSecond":100,"learningRate":0.002,"seconds":1,"trainLoss":3.25,"validLabelErrorRate":0.125,"validLoss":3}
            {"epoch":3,"framesPerSecond":100,"learningRate":0.001,"seconds":1,"trainLoss":2.5,"validLabelErrorRate":0.1875,"validLoss":3.5}

            """.write(to: log, atomically: true, encoding: .utf8)
        let conf = packageRoot.appendingPathComponent("models/digits.conf").path
        let grid = packageRoot.appendingPathComponent("data/grids/russell-norvig-4x3.grid").path
        let r = try runSeqlab(["inspect", arpa.path, log.path, conf, grid])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        // Characters a, b; unigrams <s> </s> <unk> a b; bigrams <s> a, a b, b </s>, <s> b, b a, a </s>.
        XCTAssertTrue(r.stdoutText.contains("\(arpa.path): ARPA n-gram model\n  order: 2\n  n-grams per order: 5 6\n"), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("""
            \(log.path): training log (train --log)
              epochs: 3 (1–3)
              train loss: 5.5 → 2.5
              task: ctc (logs without a task are CTC's)
              best validation label error rate: 12.50% at epoch 2 (last 18.75%)
              last learning rate: 0.001

            """), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("\(conf): front-end config (audio, 40 dims)\n  --feature-type=fbank --sample-frequency=8000"), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("\(grid): grid map (Russell and Norvig 4x3 world)\n  3×4 cells, 2 terminal(s), discount 1.0"), r.stdoutText)
        /// The best-epoch line inspect gives for a log of (validation error, validation loss) an epoch.
        func bestEpochLine(_ name: String, _ epochs: [(error: Double, loss: Double)]) throws -> String {
            let log = dir.appendingPathComponent(name)
            try epochs.enumerated().map { "{\"epoch\":\($0.offset + 1),\"trainLoss\":1,\"validLabelErrorRate\":\($0.element.error),\"validLoss\":\($0.element.loss)}\n" }
                .joined().write(to: log, atomically: true, encoding: .utf8)
            let r = try runSeqlab(["inspect", log.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdoutText.split(separator: "\n").first { $0.contains("best validation label error rate") }.map(String.init) ?? r.stdoutText
        }
        // Epochs of equal error: the best is the one train keeps, the lower validation loss.
        XCTAssertEqual(try bestEpochLine("tied.jsonl", [(1, 4), (1, 3), (1, 3.5)]), "  best validation label error rate: 100.00% at epoch 2 (last 100.00%)")
        // Rates over 100% (a barely trained network's guesses) count as 100%: the loss decides among them.
        XCTAssertEqual(try bestEpochLine("guesses.jsonl", [(3.25, 480), (4, 469), (2.5, 470)]),
                       "  best validation label error rate: 400.00% at epoch 2 (last 250.00%)")
        // An ARPA model with free text before \data\ (as the format allows and decode --lm reads).
        let prefaced = dir.appendingPathComponent("prefaced.lm")
        try ("Language model created by QuickLM\nCopyright (c) Carnegie Mellon University\n\n" + String(contentsOf: arpa, encoding: .utf8))
            .write(to: prefaced, atomically: true, encoding: .utf8)
        let withPreface = try runSeqlab(["inspect", prefaced.path])
        XCTAssertEqual(withPreface.status, 0, withPreface.stderr)
        XCTAssertEqual(withPreface.stdoutText, "\(prefaced.path): ARPA n-gram model\n  order: 2\n  n-grams per order: 5 6\n")
        // A file that starts as one of them but does not read as one: that reader's error.
        let bad = dir.appendingPathComponent("bad.jsonl")
        try "{\"epoch\":1,\"trainLoss\":2}\n{\"epoch\":\"two\"}\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try runSeqlab(["inspect", bad.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("bad.jsonl: line 2: expected a JSON object"), refused.stderr)
    }

    func testSummarisesAnArchiveAndASafetensorsFile() throws {
        let ark = fixtures.appendingPathComponent("cm2.ark").path
        let model = fixtures.appendingPathComponent("model.safetensors").path
        let r = try runSeqlab(["inspect", ark, model])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let out = r.stdoutText
        let values = try referenceValues("cm2.ark")
        let all = values.flatMap { $0 }
        let mean = all.map(Double.init).reduce(0, +) / Double(all.count)
        XCTAssertTrue(out.contains("\(ark): Kaldi archive (CM2)\n  utterances: \(values.count)\n"), out)
        XCTAssertTrue(out.contains("  values: min \(String(format: "%.5g", Double(all.min()!))), mean \(String(format: "%.5g", mean)), max \(String(format: "%.5g", Double(all.max()!)))\n"), out)
        XCTAssertTrue(out.contains("  keys: c1, c2, flat, c4\n"), out)
        XCTAssertTrue(out.contains("\(model): safetensors, 2 tensors, 16 values, 64 bytes of data\n"), out)
        XCTAssertTrue(out.contains("  lstm.w  F32   [4, 3]\n"), out)
        XCTAssertTrue(out.contains("    alphabet: _ a b c\n"), out)
    }

    func testReadsAnArchiveFromStdin() throws {
        let bytes = try Data(contentsOf: fixtures.appendingPathComponent("float.ark"))
        let r = try runSeqlab(["inspect", "-"], stdin: bytes)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdoutText.hasPrefix("stdin: Kaldi archive (FM)\n  utterances: 4\n  frames: 13 (1–7 per utterance)\n"), r.stdoutText)
    }

    func testReadsThroughAnScpWithRelativePaths() throws {
        // kaldiio wrote "float.ark:OFFSET" relative to the fixture folder; run from there, as Kaldi would.
        let r = try runSeqlab(["inspect", "scp:float.scp", "text.scp"], currentDirectory: fixtures)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdoutText.hasPrefix("scp:float.scp: Kaldi archive (FM)\n  utterances: 4\n"), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("text.scp: Kaldi archive (text)\n  utterances: 3\n"), r.stdoutText)
    }

    func testCorruptFileGivesOneStderrLineAndFailure() throws {
        let dir = temporaryDirectory()
        let cut = dir.appendingPathComponent("cut.ark")
        try Data(contentsOf: fixtures.appendingPathComponent("float.ark")).prefix(100).write(to: cut)
        let good = fixtures.appendingPathComponent("text.ark").path
        let r = try runSeqlab(["inspect", cut.path, good])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "seqlab inspect: \(cut.path): byte 89 (record \"utt-2\"): matrix 7×5 needs 140 bytes of data but the file has only 11 left (truncated?)\n")
        // The good file after the bad one is still summarised.
        XCTAssertTrue(r.stdoutText.contains("\(good): Kaldi archive"), r.stdoutText)

        let notOurs = try runSeqlab(["inspect", fixtures.appendingPathComponent("expected.txt").path])
        XCTAssertNotEqual(notOurs.status, 0)
        XCTAssertTrue(notOurs.stderr.hasSuffix("expected.txt: not a file seqlab knows (expected a Kaldi archive, a safetensors file, audio libsndfile reads, pen strokes, an ARPA model, a train --log file, a front-end config, a grid map, or a Kaldi text, ctm, utt2spk, spk2utt, wav.scp or segments whose lines start with unique utterance keys)\n"), notOurs.stderr)
    }
}

final class InspectInputTests: XCTestCase {
    /// A UNIPEN data file whose ink is in includes: read with --include-root as extract reads it;
    /// without it, the one line says to give it; an include file itself is pen data without segments.
    func testUNIPENDataFileWithIncludeRootAndAnIncludeFile() throws {
        let unipen = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/unipen")
        let data = unipen.appendingPathComponent("data/a.dat").path
        let rooted = try runSeqlab(["inspect", "--include-root", unipen.appendingPathComponent("include").path, data])
        XCTAssertEqual(rooted.status, 1, "the fixture's four bad segments")
        XCTAssertTrue(rooted.stdoutText.split(separator: "\n").contains("  samples: 7 (4 rejected)"), rooted.stdoutText)
        let unrooted = try runSeqlab(["inspect", data])
        XCTAssertEqual(unrooted.status, 1)
        XCTAssertEqual(unrooted.stderr.split(separator: "\n").count, 1, unrooted.stderr)
        XCTAssertTrue(unrooted.stderr.hasPrefix("seqlab inspect: \(data): line 2: .INCLUDE ink/a.dat: cannot read ")
                      && unrooted.stderr.hasSuffix("; give --include-root DIR for the UNIPEN include folder\n"), unrooted.stderr)
        let include = unipen.appendingPathComponent("include/ink/a.dat").path
        let ink = try runSeqlab(["inspect", include])
        XCTAssertEqual(ink.status, 0, ink.stderr)
        XCTAssertEqual(ink.stdoutText.split(separator: "\n").map(String.init),
                       ["\(include): UNIPEN pen data without segments (an include file: inspect or extract the data file whose segments name it, with --include-root)",
                        "  .PEN_DOWN blocks: 4"])
    }

    func testPenStrokeFileSummary() throws {
        let path = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/pendigits.tra").path
        let r = try runSeqlab(["inspect", path])
        // The fixture's .INCLUDE of dene.doc is missing (as in the real file): a warning naming
        // --include-root, once; no sample is rejected, so the exit status is 0 (as extract strokes).
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("pendigits.tra: line 1: .INCLUDE dene.doc: cannot read "), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("dene.doc; give --include-root DIR for the UNIPEN include folder\n"), r.stderr)
        XCTAssertTrue(r.stdoutText.contains(": pen strokes"), r.stdoutText)
        // The fixture holds two segments ("7": one stroke of 3 points; "4": two strokes, 3 + 2 points).
        for line in ["  samples: 2", "  strokes: 3", "  points: 8", "  labels: \"7\", \"4\""] {
            XCTAssertTrue(r.stdoutText.split(separator: "\n").contains { $0 == line }, "\(line) in\n\(r.stdoutText)")
        }
    }

    /// The Kaldi lists seqlab reads and writes, each told apart by its lines: a text, a ctm whose
    /// lines are out of time order, an utt2spk and an spk2utt (utterance ids starting with their
    /// speaker's), a wav.scp with a missing file, key-word lines that could be either, and segments.
    func testSummarisesKaldiLists() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("a.wav")
        try wavBytes(samples: [Int16](repeating: 100, count: 800), rate: 8000).write(to: wav)
        let files = try [
            ("text", "spk1_u1 yes no yes\nspk1_u2\nspk2_u1 no\n"),
            ("hyp.ctm", "spk1_u1 1 9.00 0.50 no 0.9\nspk1_u1 1 10.00 0.25 yes 0.8\nspk1_u1 1 2.00 0.50 yes\nspk2_u1 1 0.50 0.50 no 1\n"),
            ("utt2spk", "spk1_u1 spk1\nspk1_u2 spk1\nspk2_u1 spk2\n"),
            ("spk2utt", "spk1 spk1_u1 spk1_u2\nspk2 spk2_u1\n"),
            ("wav.scp", "spk1_u1 a.wav\nspk1_u2 missing.wav\nspk2_u1 \(wav.path)\n"),
            ("words", "u1 yes\nu2 no\nu3 no\n"),
            ("segments", "rec1-a rec1 0.00 1.50\nrec1-b rec1 1.50 4.25\nrec2-a rec2 0.5 -1\n"),
        ].map { try writeTextFile($0.1, $0.0, in: dir) }
        let r = try runSeqlab(["inspect"] + files, currentDirectory: dir)
        XCTAssertEqual(r.status, 1, "the missing audio")
        XCTAssertEqual(r.stderr, "seqlab inspect: \(files[4]): line 2: missing.wav: no such audio file\n")
        XCTAssertEqual(r.stdoutText, """
            \(files[0]): Kaldi text
              utterances: 3 (1 empty)
              tokens: 4 (2 distinct)
              alphabet: 5 characters

            \(files[1]): ctm
              utterances: 2
              tokens: 4 (2 distinct)
              time span: 0.50–10.25 s (longest utterance 8.25 s)

            \(files[2]): utt2spk
              utterances: 3
              speakers: 2
              utterances per speaker: 1–2

            \(files[3]): spk2utt
              speakers: 2
              utterances: 3
              utterances per speaker: 1–2

            \(files[4]): wav.scp
              entries: 3
              audio files found: 2
              audio files missing: 1

            \(files[5]): KEY VALUE list, a one-word-per-utterance text or an utt2spk (the content does not tell which)
              keys: 3
              distinct values: 2

            \(files[6]): segments
              utterances: 3
              recordings: 2
              duration: 4.25 s (and 1 to the end of the recording)

            """)
        // A ctm with a bad line: the ctm reader's error naming it.
        let bad = try writeTextFile("u1 1 0.10 0.10 a 1.5\nu1 1 0.20 0.10 b 0.9\n", "bad.ctm", in: dir)
        let badCTM = try runSeqlab(["inspect", bad])
        XCTAssertEqual(badCTM.status, 1)
        XCTAssertEqual(badCTM.stderr, "seqlab inspect: \(bad): line 1: confidence \"1.5\" is not a number in [0, 1]\n")
        // Prose is no Kaldi list: its first words repeat, or are words, not utterance ids.
        let prose = try writeTextFile("The cat sat.\nThe dog ran.\n", "notes.txt", in: dir)
        let words = try writeTextFile("Cats sit.\nDogs run.\n", "more.txt", in: dir)
        for path in [prose, words] {
            let refused = try runSeqlab(["inspect", path])
            XCTAssertEqual(refused.status, 1)
            XCTAssertTrue(refused.stderr.contains(": not a file seqlab knows ("), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("or a Kaldi text, ctm, utt2spk, spk2utt, wav.scp or segments whose lines start with unique utterance keys)"), refused.stderr)
        }
    }

    /// A segments file with whole-number times (`seg1 rec1 0 3`) was called a Kaldi text: only
    /// times with a decimal point were taken for segments. Now whole numbers are too when no
    /// recording field is a number, or when the file is named `segments`; a text of digit labels
    /// (a number where the recording would be) stays a text.
    func testSegmentsWithWholeNumberTimes() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        let numbered = "u1 1001 0 3\nu2 1002 2 4\n"
        let files = try [
            ("segs", "seg1 rec1 0 3\nseg2 rec1 3 -1\nseg3 rec2 1 2.5\n"),
            ("digits.txt", "utt1 4 1 9\nutt2 3 2 5\n"),
            ("data/segments", numbered),
            ("numbered", numbered),
        ].map { try writeTextFile($0.1, $0.0, in: dir) }
        let r = try runSeqlab(["inspect"] + files)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, """
            \(files[0]): segments
              utterances: 3
              recordings: 2
              duration: 4.50 s (and 1 to the end of the recording)

            \(files[1]): Kaldi text
              utterances: 2
              tokens: 6 (6 distinct)
              alphabet: 6 characters

            \(files[2]): segments
              utterances: 2
              recordings: 2
              duration: 5.00 s

            \(files[3]): Kaldi text
              utterances: 2
              tokens: 6 (6 distinct)
              alphabet: 5 characters

            """)
    }

    /// A segments file with a channel (`u1 rec1 0.50 1.50 0`: decimal times, 5 fields) fits the ctm
    /// shape too, which was tried first: it was summarised as a ctm, even named `segments`. Now such
    /// lines are segments when a second field is a recording id rather than a channel, or the file
    /// is named `segments`; a ctm when every second field is a channel, a key repeats, or the file
    /// is named `*.ctm`.
    func testSegmentsWithAChannelAreNotTakenForACTM() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        let files = try [
            ("segs", "u1 rec1 0.50 1.50 0\nu2 rec1 1.50 2.75 1\n"),
            ("data/segments", "u1 1 0.50 1.50 0\nu2 2 1.50 2.75 1\n"),
            ("hyp", "u1 1 0.50 0.30 4\nu2 1 0.20 0.40 7\n"),
            ("sides", "sw1 A 0.50 0.30 4\nsw1 B 0.90 0.30 2\n"),
            ("named.ctm", "u1 rec1 0.50 1.50 0\nu2 rec1 1.50 2.75 1\n"),
        ].map { try writeTextFile($0.1, $0.0, in: dir) }
        let r = try runSeqlab(["inspect"] + files)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, """
            \(files[0]): segments
              utterances: 2
              recordings: 1
              duration: 2.25 s

            \(files[1]): segments
              utterances: 2
              recordings: 2
              duration: 2.25 s

            \(files[2]): ctm
              utterances: 2
              tokens: 2 (2 distinct)
              time span: 0.20–0.80 s (longest utterance 0.40 s)

            \(files[3]): ctm
              utterances: 1
              tokens: 2 (2 distinct)
              time span: 0.50–1.20 s (longest utterance 0.70 s)

            \(files[4]): ctm
              utterances: 2
              tokens: 2 (2 distinct)
              time span: 0.50–4.25 s (longest utterance 2.75 s)

            """)
    }

    /// inspect of a Kaldi list held every field of every line at once: about 20 times the file's
    /// size in memory (a 29 MB text of a million lines took 600 MB). The lines are now tallied as
    /// they are read: the peak resident size of a 100,000-line text and of a wav.scp of as many
    /// entries grows by less than 6 times the file's size over that of a ten-line one (it grew by
    /// 20 and 10 times; now by about 4 and 1.3 times), and the summaries are those of the whole files.
    func testLargeListsAreSummarisedWithoutHoldingTheirFields() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func lines(_ count: Int, wav: Bool) -> String {
            (0..<count).map { i in
                let key = "spk\(i % 50)_utt\(100_000 + i)"
                return wav ? "\(key) corpus/spk\(i % 50)/\(100_000 + i).wav\n" : "\(key) \((0...(i % 5 + 2)).map { String((i * 7 + $0) % 10) }.joined(separator: " "))\n"
            }.joined()
        }
        /// Peak resident size in bytes of `seqlab inspect PATH`, and its stdout.
        func peak(_ path: String) throws -> (bytes: Int, output: String) {
            let script = """
                import resource, subprocess, sys
                r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
                print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
                print(r.stdout, end="")
                """
            let r = try runPython3(["-c", script, seqlabBinary().path, "inspect", path])
            XCTAssertEqual(r.status, 0, r.output)
            let split = r.output.split(separator: "\n", maxSplits: 1)
            return (Int(split[0]) ?? 0, split.count > 1 ? String(split[1]) : "")
        }
        for wav in [false, true] {
            let name = wav ? "wav.scp" : "text"
            let small = try writeTextFile(lines(10, wav: wav), "small-" + name, in: dir)
            let large = try writeTextFile(lines(100_000, wav: wav), name, in: dir)
            let size = try FileManager.default.attributesOfItem(atPath: large)[.size] as! Int
            let (base, _) = try peak(small)
            let (bytes, output) = try peak(large)
            XCTAssertLessThan(bytes - base, 6 * size, "\(name): \(bytes) bytes at the peak, \(base) for ten lines, for a file of \(size)")
            XCTAssertEqual(output, wav
                ? "\(large): wav.scp\n  entries: 100000\n  audio files found: 0\n  audio files missing: 100000\n"
                : "\(large): Kaldi text\n  utterances: 100000\n  tokens: 500000 (10 distinct)\n  alphabet: 10 characters\n")
        }
    }

    func testUnknownFileIsAnError() throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("notes.txt").path
        try "just some words\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["inspect", path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("notes.txt: not a file seqlab knows"), r.stderr)
    }

    /// README: an scp entry naming a missing archive or a bad offset is skipped (reported, exit
    /// status 1) and the other entries are read, by inspect and train as by decode and cmvn.
    func testBadScpEntriesAreReportedAndTheOthersRead() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (feats, text, matrices) = try writeLabelTask(in: dir)
        let ark = dir.appendingPathComponent("g.ark").path, good = dir.appendingPathComponent("g.scp").path
        let copy = try runSeqlab(["cmvn", "--cmvn", "none", feats, "-o", "ark,scp:\(ark),\(good)"])
        XCTAssertEqual(copy.status, 0, copy.stderr)
        var lines = try String(contentsOfFile: good, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.insert("bad1 \(dir.appendingPathComponent("missing.ark").path):10", at: 3)
        lines.insert("bad2 \(ark):99999999", at: 7)
        let scp = dir.appendingPathComponent("bad.scp").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: scp, atomically: true, encoding: .utf8)
        let problems = [
            "\(scp): line 4: key \"bad1\": \(dir.appendingPathComponent("missing.ark").path): cannot open for reading: No such file or directory",
            "\(scp): line 8: offset 99999999 is past the end of \(ark) (",
        ]
        let inspect = try runSeqlab(["inspect", scp])
        XCTAssertEqual(inspect.status, 1, inspect.stderr)
        XCTAssertTrue(inspect.stdoutText.contains("utterances: \(matrices.count)\n"), inspect.stdoutText)
        let inspectLines = inspect.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(inspectLines.count, 2, inspect.stderr)
        for (line, problem) in zip(inspectLines, problems) { XCTAssertTrue(line.hasPrefix("seqlab inspect: \(problem)"), line) }
        let model = dir.appendingPathComponent("m.safetensors").path
        let train = try runSeqlab(["train", "--feats", scp, "--text", text, "--tokens", "words", "--hidden", "4", "--epochs", "1",
                                   "--threads", "1", "--valid-fraction", "0", "--quiet", "-o", model])
        XCTAssertEqual(train.status, 1, train.stderr)
        let trainLines = train.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(trainLines.count, 3, train.stderr)
        for (line, problem) in zip(trainLines, problems) { XCTAssertTrue(line.hasPrefix("seqlab train: warning: \(problem)"), line) }
        XCTAssertEqual(trainLines.last, "seqlab train: 2 utterance(s) were skipped (see the warnings above)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: model))
    }
}
