// `seqlab extract strokes` through the built binary: archives, Kaldi text, errors and exit codes.
import XCTest
import Foundation
import Formats
import TestSupport

final class ExtractStrokesTests: XCTestCase {
    /// Runs `seqlab extract strokes ARGS`.
    func extractStrokes(_ args: [String], stdin: Data = Data()) throws -> ProcessResult {
        try runSeqlab(["extract", "strokes"] + args, stdin: stdin)
    }

    /// Parses a binary Kaldi archive of float matrices (`key ␠ \0B FM ␠ \4 rows \4 cols data`).
    func parseBinaryArk(_ d: Data) throws -> [(key: String, rows: Int, cols: Int, data: [Float])] {
        let b = [UInt8](d)
        var i = 0, out: [(String, Int, Int, [Float])] = []
        func int32(at j: Int) -> Int { Int(Int32(littleEndian: b[j..<(j + 4)].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })) }
        while i < b.count {
            guard let space = b[i...].firstIndex(of: 32), space + 15 <= b.count else { throw NSError(domain: "truncated ark", code: 1) }
            let key = String(decoding: b[i..<space], as: UTF8.self)
            var j = space + 1
            guard Array(b[j..<(j + 6)]) == [0, 66, 70, 77, 32, 4] else { throw NSError(domain: "ark header of \(key)", code: 2) }
            j += 6
            let rows = int32(at: j); j += 4
            XCTAssertEqual(b[j], 4); j += 1
            let cols = int32(at: j); j += 4
            guard rows >= 0, cols >= 0, j + 4 * rows * cols <= b.count else { throw NSError(domain: "truncated ark data", code: 3) }
            let floats = (0..<(rows * cols)).map { k in
                Float(bitPattern: UInt32(littleEndian: b[(j + 4 * k)..<(j + 4 * k + 4)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
            }
            out.append((key, rows, cols, floats))
            i = j + 4 * rows * cols
        }
        return out
    }

    func testPenTextSquareToBinaryArkAndCharacterText() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pen = dir.appendingPathComponent("shapes.pen")
        try """
        id square
        label a b
        y up
        10 5
        12 5
        12 7
        10 7
        10 5
        ---
        id line
        label l
        0 0
        0 30
        """.write(to: pen, atomically: true, encoding: .utf8)
        let text = dir.appendingPathComponent("text")
        let r = try extractStrokes([pen.path, "--text-out", text.path, "--tokens", "chars", "--direction", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let ark = try parseBinaryArk(r.stdout)
        XCTAssertEqual(ark.map(\.key), ["square", "line"])
        guard ark.count == 2 else { return }
        XCTAssertEqual(ark[0].rows, 5)
        XCTAssertEqual(ark[0].cols, 5)
        let s = Float(1 / 2.0.squareRoot())
        // Unit square counter-clockwise: Δx Δy eos cos sin (hand-computed).
        assertClose(ark[0].data, [0, 0, 0, 1, 0,  1, 0, 0, s, s,  0, 1, 0, -s, s,  -1, 0, 0, -s, -s,  0, -1, 1, 0, -1], absolute: 1e-6)
        // Pen text y grows downwards by default: the line runs to −y after normalisation.
        assertClose(ark[1].data, [0, 0, 0, 0, -1,  0, -1, 1, 0, -1], absolute: 1e-6)
        XCTAssertEqual(try String(contentsOf: text, encoding: .utf8), "square a <space> b\nline l\n")
    }

    func testFileScaleUsesEachFilesTypicalHeight() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let both = dir.appendingPathComponent("both.pen"), alone = dir.appendingPathComponent("alone.pen")
        // A square 2 high (5 points) and a line 30 high (2 points): the point-weighted median height is 2.
        try "id square\nlabel a\ny up\n10 5\n12 5\n12 7\n10 7\n10 5\n---\nid line\nlabel l\n0 0\n0 30\n"
            .write(to: both, atomically: true, encoding: .utf8)
        try "id single\nlabel l\n0 0\n0 30\n".write(to: alone, atomically: true, encoding: .utf8)
        let r = try extractStrokes([both.path, alone.path, "--scale", "file", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let ark = try parseBinaryArk(r.stdout)
        XCTAssertEqual(ark.map(\.key), ["square", "line", "single"])
        guard ark.count == 3 else { return }
        assertClose(ark[0].data, [0, 0, 0,  1, 0, 0,  0, 1, 0,  -1, 0, 0,  0, -1, 1], absolute: 1e-6)
        assertClose(ark[1].data, [0, 0, 0,  0, -15, 1], absolute: 1e-6, "the line keeps its size beside the square")
        assertClose(ark[2].data, [0, 0, 0,  0, -1, 1], absolute: 1e-6, "alone in its file: its own height")
    }

    func testUNIPENWithRejectionsResamplingAndTextArk() throws {
        let fixtures = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/unipen")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("text"), out = dir.appendingPathComponent("feats.txt")
        let r = try extractStrokes([fixtures.appendingPathComponent("data/a.dat").path,
                               "--include-root", fixtures.appendingPathComponent("include").path, "--format", "unipen",
                               "--text-ark", "-o", out.path, "--text-out", text.path, "--resample", "0.1"])
        XCTAssertEqual(r.status, 1, "rejected segments make the exit status 1")
        XCTAssertEqual(r.stdout.count, 0)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("a.dat: line ") }.count, 4, r.stderr)
        XCTAssertTrue(r.stderr.contains("7 samples"), r.stderr)
        let ark = try String(contentsOf: out, encoding: .utf8)
        XCTAssertEqual(ark.components(separatedBy: "[").count - 1, 7)
        XCTAssertTrue(ark.hasPrefix("a-0000"), String(ark.prefix(40)))
        let kaldiText = try String(contentsOf: text, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(kaldiText.count, 7)
        XCTAssertEqual(kaldiText[1], "a-0001 b c")
        XCTAssertEqual(kaldiText[2], "a-0002 say \"hi\" \\o/")
    }

    /// Eight zig-zags and loops (`extractZigZagsAndLoops`) and a 1×6 BLSTM trained on them for two
    /// epochs with their stroke front end: the archive and the model.
    func trainTinyPenModel(in dir: URL) throws -> (ark: URL, model: URL) {
        let (ark, text, conf) = try extractZigZagsAndLoops(8, in: dir)
        let model = dir.appendingPathComponent("m.safetensors")
        let train = try runSeqlab(["train", "--feats", ark.path, "--text", text.path, "--frontend", conf.path, "--hidden", "6",
                                   "--epochs", "2", "--batch-size", "4", "--threads", "1", "--quiet", "-o", model.path])
        XCTAssertEqual(train.status, 0, train.stderr)
        return (ark, model)
    }

    /// Writes `count` samples in the pen text format to `dir` ("v" a down-up zig-zag, "o" a square
    /// loop, in turn, each slightly jittered) and extracts them with direction and curvature:
    /// the archive, the labels and the front-end config, ready for `train`.
    func extractZigZagsAndLoops(_ count: Int, in dir: URL) throws -> (ark: URL, text: URL, conf: URL) {
        let pen = (0..<count).map { i in
            let j = Double(i % 4) * 0.3
            let points = i % 2 == 0 ? [(0.0, 0.0), (1 + j, -2.0), (2.0, 0.0 + j)] : [(0.0, 0.0), (2.0, 0.0), (2.0 + j, 2.0), (0.0, 2.0), (0.0, j)]
            return "id s\(i)\nlabel \(i % 2 == 0 ? "v" : "o")\ny up\n" + points.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n---\n"
        }.joined()
        let input = dir.appendingPathComponent("s.pen"), text = dir.appendingPathComponent("text")
        let conf = dir.appendingPathComponent("strokes.conf"), ark = dir.appendingPathComponent("s.ark")
        try pen.write(to: input, atomically: true, encoding: .utf8)
        let x = try extractStrokes([input.path, "--text-out", text.path, "--direction", "--curvature", "--resample", "0.25",
                                    "--write-config", conf.path, "-o", ark.path, "--quiet"])
        XCTAssertEqual(x.status, 0, x.stderr)
        return (ark, text, conf)
    }

    /// extract strokes | train with --pen-rotation/--pen-slant/--pen-scale: the flags reach the
    /// training (the model differs from a run without them), and need a stroke front end.
    func testTrainWithPenDistortionThroughTheBinary() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (ark, text, conf) = try extractZigZagsAndLoops(12, in: dir)
        func train(_ name: String, _ extra: [String]) throws -> (ProcessResult, Data?) {
            let model = dir.appendingPathComponent(name).path
            let r = try runSeqlab(["train", "--feats", ark.path, "--text", text.path, "--hidden", "6", "--epochs", "2",
                                   "--batch-size", "4", "--threads", "1", "--valid-fraction", "0.25", "--quiet", "-o", model] + extra)
            return (r, FileManager.default.contents(atPath: model))
        }
        let penFlags = ["--pen-rotation", "8", "--pen-slant", "0.3", "--pen-scale", "0.15"]
        let (plain, plainModel) = try train("plain.safetensors", ["--frontend", conf.path])
        let (a, aModel) = try train("a.safetensors", ["--frontend", conf.path] + penFlags)
        let (b, bModel) = try train("b.safetensors", ["--frontend", conf.path] + penFlags)
        for r in [plain, a, b] { XCTAssertEqual(r.status, 0, r.stderr) }
        XCTAssertNotNil(aModel)
        XCTAssertEqual(aModel, bModel, "same seed, same model")
        XCTAssertNotEqual(aModel, plainModel, "the pen flags changed the training")
        let summary = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("a.safetensors").path).metadata["seqlab.training"] ?? ""
        XCTAssertTrue(summary.contains(#""pen_distortion":{"rotation_degrees":8,"scale":0.15,"slant":0.3}"#), summary)
        XCTAssertFalse(try SafeTensorsFile(contentsOf: dir.appendingPathComponent("plain.safetensors").path).metadata["seqlab.training"]!.contains("pen_distortion"))
        let (refused, refusedModel) = try train("refused.safetensors", penFlags)
        XCTAssertEqual(refused.status, 64, "a command line that cannot work")
        XCTAssertTrue(refused.stderr.contains("need a stroke front end"), refused.stderr)
        XCTAssertNil(refusedModel)
        let (outOfRange, _) = try train("range.safetensors", ["--frontend", conf.path, "--pen-scale", "1.5"])
        XCTAssertEqual(outOfRange.status, 64, "a range of the command line")
        XCTAssertTrue(outOfRange.stderr.contains("--pen-scale 1.5 is outside 0 ..< 1"), outOfRange.stderr)
    }

    /// label and plot posteriors read stroke files as extract strokes does: a bad sample is
    /// reported and the file's other samples are labelled; UNIPEN includes resolve against
    /// --include-root; two files of one name get the keys extract gives them; pen text with CR LF
    /// line ends reads as with LF.
    func testLabelAndPlotPosteriorsReadStrokeFilesAsExtractDoes() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, model) = try trainTinyPenModel(in: dir)
        func keys(_ r: ProcessResult) -> [String] { r.stdoutText.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") } }
        let v = "label v\ny up\n0 0\n1 -2\n2 0\n---\n", o = "label o\ny up\n0 0\n2 0\n2 2\n0 2\n0 0\n---\n"
        let bad = dir.appendingPathComponent("bad.pen")
        try (v + "label o\n1 banana\n---\n" + o).write(to: bad, atomically: true, encoding: .utf8)   // line 8 is bad
        let labelled = try runSeqlab(["label", "-m", model.path, "--jobs", "1", "--quiet", bad.path])
        XCTAssertEqual(labelled.status, 1)
        XCTAssertEqual(keys(labelled), ["bad-0000", "bad-0002"], labelled.stdoutText)
        XCTAssertEqual(labelled.stderr.split(separator: "\n").count, 1, labelled.stderr)
        XCTAssertTrue(labelled.stderr.contains("bad.pen: line 8: expected a point"), labelled.stderr)
        let svg = dir.appendingPathComponent("p.svg")
        let plotted = try runSeqlab(["plot", "posteriors", "-m", model.path, bad.path, "--key", "bad-0002", "-o", svg.path])
        XCTAssertEqual(plotted.status, 1)
        XCTAssertTrue(plotted.stderr.contains("bad.pen: line 8"), plotted.stderr)
        XCTAssertTrue(try String(contentsOf: svg, encoding: .utf8).contains("bad-0002: posteriors"))
        // An empty file is said to be empty, not "no pen samples" of a stroke reader.
        let empty = dir.appendingPathComponent("e.ark")
        try Data().write(to: empty)
        let nothing = try runSeqlab(["plot", "posteriors", "-m", model.path, empty.path])
        XCTAssertEqual(nothing.status, 1)
        XCTAssertEqual(nothing.stderr, "seqlab plot posteriors: \(empty.path): the file is empty; expected a Kaldi archive, or an audio or pen-stroke file\n")

        for sub in ["d1", "d2"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
            try (v + o).write(to: dir.appendingPathComponent("\(sub)/x.pen"), atomically: true, encoding: .utf8)
        }
        let twice = try runSeqlab(["label", "-m", model.path, "--jobs", "1", "--quiet",
                                   dir.appendingPathComponent("d1/x.pen").path, dir.appendingPathComponent("d2/x.pen").path])
        XCTAssertEqual(twice.status, 0, twice.stderr)
        XCTAssertEqual(keys(twice), ["d1-x-0000", "d1-x-0001", "d2-x-0000", "d2-x-0001"], twice.stdoutText)
        let crlf = dir.appendingPathComponent("crlf.pen")
        try (v + o).replacingOccurrences(of: "\n", with: "\r\n").write(to: crlf, atomically: true, encoding: .utf8)
        let windows = try runSeqlab(["label", "-m", model.path, "--jobs", "1", "--quiet", crlf.path])
        XCTAssertEqual(windows.status, 0, windows.stderr)
        XCTAssertEqual(windows.stdoutText.replacingOccurrences(of: "crlf-", with: "d1-x-"),
                       twice.stdoutText.split(separator: "\n").prefix(2).map { $0 + "\n" }.joined())

        let fixtures = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/unipen")
        let unipen = try runSeqlab(["label", "-m", model.path, "--jobs", "1", "--quiet", "--include-root",
                                    fixtures.appendingPathComponent("include").path, fixtures.appendingPathComponent("data/a.dat").path])
        XCTAssertEqual(unipen.status, 1, "the fixture's rejected segments")
        XCTAssertEqual(keys(unipen).count, 7, unipen.stdoutText)
        XCTAssertEqual(unipen.stderr.split(separator: "\n").filter { $0.contains("a.dat: line ") }.count, 4, unipen.stderr)
    }

    /// Input quoted in errors cannot reach the terminal as control bytes, and audio where pen
    /// strokes are expected is named as audio on one line, by extract strokes, label and plot posteriors.
    func testControlBytesAreEscapedAndAudioIsNamed() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let esc = dir.appendingPathComponent("esc.pen")
        try Data("abc\u{1B}[2J\u{1B}[31mRED\u{07}\n".utf8).write(to: esc)
        let escaped = try extractStrokes([esc.path, "-o", dir.appendingPathComponent("o.ark").path, "--quiet"])
        XCTAssertEqual(escaped.status, 1)
        XCTAssertFalse(escaped.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, escaped.stderr)
        XCTAssertTrue(escaped.stderr.contains("found 'abc\\x1B[2J\\x1B[31mRED\\x07'"), escaped.stderr)

        let (_, model) = try trainTinyPenModel(in: dir)
        let wav = packageRoot.appendingPathComponent("data/samples/sample01_41918.wav").path
        let expected = "\(wav): the file is audio (WAV); expected pen strokes (UNIPEN, IAM-OnDB XML or pen text)"
        for (command, args) in [("extract strokes", ["extract", "strokes", wav, "-o", dir.appendingPathComponent("o.ark").path, "--quiet"]),
                                ("label", ["label", "-m", model.path, "--quiet", wav]),
                                ("plot posteriors", ["plot", "posteriors", "-m", model.path, wav, "-o", dir.appendingPathComponent("p.svg").path])] {
            let r = try runSeqlab(args)
            XCTAssertEqual(r.status, 1, command)
            XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), "seqlab \(command): \(expected)", command)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, command == "extract strokes" ? 2 : 1, "\(command): \(r.stderr)")
        }
        // plot posteriors without --key on a file whose samples are all rejected: only their lines.
        let plotted = try runSeqlab(["plot", "posteriors", "-m", model.path, esc.path, "-o", dir.appendingPathComponent("p.svg").path])
        XCTAssertEqual(plotted.status, 1)
        XCTAssertEqual(plotted.stderr.split(separator: "\n").count, 1, plotted.stderr)
        XCTAssertTrue(plotted.stderr.contains("esc.pen: line 1: expected a point"), plotted.stderr)
    }

    /// Smaller promises of extract strokes: --resample 0 keeps the recorded points (as the config's
    /// --resample-step=0), --scale resolution says when a file gives no resolution, a config for
    /// extract audio is named as one, and --format shapes the message for a file without samples.
    func testExtractStrokesMessagesAndZeroResampling() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pen = dir.appendingPathComponent("p.pen")
        try "label v\n0 0\n1 2\n2 0\n".write(to: pen, atomically: true, encoding: .utf8)
        let plain = try extractStrokes([pen.path, "--text-ark", "--quiet"])
        let zero = try extractStrokes([pen.path, "--text-ark", "--quiet", "--resample", "0"])
        XCTAssertEqual(zero.status, 0, zero.stderr)
        XCTAssertEqual(zero.stdout, plain.stdout)
        let resolution = try extractStrokes([pen.path, "--text-ark", "--quiet", "--scale", "resolution"])
        XCTAssertEqual(resolution.status, 0, resolution.stderr)
        XCTAssertTrue(resolution.stderr.contains("p.pen: gives no resolution (.Y_POINTS_PER_INCH) for some samples; --scale resolution makes each of those its own height instead"),
                      resolution.stderr)
        let audioConf = packageRoot.appendingPathComponent("models/digits.conf").path
        let mixedUp = try extractStrokes([pen.path, "--config", audioConf, "--quiet"])
        XCTAssertEqual(mixedUp.status, 1)
        XCTAssertTrue(mixedUp.stderr.contains("this looks like a config for extract audio"), mixedUp.stderr)
        let forced = try extractStrokes([pen.path, "--format", "unipen", "-o", "/dev/null", "--quiet"])
        XCTAssertEqual(forced.status, 1)
        XCTAssertTrue(forced.stderr.contains("no pen samples found (expected UNIPEN .SEGMENT lines with pen data, as --format unipen says)"), forced.stderr)
    }

    /// decode --pen-variants through the binary: all-zero bounds give plain decoding's output,
    /// real bounds decode every utterance (the averaging itself: PenVariantDecodingTests); bad
    /// bounds, --stream and a model without a stroke front end are refused with one line.
    func testDecodeWithPenVariantsThroughTheBinary() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (ark, model) = try trainTinyPenModel(in: dir)
        func decode(_ extra: [String], _ m: String? = nil) throws -> ProcessResult {
            try runSeqlab(["decode", "-m", m ?? model.path, "--feats", ark.path, "--format", "ctm"] + extra)
        }
        let plain = try decode([])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let zero = try decode(["--pen-variants", "0,0,0"])
        XCTAssertEqual(zero.status, 0, zero.stderr)
        XCTAssertEqual(zero.stdout, plain.stdout)
        let varied = try decode(["--pen-variants", "10,0.3,0.2"])
        XCTAssertEqual(varied.status, 0, varied.stderr)
        XCTAssertEqual(Set(String(decoding: varied.stdout, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ")[0] }),
                       Set(String(decoding: plain.stdout, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ")[0] }))
        XCTAssertNotEqual(varied.stdout, plain.stdout, "the averaged posteriors change the confidences")
        for (flags, message) in [(["--pen-variants", "5,0.2"], "--pen-variants takes three numbers R,S,W"),
                                 (["--pen-variants", "5,x,0.1"], "--pen-variants takes three numbers R,S,W"),
                                 (["--pen-variants", "5,0.2,1.5"], "--pen-variants: width 1.5 is outside 0 ..< 1"),
                                 (["--pen-variants", "5,0.2,0.1", "--stream"], "--pen-variants averages passes over whole utterances")] {
            let r = try decode(flags)
            XCTAssertNotEqual(r.status, 0, "\(flags)")
            XCTAssertTrue(r.stderr.contains(message), "\(flags): \(r.stderr)")
            XCTAssertEqual(r.stdout, Data())
        }
        let audio = try decode(["--pen-variants", "5,0.2,0.1"], packageRoot.appendingPathComponent("models/digits.safetensors").path)
        XCTAssertEqual(audio.status, 1)
        XCTAssertTrue(audio.stderr.contains("--pen-variants distorts pen features, and the model's front end is not a stroke one"), audio.stderr)
        XCTAssertEqual(audio.stderr.split(separator: "\n").count, 1, audio.stderr)
    }

    func testConfigFileFlagsOverrideItAndWriteConfig() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pen = dir.appendingPathComponent("l.pen"), conf = dir.appendingPathComponent("in.conf"), out = dir.appendingPathComponent("out.conf")
        try "0 0\n0 1\n".write(to: pen, atomically: true, encoding: .utf8)
        try "--kind=strokes\n--direction=true\n--curvature=true\n--resample-step=0.5\n".write(to: conf, atomically: true, encoding: .utf8)
        let r = try extractStrokes([pen.path, "--config", conf.path, "--no-curvature", "--write-config", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let ark = try parseBinaryArk(r.stdout)
        XCTAssertEqual(ark.first?.cols, 5, "direction from the file, curvature turned off by the flag")
        XCTAssertEqual(ark.first?.rows, 3, "resampled every 0.5 of the height")
        let written = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(written.contains("--direction=true\n") && written.contains("--curvature=false\n") && written.contains("--resample-step=0.5\n"), written)
        let missingConfig = try extractStrokes([pen.path, "--config", out.path.replacingOccurrences(of: "out.conf", with: "missing.conf")])
        XCTAssertNotEqual(missingConfig.status, 0)
        XCTAssertTrue(missingConfig.stderr.contains("missing.conf"), missingConfig.stderr)
    }

    func testPendigitsWritersGoToUtt2spk() throws {
        let tra = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/pendigits.tra").path
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let utt2spk = dir.appendingPathComponent("utt2spk").path, text = dir.appendingPathComponent("text").path
        let r = try runSeqlab(["extract", "strokes", tra, "--text-out", text, "--utt2spk", utt2spk,
                               "-o", dir.appendingPathComponent("f.ark").path, "--quiet"])
        // The fixture's .INCLUDE of dene.doc is missing (as in the real file): a warning that names
        // --include-root; it rejects no sample, so the exit status is 0.
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("seqlab extract strokes: warning: ")
                      && r.stderr.contains("pendigits.tra: line 1: .INCLUDE dene.doc: cannot read ")
                      && r.stderr.hasSuffix("; give --include-root DIR for the UNIPEN include folder\n"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: utt2spk, encoding: .utf8), "pendigits-0000 12\npendigits-0001 26\n")
        XCTAssertEqual(try String(contentsOfFile: text, encoding: .utf8), "pendigits-0000 7\npendigits-0001 4\n")
    }

    /// The same file given twice, as "./x" beside "x", is read once, with a warning; the exit
    /// status stays 0 and the keys have no "." folder.
    func testAFileGivenTwiceIsReadOnce() throws {
        let fixtures = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures")
        let r = try runSeqlab(["extract", "strokes", "pendigits.tra", "./pendigits.tra", "--text-ark"], currentDirectory: fixtures)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.first, "seqlab extract strokes: warning: ./pendigits.tra: given twice (the same file as pendigits.tra); read once")
        XCTAssertEqual(lines.last, "seqlab extract strokes: 2 samples (8 frames × 3) from 1 file(s); 0 rejected, 0 file(s) failed")
        XCTAssertEqual(r.stdoutText.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map { String($0.prefix(while: { $0 != " " })) },
                       ["pendigits-0000", "pendigits-0001"])
        let dotted = try runSeqlab(["extract", "strokes", "./pendigits.tra", "--text-ark", "--quiet"], currentDirectory: fixtures)
        XCTAssertTrue(dotted.stdoutText.hasPrefix("pendigits-0000 "), dotted.stdoutText)
    }

    /// Samples whose file names no writer (pen text here) cannot be in utt2spk: a warning counts
    /// them and names the first, and the exit status stays 0.
    func testSamplesWithoutAWriterAreCountedForUtt2spk() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pen = try writeTextFile("id hello-1\nlabel hello\n0 0\n1 1\n---\nid hello-2\nlabel hi\n0 0\n1 2\n", "hello.pen", in: dir)
        let utt2spk = dir.appendingPathComponent("u.txt").path
        let alone = try extractStrokes([pen, "--utt2spk", utt2spk, "-o", dir.appendingPathComponent("f.ark").path, "--quiet"])
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertEqual(alone.stderr, "seqlab extract strokes: warning: 2 samples name no writer (first hello-1); --utt2spk lists only the 0 that do\n")
        XCTAssertEqual(try String(contentsOfFile: utt2spk, encoding: .utf8), "")
        // Beside the pendigits fixture, whose two samples name theirs.
        let tra = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/pendigits.tra").path
        let one = try writeTextFile("label x\n0 0\n1 1\n", "one.pen", in: dir)
        let mixed = try extractStrokes([tra, one, "--utt2spk", utt2spk, "-o", dir.appendingPathComponent("f.ark").path, "--quiet"])
        XCTAssertEqual(mixed.status, 0, mixed.stderr)
        XCTAssertEqual(mixed.stderr.split(separator: "\n").last,
                       "seqlab extract strokes: warning: 1 sample names no writer (first one-0000); --utt2spk lists only the 2 that do")
        XCTAssertEqual(try String(contentsOfFile: utt2spk, encoding: .utf8), "pendigits-0000 12\npendigits-0001 26\n")
        // Without --utt2spk, nothing is said.
        let quiet = try extractStrokes([pen, "-o", dir.appendingPathComponent("f.ark").path, "--quiet"])
        XCTAssertEqual(quiet.stderr, "")
    }

    /// A labels or utt2spk path that cannot be written stops the run before any work: no archive
    /// without its labels, and the outputs of an earlier run stay as they were.
    func testSideOutputsThatCannotBeWrittenStopTheRunBeforeTheArchive() throws {
        let tra = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/pendigits.tra").path
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ark = dir.appendingPathComponent("f.ark").path, text = dir.appendingPathComponent("text").path
        let nowhere = dir.appendingPathComponent("no/such/folder").path
        for (flag, bad) in [("--text-out", nowhere + "/text"), ("--utt2spk", nowhere + "/utt2spk")] {
            let r = try runSeqlab(["extract", "strokes", tra, flag, bad, "-o", ark, "--quiet"])
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("seqlab extract strokes: \(bad): cannot open for writing"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ark), "\(flag): the archive was written without it")
        }
        try "old archive".write(toFile: ark, atomically: true, encoding: .utf8)
        try "old text\n".write(toFile: text, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["extract", "strokes", tra, "--text-out", text, "--utt2spk", nowhere + "/u", "-o", ark, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try String(contentsOfFile: ark, encoding: .utf8), "old archive")
        XCTAssertEqual(try String(contentsOfFile: text, encoding: .utf8), "old text\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["f.ark", "text"],
                       "temporary files left behind")
    }

    func testBadArgumentsAndUnreadableFiles() throws {
        let missing = try extractStrokes(["no/such.pen", "--text-ark"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no/such.pen: no such file"), missing.stderr)
        let badStep = try extractStrokes(["x.pen", "--resample", "-1"])
        XCTAssertNotEqual(badStep.status, 0)
        XCTAssertTrue(badStep.stderr.contains("--resample"), badStep.stderr)
        // Standard input, format guessed from content.
        let stdin = try extractStrokes(["-", "--text-ark", "--quiet"], stdin: Data("label x\n1 2\n3 4\n".utf8))
        XCTAssertEqual(stdin.status, 0, stdin.stderr)
        XCTAssertTrue(stdin.stdoutText.hasPrefix("stdin-0000"), stdin.stdoutText)
        // --label names an IAM-OnDB file's one sample; pen text and UNIPEN label their own, so it is refused there.
        let labelled = try extractStrokes(["-", "--text-ark", "--quiet", "--label", "y"], stdin: Data("label x\n1 2\n3 4\n".utf8))
        XCTAssertEqual(labelled.status, 1)
        XCTAssertEqual(labelled.stdoutText, "")
        XCTAssertTrue(labelled.stderr.contains("stdin: a label is given for IAM-OnDB files only (one sample each); this pen-text file labels its own samples"),
                      labelled.stderr)
        let unipen = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/unipen")
        let labelledUnipen = try extractStrokes([unipen.appendingPathComponent("data/a.dat").path, "--include-root",
                                                 unipen.appendingPathComponent("include").path, "--label", "y", "--quiet"])
        XCTAssertEqual(labelledUnipen.status, 1)
        XCTAssertTrue(labelledUnipen.stderr.contains("a.dat: a label is given for IAM-OnDB files only (one sample each); this UNIPEN file"),
                      labelledUnipen.stderr)
    }
}
