// The whole loop through the built binary: extract | train until it overfits, then label, decode, score, align.
import Foundation
import Tensors
import TestSupport
import XCTest

final class LabellingPipelineTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Tone "words": label a, b or c is a 0.15 s tone at 500, 1300 or 2500 Hz; words are separated
    /// by 0.08 s of quiet noise. 16 utterances of 1–3 words at 8 kHz, seeded.
    func makeToneCorpus() throws -> (scp: String, text: String, expected: String) {
        var g = SeededGenerator(seed: 11)
        let rate = 8000, freqs = ["a": 500.0, "b": 1300.0, "c": 2500.0]
        var scp = "", text = ""
        for i in 0..<16 {
            let words = (0..<(1 + Int(g.next() % 3))).map { _ in ["a", "b", "c"][Int(g.next() % 3)] }
            var samples: [Int16] = []
            func quiet(_ seconds: Double) { for _ in 0..<Int(seconds * Double(rate)) { samples.append(Int16(60 * g.normal())) } }
            quiet(0.08)
            for w in words { samples += toneSamples(hz: freqs[w]!, seconds: 0.15, rate: rate); quiet(0.08) }
            let key = String(format: "tone%02d", i)
            let path = dir.appendingPathComponent(key + ".wav")
            try wavBytes(samples: samples, rate: rate).write(to: path)
            scp += "\(key) \(path.path)\n"
            text += "\(key) \(words.joined(separator: " "))\n"
        }
        let scpPath = dir.appendingPathComponent("wav.scp").path, textPath = dir.appendingPathComponent("text").path
        try scp.write(toFile: scpPath, atomically: true, encoding: .utf8)
        try text.write(toFile: textPath, atomically: true, encoding: .utf8)
        return (scpPath, textPath, text)
    }

    /// The tone corpus, its 12-bin fbank features, and a one-epoch 4-unit model with that front end
    /// (for tests that need a model, not a good one).
    func tinyToneModel() throws -> (corpus: (scp: String, text: String, expected: String), model: String) {
        let corpus = try makeToneCorpus()
        let conf = dir.appendingPathComponent("tones.conf").path
        try "--feature-type=fbank\n--sample-frequency=8000\n--num-mel-bins=12\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let feats = dir.appendingPathComponent("feats.ark").path, model = dir.appendingPathComponent("m.safetensors").path
        let extract = try runSeqlab(["extract", "audio", "--config", conf, "--scp", corpus.scp, "-o", feats, "--quiet"])
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let train = try runSeqlab(["train", "--feats", feats, "--text", corpus.text, "--tokens", "words", "--frontend", conf,
                                   "--hidden", "4", "--epochs", "1", "--valid-fraction", "0", "--quiet", "-o", model])
        XCTAssertEqual(train.status, 0, train.stderr)
        return (corpus, model)
    }

    /// The tone corpus, its fbank features with CMVN, and a 16-unit model trained on them until it
    /// overfits (60 epochs), with `options` added to the `train` command.
    func overfitToneModel(_ options: [String]) throws -> (corpus: (scp: String, text: String, expected: String), feats: String, model: String) {
        let corpus = try makeToneCorpus()
        let conf = dir.appendingPathComponent("tones.conf").path
        try "--feature-type=fbank\n--sample-frequency=8000\n--num-mel-bins=12\n--cmvn=meanvar\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let feats = dir.appendingPathComponent("feats.ark").path, model = dir.appendingPathComponent("tones.safetensors").path

        let extract = try runSeqlab(["extract", "audio", "--config", conf, "--scp", corpus.scp, "-o", feats, "--quiet"])
        XCTAssertEqual(extract.status, 0, extract.stderr)

        let train = try runSeqlab(["train", "--feats", feats, "--text", corpus.text, "--tokens", "words", "--frontend", conf,
                                   "--hidden", "16", "--epochs", "60", "--batch-size", "4", "--learning-rate", "0.02",
                                   "--valid-fraction", "0", "--seed", "3", "--quiet", "-o", model] + options, timeout: 300)
        XCTAssertEqual(train.status, 0, train.stderr)
        return (corpus, feats, model)
    }

    func testExtractTrainLabelDecodeScoreAlign() throws {
        let (corpus, feats, model) = try overfitToneModel(["--threads", "1"])

        // label: raw audio through the model's own front end gives the training labels back.
        let label = try runSeqlab(["label", "-m", model, "--scp", corpus.scp, "--jobs", "2", "--quiet"])
        XCTAssertEqual(label.status, 0, label.stderr)
        XCTAssertEqual(label.stdoutText, corpus.expected)

        // decode: the same through a pipe of features, with beam search and with best path.
        for beam in ["8", "1"] {
            let decode = try runSeqlab(["decode", "-m", model, "--beam", beam], stdin: try Data(contentsOf: URL(fileURLWithPath: feats)))
            XCTAssertEqual(decode.status, 0, decode.stderr)
            XCTAssertEqual(decode.stdoutText, corpus.expected, "beam \(beam)")
        }

        // score: no errors.
        let hyp = dir.appendingPathComponent("hyp").path
        try label.stdout.write(to: URL(fileURLWithPath: hyp))
        let score = try runSeqlab(["score", "--ref", corpus.text, "--hyp", hyp])
        XCTAssertEqual(score.status, 0, score.stderr)
        XCTAssertTrue(score.stdoutText.contains("%WER 0.00 ["), score.stdoutText)

        // align: one CTM line per word, inside the utterance, in order.
        let align = try runSeqlab(["align", "-m", model, "--feats", feats, "--text", corpus.text])
        XCTAssertEqual(align.status, 0, align.stderr)
        let words = corpus.expected.split(separator: "\n").reduce(0) { $0 + $1.split(separator: " ").count - 1 }
        let ctm = align.stdoutText.split(separator: "\n")
        XCTAssertEqual(ctm.count, words)
        XCTAssertTrue(ctm.allSatisfy { $0.split(separator: " ").count == 6 }, align.stdoutText)
        // On one thread (the directions one after the other) and on two (side by side) alike.
        for threads in ["1", "2"] {
            let again = try runSeqlab(["align", "-m", model, "--feats", feats, "--text", corpus.text, "--threads", threads])
            XCTAssertEqual(again.status, 0, again.stderr)
            XCTAssertEqual(again.stdoutText, align.stdoutText, "--threads \(threads)")
        }

        // inspect: the model says what it is and how to feed it; a WAV says its format.
        let inspect = try runSeqlab(["inspect", model, dir.appendingPathComponent("tone00.wav").path])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdoutText.contains("seqlab model: LSTM 16 bidirectional, peepholes, 12-dim input, 4 outputs"), inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("alphabet (3 + blank at 0, word tokens): a b c"), inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("front end (audio, 12 dims): --feature-type=fbank --sample-frequency=8000"), inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("sample rate: 8000 Hz"), inspect.stdoutText)
    }

    /// `train --precision bf16` (mixed precision, two threads: a direction each) learns the tones
    /// as float training does: labelling the training audio gives its labels back.
    func testMixedPrecisionTrainingLearnsTheTones() throws {
        let (corpus, _, model) = try overfitToneModel(["--threads", "2", "--precision", "bf16"])
        let label = try runSeqlab(["label", "-m", model, "--scp", corpus.scp, "--quiet"])
        XCTAssertEqual(label.status, 0, label.stderr)
        XCTAssertEqual(label.stdoutText, corpus.expected)
    }

    func testLabelReportsABadFileAndLabelsTheRest() throws {
        let (_, model) = try tinyToneModel()
        let bad = dir.appendingPathComponent("broken.wav").path
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: bad))
        let good = dir.appendingPathComponent("tone00.wav").path
        let r = try runSeqlab(["label", "-m", model, good, bad, dir.path + "/./tone00.wav", "--quiet"])
        XCTAssertEqual(r.status, 1, "the broken file")
        // The same file twice (here with a "./" in its path), as in extract: labelled once, the
        // second a warning.
        XCTAssertEqual(r.stdoutText.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }, ["tone00"])
        let errors = r.stderr.split(separator: "\n")
        XCTAssertEqual(errors.count, 2, r.stderr)
        XCTAssertEqual(errors[0], "seqlab label: warning: \(dir.path)/./tone00.wav: given twice (the same file as \(good)); read once")
        XCTAssertTrue(errors[1].contains("broken.wav"), r.stderr)
        // --verbose counts in the singular for one ("1 files" before).
        let one = try runSeqlab(["label", "-m", model, good, "--verbose"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stderr.hasPrefix("seqlab label: 1 file (0 failed), "), one.stderr)

        // decode refuses features of the wrong dimension, naming the utterance.
        let wide = dir.appendingPathComponent("wide.ark").path
        let conf2 = dir.appendingPathComponent("wide.conf").path
        try "--feature-type=fbank\n--sample-frequency=8000\n--num-mel-bins=20\n".write(toFile: conf2, atomically: true, encoding: .utf8)
        XCTAssertEqual(try runSeqlab(["extract", "audio", "--config", conf2, good, "-o", wide, "--quiet"]).status, 0)
        let d = try runSeqlab(["decode", "-m", model, "--feats", wide])
        XCTAssertEqual(d.status, 1)
        XCTAssertTrue(d.stderr.contains("tone00") && d.stderr.contains("features have 20 dimensions, the model expects 12"), d.stderr)
    }

    /// An archive made with another front end has the same wrong dimension in every utterance: decode
    /// and align report the first of each dimension in full and the rest on one line, and go on.
    func testManyUtterancesOfTheWrongDimensionAreSummarised() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        var g = SeededGenerator(seed: 5)
        func noise(_ rows: Int, _ cols: Int) -> Matrix { Matrix(rows: rows, cols: cols, data: (0..<(rows * cols)).map { _ in Float(g.normal()) }) }
        var records: [(String, Matrix)] = (0..<30).map { ("n\($0)", noise(20, 23)) }
        records.insert(("good", noise(30, 40)), at: 4)
        records.append(("thin", noise(20, 13)))
        let ark = dir.appendingPathComponent("wrong.ark").path
        try writeFeatureArchive(records, to: ark)
        let text = dir.appendingPathComponent("text").path
        try records.map { "\($0.0) 1\n" }.joined().write(toFile: text, atomically: true, encoding: .utf8)
        let expected = [
            "\(ark): n0: features have 23 dimensions, the model expects 40 (extract them with the model's front end: seqlab inspect MODEL shows it)",
            "\(ark): thin: features have 13 dimensions, the model expects 40 (extract them with the model's front end: seqlab inspect MODEL shows it)",
            "\(ark): and 29 more utterances with 23-dimensional features (the model expects 40), skipped as n0 above",
        ]
        for (command, extra) in [("decode", ["--jobs", "1"]), ("decode", ["--jobs", "2"]), ("align", ["--text", text])] {
            let r = try runSeqlab([command, "-m", model, "--feats", ark] + extra)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr, expected.map { "seqlab \(command): \($0)\n" }.joined(), "\(command) \(extra)")
            XCTAssertEqual(r.stdoutText.split(separator: "\n").count, 1, r.stdoutText)
            XCTAssertTrue(r.stdoutText.hasPrefix("good"), r.stdoutText)
        }
    }

    /// label --segments labels a Kaldi data directory's segments in one step: each segment as
    /// label labels a file holding exactly its samples, and as extract --segments | decode does;
    /// bad segments are reported and the others labelled, and --resume takes up segment by segment.
    func testLabelSegmentsCutsRecordingsAsExtractDoes() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let names = ["sample01_41918", "sample02_16564", "sample03_347"]
        let paths = names.map { packageRoot.appendingPathComponent("data/samples/\($0).wav").path }
        // The 16-bit samples of a canonical PCM WAV (its "data" chunk).
        func pcm(_ path: String) throws -> [Int16] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var at = 12
            while at + 8 <= bytes.count {
                let size = Int(bytes[at + 4]) | Int(bytes[at + 5]) << 8 | Int(bytes[at + 6]) << 16 | Int(bytes[at + 7]) << 24
                if bytes[at..<at + 4].elementsEqual("data".utf8) {
                    return stride(from: at + 8, to: at + 8 + size - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
                }
                at += 8 + size + size % 2
            }
            throw CocoaError(.fileReadCorruptFile)
        }
        let samples = try paths.map(pcm)
        // rec1: the first two digits back to back; rec2: the third alone.
        let rec1 = dir.appendingPathComponent("rec1.wav"), rec2 = dir.appendingPathComponent("rec2.wav")
        try wavBytes(samples: samples[0] + samples[1], rate: 8000).write(to: rec1)
        try wavBytes(samples: samples[2], rate: 8000).write(to: rec2)
        // The time (seconds) whose Int(t × 8000) is sample n, as extract-segments cuts.
        func time(_ n: Int) -> Double {
            var t = Double(n) / 8000
            while Int(t * 8000) < n { t = t.nextUp }
            return t
        }
        let scp = dir.appendingPathComponent("wav.scp").path, segments = dir.appendingPathComponent("segments").path
        try "r1 \(rec1.path)\nr2 \(rec2.path)\n".write(toFile: scp, atomically: true, encoding: .utf8)
        try """
        u1 r1 0 \(time(samples[0].count))
        u2 r1 \(time(samples[0].count)) -1
        short r2 0 0.05
        gone r9 0 1
        u3 r2 0 -1

        """.write(toFile: segments, atomically: true, encoding: .utf8)

        // Each whole digit file labelled on its own, keyed as the segments are.
        let whole = try runSeqlab(["label", "-m", model, "--jobs", "1"] + paths)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        var expected = whole.stdoutText
        for (name, key) in zip(names, ["u1", "u2", "u3"]) { expected = expected.replacingOccurrences(of: name + " ", with: key + " ") }
        XCTAssertEqual(expected.split(separator: "\n").map { $0.split(separator: " ")[0] }, ["u1", "u2", "u3"], expected)

        let r = try runSeqlab(["label", "-m", model, "--scp", scp, "--segments", segments, "--jobs", "2"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stdoutText, expected)
        XCTAssertEqual(r.stderr, """
        seqlab label: \(segments): line 3: segment "short" of "r2": 0.05 s of audio, not more than the 0.1 s a segment needs
        seqlab label: \(segments): line 4: segment "gone": recording "r9" is not in \(scp)

        """)

        // The same utterances through extract --segments and decode.
        let feats = dir.appendingPathComponent("seg.ark").path
        let extract = try runSeqlab(["extract", "audio", "--scp", scp, "--segments", segments, "--config", "models/digits.conf", "-o", feats, "--quiet"],
                                    currentDirectory: packageRoot)
        XCTAssertEqual(extract.status, 1, extract.stderr)
        let decode = try runSeqlab(["decode", "-m", model, "--feats", feats])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        XCTAssertEqual(decode.stdoutText, expected)

        // Written to a file, then continued: the labelled segments are skipped, the failed ones tried again.
        let out = dir.appendingPathComponent("labels.txt").path
        let first = try runSeqlab(["label", "-m", model, "--scp", scp, "--segments", segments, "-o", out, "--quiet"])
        XCTAssertEqual(first.status, 1, first.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), expected)
        let again = try runSeqlab(["label", "-m", model, "--scp", scp, "--segments", segments, "-o", out, "--resume"])
        XCTAssertEqual(again.status, 1, again.stderr)
        XCTAssertTrue(again.stderr.hasPrefix("seqlab label: continuing \(out): 3 segment(s) done before, 2 to label\n"), again.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), expected)
        // Another segments file is another input list: refused.
        try "u1 r1 0 -1\n".write(toFile: segments, atomically: true, encoding: .utf8)
        let other = try runSeqlab(["label", "-m", model, "--scp", scp, "--segments", segments, "-o", out, "--resume"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("input list"), other.stderr)

        let alone = try runSeqlab(["label", "-m", model, "--segments", segments, paths[0]])
        XCTAssertEqual(alone.status, 64, alone.stderr)
        XCTAssertTrue(alone.stderr.contains("--segments needs --scp"), alone.stderr)
    }

    /// align reads its transcripts as train reads labels: an empty file is one error, and a
    /// transcript whose utterance has no features is reported (exit status 1) after the others are aligned.
    func testAlignTreatsTranscriptsAsTrainTreatsLabels() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let feats = dir.appendingPathComponent("s.ark").path
        let extract = try runSeqlab(["extract", "audio", "--scp", "data/samples/wav.scp", "--config", "models/digits.conf", "-o", feats, "--quiet"],
                                    currentDirectory: packageRoot)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let empty = dir.appendingPathComponent("empty.txt").path
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        for command in [["align", "-m", model], ["train", "--tokens", "words", "-o", dir.appendingPathComponent("m.safetensors").path]] {
            let r = try runSeqlab(command + ["--feats", feats, "--text", empty])
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr, "seqlab \(command[0]): \(empty): no label lines (the file is empty; expected lines of KEY TOKEN…)\n")
        }
        let text = dir.appendingPathComponent("text").path
        let samples = try String(contentsOf: packageRoot.appendingPathComponent("data/samples/text"), encoding: .utf8)
        try (samples + "ghost 1 2\n").write(toFile: text, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["align", "-m", model, "--feats", feats, "--text", text])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "seqlab align: warning: \(feats): ghost: labelled in \(text) (line 13) but has no features; skipped\n")
        XCTAssertEqual(Set(r.stdoutText.split(separator: "\n").map { $0.split(separator: " ")[0] }).count, 12)
    }

    /// The README's recipe for spreading `label` over machines, run locally with two job slots:
    /// GNU parallel splits the file list, and --keep-order merges the outputs in input order.
    func testGNUParallelRecipeGivesTheSameOutputAsOneRun() throws {
        guard let parallel = ["/usr/bin/parallel", "/usr/local/bin/parallel"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("GNU parallel is not installed (scripts/test installs it)")
        }
        let (corpus, model) = try tinyToneModel()
        let list = dir.appendingPathComponent("list").path
        let paths = try String(contentsOfFile: corpus.scp, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ")[1] }
        try (paths.joined(separator: "\n") + "\n").write(toFile: list, atomically: true, encoding: .utf8)
        let whole = try runSeqlab(["label", "-m", model, "--quiet", "-"], stdin: Data(contentsOf: URL(fileURLWithPath: list)))
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: parallel)
        process.arguments = ["--will-cite", "--pipepart", "-a", list, "--block", "-1", "--keep-order", "-j", "2",
                             "\(seqlabBinary().path) label -m \(model) --jobs 1 --quiet -"]
        let out = dir.appendingPathComponent("parallel.out")
        try Data().write(to: out)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(String(decoding: try Data(contentsOf: out), as: UTF8.self), whole.stdoutText)
        XCTAssertEqual(whole.stdoutText.split(separator: "\n").count, 16)
    }
}
