// `seqlab plot` through the built binary: SVG files from archives, models, logs and audio; one-line errors.
import Formats
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Tensors
import TestSupport
import XCTest

final class PlotCommandTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A binary archive of `utterances` (key, T × D seeded normal features).
    func writeArchive(_ name: String, _ utterances: [(key: String, frames: Int)], dimension: Int, seed: UInt64 = 3) throws -> String {
        var g = SeededGenerator(seed: seed)
        let writer = try KaldiArchiveWriter(path: path(name))
        for u in utterances {
            try writer.write(key: u.key, matrix: Matrix(rows: u.frames, cols: dimension, data: (0..<(u.frames * dimension)).map { _ in Float(g.normal()) }))
        }
        try writer.close()
        return path(name)
    }

    /// Element names of a well-formed XML text (fails the test when it is not).
    func elementNames(_ data: Data, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        final class Names: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) { names.append(elementName) }
        }
        let parser = XMLParser(data: data), names = Names()
        parser.delegate = names
        XCTAssertTrue(parser.parse(), "not well-formed XML", file: file, line: line)
        return names.names
    }

    func testFeaturesOfOneUtteranceToAFileAndFromStdinToStdout() throws {
        let ark = try writeArchive("f.ark", [("u1", 4), ("u2", 6)], dimension: 3)
        let out = path("u2.svg")
        let r = try runSeqlab(["plot", "features", ark, "--key", "u2", "--frame-shift", "10", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.count, 0)
        let svg = try Data(contentsOf: URL(fileURLWithPath: out))
        let text = String(decoding: svg, as: UTF8.self)
        XCTAssertEqual(elementNames(svg).first, "svg")
        XCTAssertTrue(text.contains("<title>u2: features</title>"), text)
        XCTAssertTrue(text.contains("6 frames × 3 dimensions"), text)
        XCTAssertTrue(text.contains(">time (s)</text>"), text)

        // No --key: the first utterance; "-": the archive on stdin; the SVG on stdout.
        let piped = try runSeqlab(["plot", "features", "-", "--title", "a & b"], stdin: try Data(contentsOf: URL(fileURLWithPath: ark)))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertTrue(piped.stdoutText.contains("<title>a &amp; b</title>"), piped.stdoutText)
        XCTAssertTrue(piped.stdoutText.contains("4 frames × 3 dimensions"))
        XCTAssertTrue(piped.stdoutText.contains(">frame</text>"))
        XCTAssertGreaterThan(elementNames(piped.stdout).filter { $0 == "rect" }.count, 4)
    }

    func testBadInputGivesOneLineNamingTheFile() throws {
        let ark = try writeArchive("f.ark", [("u1", 4)], dimension: 3)
        let missing = try runSeqlab(["plot", "features", ark, "--key", "u9", "-o", path("x.svg")])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "seqlab plot features: \(ark): u9: no utterance with this key in the archive\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.svg")))

        let junk = path("junk.ark")
        try Data("u1 [ 1 2\n3 nan".utf8).write(to: URL(fileURLWithPath: junk))
        let bad = try runSeqlab(["plot", "features", junk])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.hasPrefix("seqlab plot features: \(junk): "), bad.stderr)

        // A value that cannot be drawn names its utterance, also when it is the first and no --key was given.
        let nan = path("nan.ark")
        try Data("u1 [ 1 2\n 3 4 ]\nu2 [ 1 2\n 3 nan ]\n".utf8).write(to: URL(fileURLWithPath: nan))
        for args in [[nan, "--key", "u2"], ["-", "-o", path("n.svg")]] {
            let r = try runSeqlab(["plot", "features"] + args, stdin: args[0] == "-" ? Data("u2 [ 1 2\n 3 nan ]\n".utf8) : Data())
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stderr, "seqlab plot features: \(args[0] == "-" ? "stdin" : nan): u2: the features have a non-finite value at frame 1, dimension 1\n")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("n.svg")))

        // Stroke files are named as such, with the commands that take them.
        let fixtures = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures")
        for (file, format) in [("pendigits.tra", "UNIPEN"), ("iam/a01-000u-01.xml", "IAM-OnDB XML")] {
            let strokes = fixtures.appendingPathComponent(file).path
            let r = try runSeqlab(["plot", "features", strokes, "-o", path("x.svg")])
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stderr, "seqlab plot features: \(strokes): holds pen strokes (\(format)), not features; plot ink draws it, extract strokes makes features\n")
        }
        // Audio: plot audio draws it.
        let wav = path("a.wav")
        try wavBytes(samples: toneSamples(hz: 440, seconds: 0.1, rate: 8000), rate: 8000).write(to: URL(fileURLWithPath: wav))
        let wavAsFeatures = try runSeqlab(["plot", "features", wav, "-o", path("x.svg")])
        XCTAssertEqual(wavAsFeatures.status, 1)
        XCTAssertEqual(wavAsFeatures.stderr, "seqlab plot features: \(wav): holds WAV audio, not features; plot audio draws its features through a front end, extract audio makes an archive of them\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.svg")))
        // An empty file is neither an archive nor a raw file for the model's front end.
        let empty = path("e.ark")
        try Data().write(to: URL(fileURLWithPath: empty))
        let nothing = try runSeqlab(["plot", "posteriors", "-m", packageRoot.appendingPathComponent("models/digits.safetensors").path, empty])
        XCTAssertEqual(nothing.status, 1)
        XCTAssertEqual(nothing.stderr, "seqlab plot posteriors: \(empty): the file is empty; expected a Kaldi archive, or an audio or pen-stroke file\n")

        let log = path("log.jsonl")
        try "{\"epoch\":1,\"trainLoss\":2}\n{\"epoch\":2}\n".write(toFile: log, atomically: true, encoding: .utf8)
        let training = try runSeqlab(["plot", "training", log])
        XCTAssertEqual(training.status, 1)
        XCTAssertTrue(training.stderr.hasPrefix("seqlab plot training: \(log): line 2: expected a JSON object"), training.stderr)
        XCTAssertEqual(training.stderr.split(separator: "\n").count, 1, training.stderr)

        let audio = try runSeqlab(["plot", "audio", path("nothing.wav")])
        XCTAssertEqual(audio.status, 1)
        XCTAssertTrue(audio.stderr.contains("nothing.wav"), audio.stderr)
    }

    func testTrainingCurvesFromALog() throws {
        let log = path("train-log.jsonl")
        try """
        {"epoch":1,"trainLoss":40.5,"validLoss":38,"validLabelErrorRate":0.9,"learningRate":0.01,"framesPerSecond":1,"seconds":1}
        {"epoch":2,"trainLoss":20.1,"validLoss":25,"validLabelErrorRate":0.4,"learningRate":0.01,"framesPerSecond":1,"seconds":1}
        {"epoch":3,"trainLoss":9.7,"validLoss":14,"validLabelErrorRate":0.2,"learningRate":0.005,"framesPerSecond":1,"seconds":1}

        """.write(toFile: log, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["plot", "training", log, "--log-scale", "-o", path("curves.svg")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try Data(contentsOf: URL(fileURLWithPath: path("curves.svg")))
        let text = String(decoding: svg, as: UTF8.self)
        XCTAssertEqual(elementNames(svg).filter { $0 == "polyline" }.count, 4)
        for label in ["training loss", "validation loss", "validation label error rate", "learning rate", "label error rate (%)"] {
            XCTAssertTrue(text.contains(">\(label)</text>"), label)
        }
        // The log on stdin: the same curves on stdout.
        let piped = try runSeqlab(["plot", "training", "-", "--log-scale"], stdin: try Data(contentsOf: URL(fileURLWithPath: log)))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(elementNames(piped.stdout).filter { $0 == "polyline" }.count, 4)
        XCTAssertTrue(piped.stdoutText.contains("<title>training: stdin</title>"), piped.stdoutText)
    }

    /// A 1-epoch model on a synthetic archive: its posteriors, and boxes where `seqlab decode` puts the tokens.
    func testPosteriorsAgreeWithBestPathDecoding() throws {
        let frames = 20
        let ark = try writeArchive("train.ark", [("s1", frames), ("s2", 16), ("s3", 12)], dimension: 5)
        let text = path("text"), model = path("m.safetensors")
        try "s1 a b\ns2 b a\ns3 a\n".write(toFile: text, atomically: true, encoding: .utf8)
        let train = try runSeqlab(["train", "--feats", ark, "--text", text, "--tokens", "words", "--hidden", "4", "--epochs", "1",
                                   "--valid-fraction", "0", "--threads", "1", "--quiet", "-o", model])
        XCTAssertEqual(train.status, 0, train.stderr)

        let r = try runSeqlab(["plot", "posteriors", "-m", model, ark, "-o", path("p.svg")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try Data(contentsOf: URL(fileURLWithPath: path("p.svg")))
        let names = elementNames(svg)
        let svgText = String(decoding: svg, as: UTF8.self)
        XCTAssertTrue(svgText.contains("<title>s1: posteriors of m.safetensors</title>"), svgText)
        XCTAssertEqual(names.filter { $0 == "polyline" }.count, 3)           // blank, a, b
        XCTAssertEqual(svgText.components(separatedBy: "class=\"cells\"").count, 2)   // the features above

        // The alignment band: one box per token of best-path decoding, starting at its first frame.
        let decode = try runSeqlab(["decode", "-m", model, "--beam", "1", "--format", "jsonl", "--feats", ark])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        let first = try XCTUnwrap(decode.stdoutText.split(separator: "\n").first)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        XCTAssertEqual(object["key"] as? String, "s1")
        let decodedTokens = try XCTUnwrap(object["tokens"] as? [String])
        let startFrames = try XCTUnwrap(object["start_frames"] as? [Int])
        let band = try XCTUnwrap(svgText.components(separatedBy: "<g class=\"alignment\">").last?.components(separatedBy: "</g>").first)
        let boxes = Array(band.components(separatedBy: "<rect ").dropFirst(2))   // the band's background first
        XCTAssertFalse(decodedTokens.isEmpty, "the seeded 1-epoch model decodes s1 to some tokens")
        XCTAssertEqual(boxes.count, decodedTokens.count, band)
        for (box, start) in zip(boxes, startFrames) {
            let x = Double(box.components(separatedBy: "x=\"")[1].prefix { $0 != "\"" })!
            XCTAssertEqual(x, 78 + Double(start) / Double(frames) * 900, accuracy: 0.02, box)
        }
        let tokens = band.components(separatedBy: "font-weight=\"bold\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
        XCTAssertEqual(tokens, decodedTokens)

        // Features of the wrong dimension: one line naming the archive and the utterance.
        let wide = try writeArchive("wide.ark", [("w1", 5)], dimension: 7)
        let bad = try runSeqlab(["plot", "posteriors", "-m", model, wide])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "seqlab plot posteriors: \(wide): w1: features have 7 dimensions, the model expects 5 (extract them with the model's front end: seqlab inspect MODEL shows it)\n")
    }

    /// Curves from `seqlab grid learn`, TSV and JSON lines, overlaid; a bad range is refused.
    func testGridLearningCurves() throws {
        let grid = packageRoot.appendingPathComponent("data/grids/cliff-walking.grid").path
        for (algorithm, file) in [("qlearning", "qlearning.tsv"), ("sarsa", "sarsa.jsonl")] {
            let learn = try runSeqlab(["grid", "learn", grid, "--algorithm", algorithm, "--episodes", "30", "--curve", path(file)])
            XCTAssertEqual(learn.status, 0, learn.stderr)
        }
        let r = try runSeqlab(["plot", "learning", path("qlearning.tsv"), path("sarsa.jsonl"), "--smooth", "5", "--return-range=-100,0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(elementNames(r.stdout).filter { $0 == "polyline" }.count, 4)
        XCTAssertTrue(r.stdoutText.contains(">qlearning</text>") && r.stdoutText.contains(">sarsa</text>"), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains(">return (mean of the last 5 episodes)</text>"))
        let bad = try runSeqlab(["plot", "learning", path("qlearning.tsv"), "--return-range", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--return-range needs LOW,HIGH"), bad.stderr)
    }

    /// A UNIPEN file of one two-stroke "7": one panel, both strokes; a missing id is one error line.
    func testInkOfAStrokeFile() throws {
        let file = path("seven.unp")
        try ".COORD X Y\n.PEN_DOWN\n0 0\n10 0\n10 20\n.PEN_UP\n.PEN_DOWN\n2 10\n8 10\n.PEN_UP\n.SEGMENT DIGIT 0-1 ? \"7\"\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["plot", "ink", file, "-o", path("seven.svg")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try Data(contentsOf: URL(fileURLWithPath: path("seven.svg")))
        XCTAssertEqual(elementNames(svg).filter { $0 == "polyline" }.count, 2)
        XCTAssertTrue(String(decoding: svg, as: UTF8.self).contains(">seven-0000, 2 strokes, 5 points</text>"))
        let missing = try runSeqlab(["plot", "ink", file, "--key", "nope"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "seqlab plot ink: \(file): nope: no sample with this id\n")
        // The pendigits fixture's missing dene.doc include is a warning: both digits drawn, exit 0.
        let pendigits = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/pendigits.tra").path
        let digits = try runSeqlab(["plot", "ink", pendigits, "-o", path("digits.svg")])
        XCTAssertEqual(digits.status, 0, digits.stderr)
        XCTAssertTrue(digits.stderr.hasPrefix("seqlab plot ink: warning: ")
                      && digits.stderr.hasSuffix("dene.doc; give --include-root DIR for the UNIPEN include folder\n"), digits.stderr)
        XCTAssertEqual(elementNames(try Data(contentsOf: URL(fileURLWithPath: path("digits.svg")))).filter { $0 == "polyline" }.count, 3)
    }

    func testAudioThroughAFrontEndConfig() throws {
        let wav = path("tone.wav"), conf = path("tone.conf")
        try wavBytes(samples: toneSamples(hz: 1000, seconds: 0.5, rate: 8000), rate: 8000).write(to: URL(fileURLWithPath: wav))
        try "--feature-type=fbank\n--sample-frequency=8000\n--num-mel-bins=12\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["plot", "audio", wav, "--config", conf])
        XCTAssertEqual(r.status, 0, r.stderr)
        // 0.5 s at 8 kHz, 25 ms frames every 10 ms: 1 + (4000 − 200) / 80 = 48 frames.
        XCTAssertTrue(r.stdoutText.contains("48 frames × 12 dimensions"), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains(">fbank bin</text>"))
        XCTAssertEqual(elementNames(r.stdout).first, "svg")

        // A model that stores this front end takes the WAV itself: the same 48 × 12 features.
        let ark = path("tone.ark"), text = path("text"), model = path("tone.safetensors")
        XCTAssertEqual(try runSeqlab(["extract", "audio", "--config", conf, wav, "-o", ark, "--quiet"]).status, 0)
        try "tone a\n".write(toFile: text, atomically: true, encoding: .utf8)
        let train = try runSeqlab(["train", "--feats", ark, "--text", text, "--tokens", "words", "--frontend", conf, "--hidden", "4",
                                   "--epochs", "1", "--valid-fraction", "0", "--threads", "1", "--quiet", "-o", model])
        XCTAssertEqual(train.status, 0, train.stderr)
        let fromWav = try runSeqlab(["plot", "posteriors", "-m", model, wav])
        let fromArk = try runSeqlab(["plot", "posteriors", "-m", model, ark])
        XCTAssertEqual(fromWav.status, 0, fromWav.stderr)
        XCTAssertEqual(fromArk.status, 0, fromArk.stderr)
        XCTAssertTrue(fromWav.stdoutText.contains("<title>tone: posteriors of tone.safetensors</title>"), fromWav.stdoutText)
        XCTAssertEqual(fromWav.stdout, fromArk.stdout)
    }
}
