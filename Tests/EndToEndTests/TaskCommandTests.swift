// train --task sequence|framewise|predict through the built binary, then decode, score, label and align on its model.
import Foundation
import Formats
import Tensors
import TestSupport
import XCTest

final class TaskCommandTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// 40 utterances of 4–9 noisy copies of one of three prototype frames (class = prototype,
    /// named by a word), and per-frame labels for utterances of two halves.
    func writeCorpus() throws -> (feats: String, sequence: String, frames: String) {
        var g = SeededGenerator(seed: 21)
        let prototypes = (0..<3).map { _ in (0..<3).map { _ in Float(1.5 * g.normal()) } }
        let names = ["one", "two", "three"]
        let writer = try KaldiArchiveWriter(path: path("feats.ark"))
        var sequence: [(key: String, tokens: [String])] = [], frames: [(key: String, tokens: [String])] = []
        for i in 0..<40 {
            let c = Int(g.next() % 3), second = Int(g.next() % 3), T = 4 + Int(g.next() % 6), half = T / 2
            let rows = (0..<T).map { _ in prototypes[c].map { $0 + Float(0.2 * g.normal()) } }
            // Frame labels: the class of the utterance, then (second half) the class "second" — the features do
            // not say so, which is fine for checking shapes; the sequence labels are learnable.
            let key = String(format: "u%02d", i)
            try writer.write(key: key, matrix: Matrix(rows))
            sequence.append((key, [names[c]]))
            frames.append((key, (0..<T).map { $0 < half ? names[c] : names[second] }))
        }
        try writer.close()
        try KaldiText.write(sequence, to: path("sequence.text"))
        try KaldiText.write(frames, to: path("frames.text"))
        return (path("feats.ark"), path("sequence.text"), path("frames.text"))
    }

    func testSequenceModelDecodesOneLabelPerUtteranceAndScoresAccuracy() throws {
        let c = try writeCorpus()
        let train = try runSeqlab(["train", "--task", "sequence", "--feats", c.feats, "--text", c.sequence, "--tokens", "words",
                                   "--hidden", "6", "--epochs", "8", "--learning-rate", "0.02", "--batch-size", "4", "--threads", "1",
                                   "-o", path("seq.safetensors")])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("valid classification error"), train.stderr)
        let inspect = try runSeqlab(["inspect", path("seq.safetensors")])
        XCTAssertTrue(inspect.stdoutText.contains("task: sequence"), inspect.stdoutText)
        let decode = try runSeqlab(["decode", "-m", path("seq.safetensors"), "--feats", c.feats])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        let hyp = decode.stdoutText.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(hyp.count, 40)
        XCTAssertTrue(hyp.allSatisfy { $0.count == 2 && ["one", "two", "three"].contains($0[1]) }, decode.stdoutText)
        // score's accuracy is the share of lines equal to the reference's.
        let reference = Dictionary(uniqueKeysWithValues: try KaldiText.read(path: c.sequence).map { ($0.key, $0.tokens) })
        let correct = hyp.filter { reference[$0[0]] == [$0[1]] }.count
        XCTAssertGreaterThan(correct, 30, "a learnable task: \(decode.stdoutText)")
        try decode.stdout.write(to: dir.appendingPathComponent("hyp"))
        let score = try runSeqlab(["score", "--unit", "utterance", "--ref", c.sequence, "--hyp", path("hyp")])
        XCTAssertEqual(score.status, 0, score.stderr)
        let acc = String(format: "%%ACC %.2f [ %d / 40 correct ]", 100 * Double(correct) / 40, correct)
        XCTAssertTrue(score.stdoutText.contains(acc), "expected \(acc) in\n\(score.stdoutText)")
        XCTAssertTrue(score.stdoutText.hasPrefix(String(format: "%%UER %.2f", 100 * Double(40 - correct) / 40)), score.stdoutText)
        // The posteriors plot marks the model's own answer: one box over the whole utterance.
        let plot = try runSeqlab(["plot", "posteriors", "-m", path("seq.safetensors"), c.feats, "--key", "u00", "-o", path("seq.svg")])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        let u00 = try XCTUnwrap(KaldiArchiveReader(path: c.feats).next())
        let answer = try XCTUnwrap(hyp.first { $0[0] == "u00" })[1]
        let svg = try String(contentsOfFile: path("seq.svg"), encoding: .utf8)
        let band = svg.components(separatedBy: "class=\"alignment\"").dropFirst().first?.components(separatedBy: "</g>").first ?? ""
        let boxes = band.components(separatedBy: "<title>").dropFirst().map { $0.components(separatedBy: "</title>")[0] }
        XCTAssertEqual(boxes.count, 1, svg)
        XCTAssertTrue(boxes.first?.hasPrefix("\(answer): frames 0–\(u00.matrix.rows - 1),") ?? false, "\(boxes)")
        // No search for a classifier, and no CTC alignment.
        let lm = try runSeqlab(["decode", "-m", path("seq.safetensors"), "--feats", c.feats, "--nbest", "2"])
        XCTAssertNotEqual(lm.status, 0)
        XCTAssertTrue(lm.stderr.contains("apply to ctc models only"), lm.stderr)
        // Refused before the language model or lexicon is read: neither file here could be.
        try "not an ARPA file\n".write(toFile: path("some.txt"), atomically: true, encoding: .utf8)
        for flags in [["--beam", "4"], ["--word-bonus", "1"], ["--word-bonus", "1", "--lm-unit", "token"], ["--lm", path("some.txt")],
                      ["--lm", path("some.txt"), "--lm-weight", "0.3"], ["--lexicon", path("no-such-lexicon.txt")]] {
            let r = try runSeqlab(["decode", "-m", path("seq.safetensors"), "--feats", c.feats] + flags)
            XCTAssertNotEqual(r.status, 0, "\(flags)")
            XCTAssertTrue(r.stderr.contains("apply to ctc models only"), "\(flags): \(r.stderr)")
        }
        let text = try runSeqlab(["align", "-m", path("seq.safetensors"), "--feats", c.feats, "--text", c.sequence, "--format", "text"])
        XCTAssertEqual(text.status, 64)
        XCTAssertTrue(text.stderr.contains("'ctm' and 'jsonl'") || text.stderr.contains("ctm, jsonl"), text.stderr)
        let align = try runSeqlab(["align", "-m", path("seq.safetensors"), "--feats", c.feats, "--text", c.sequence, "--format", "ctm"])
        XCTAssertNotEqual(align.status, 0)
        XCTAssertTrue(align.stderr.contains("align needs a --task ctc model"), align.stderr)
        // A checkpoint of one task does not resume as another.
        let resume = try runSeqlab(["train", "--task", "ctc", "--feats", c.feats, "--text", c.sequence, "--resume", path("seq.safetensors.ckpt"),
                                    "-o", path("again.safetensors")])
        XCTAssertNotEqual(resume.status, 0)
        XCTAssertTrue(resume.stderr.contains("the checkpoint trains --task sequence, not ctc"), resume.stderr)
    }

    func testFramewiseModelLabelsEveryFrameAndRefusesAMismatch() throws {
        let c = try writeCorpus()
        // u03 gets one label too many: named, skipped, exit status 1, the model still written.
        var text = try String(contentsOfFile: c.frames, encoding: .utf8)
        text = text.replacingOccurrences(of: "\nu03 ", with: "\nu03 one ")
        try text.write(toFile: path("bad.text"), atomically: true, encoding: .utf8)
        let bad = try runSeqlab(["train", "--task", "framewise", "--feats", c.feats, "--text", path("bad.text"), "--tokens", "words",
                                 "--hidden", "4", "--epochs", "1", "--threads", "1", "--quiet", "-o", path("bad.safetensors")])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("u03") && bad.stderr.contains("frame labels for"), bad.stderr)
        let train = try runSeqlab(["train", "--task", "framewise", "--feats", c.feats, "--text", c.frames, "--tokens", "words",
                                   "--hidden", "4", "--epochs", "2", "--threads", "1", "--quiet", "-o", path("fw.safetensors")])
        XCTAssertEqual(train.status, 0, train.stderr)
        let decode = try runSeqlab(["decode", "-m", path("fw.safetensors"), "--feats", c.feats])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        let frames = Dictionary(uniqueKeysWithValues: try KaldiArchiveReader(path: c.feats).readAll().map { ($0.key, $0.matrix.rows) })
        let lines = decode.stdoutText.split(separator: "\n").map { $0.split(separator: " ") }
        XCTAssertEqual(lines.count, 40)
        for l in lines { XCTAssertEqual(l.count - 1, frames[String(l[0])], "one label per frame: \(l)") }
    }

    func testPredictModelWritesNextFramesAndNeedsNoLabels() throws {
        let c = try writeCorpus()
        let bidirectional = try runSeqlab(["train", "--task", "predict", "--feats", c.feats, "-o", path("p.safetensors")])
        XCTAssertNotEqual(bidirectional.status, 0)
        XCTAssertTrue(bidirectional.stderr.contains("--unidirectional"), bidirectional.stderr)
        let withText = try runSeqlab(["train", "--task", "predict", "--unidirectional", "--feats", c.feats, "--text", c.sequence, "-o", path("p.safetensors")])
        XCTAssertNotEqual(withText.status, 0)
        XCTAssertTrue(withText.stderr.contains("--task predict learns from the features alone: drop --text"), withText.stderr)
        let train = try runSeqlab(["train", "--task", "predict", "--unidirectional", "--feats", c.feats, "--hidden", "5", "--epochs", "2",
                                   "--threads", "1", "-o", path("p.safetensors")])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("valid mean squared error"), train.stderr)
        let decode = try runSeqlab(["decode", "-m", path("p.safetensors"), "--feats", c.feats])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        // Three utterances at once write the same archive, in input order.
        let jobs = try runSeqlab(["decode", "-m", path("p.safetensors"), "--feats", c.feats, "--jobs", "3", "--threads", "1"])
        XCTAssertEqual(jobs.status, 0, jobs.stderr)
        XCTAssertEqual(jobs.stdout, decode.stdout)
        try decode.stdout.write(to: dir.appendingPathComponent("pred.ark"))
        let predicted = try KaldiArchiveReader(path: path("pred.ark")).readAll()
        let inputs = try KaldiArchiveReader(path: c.feats).readAll()
        XCTAssertEqual(predicted.map(\.key), inputs.map(\.key))
        for (p, x) in zip(predicted, inputs) {
            XCTAssertEqual(p.matrix.rows, x.matrix.rows); XCTAssertEqual(p.matrix.cols, x.matrix.cols)
            XCTAssertTrue(p.matrix.allFinite)
        }
        let ctm = try runSeqlab(["decode", "-m", path("p.safetensors"), "--feats", c.feats, "--format", "ctm"])
        XCTAssertNotEqual(ctm.status, 0)
        XCTAssertTrue(ctm.stderr.contains("writes frames"), ctm.stderr)
        // Options a predict model cannot use are refused, naming the model, before any other file is
        // read (a language model that is not one, a lexicon or feature archive that does not exist).
        try "not an ARPA file\n".write(toFile: path("some.txt"), atomically: true, encoding: .utf8)
        for flags in [["--lm", path("some.txt")], ["--lexicon", path("no-such-lexicon.txt")]] {
            let r = try runSeqlab(["decode", "-m", path("p.safetensors"), "--feats", path("no-such.ark")] + flags)
            XCTAssertEqual(r.status, 1, "\(flags): \(r.stderr)")
            XCTAssertEqual(r.stderr, "seqlab decode: \(path("p.safetensors")): a predict model is read without a search: --beam, --nbest, --lm, --lm-weight, --word-bonus, --lm-unit and --lexicon apply to ctc models only\n", "\(flags)")
        }
        let jsonl = try runSeqlab(["decode", "-m", path("p.safetensors"), "--feats", path("no-such.ark"), "--format", "jsonl"])
        XCTAssertEqual(jsonl.status, 1, jsonl.stderr)
        XCTAssertEqual(jsonl.stderr, "seqlab decode: \(path("p.safetensors")): a predict model writes frames (a Kaldi text archive), not jsonl\n")
        let plot = try runSeqlab(["plot", "posteriors", "-m", path("p.safetensors"), c.feats, "-o", path("p.svg")])
        XCTAssertNotEqual(plot.status, 0)
        XCTAssertTrue(plot.stderr.contains("outputs frames, not posteriors"), plot.stderr)
        let label = try runSeqlab(["label", "-m", path("p.safetensors"), "nothing.wav"])
        XCTAssertNotEqual(label.status, 0)
        XCTAssertTrue(label.stderr.contains("outputs frames, not labels"), label.stderr)
    }

    /// A sequence model with a front end labels raw audio: `label` on the WAVs gives what
    /// `extract | decode` gives (tone "words" a, b, c at 500, 1300, 2500 Hz, one per file).
    func testLabelRunsASequenceModelOnRawAudio() throws {
        var g = SeededGenerator(seed: 23)
        var scp = "", text = "", files: [String] = []
        for i in 0..<12 {
            let word = ["a", "b", "c"][i % 3], hz = [500.0, 1300.0, 2500.0][i % 3]
            let samples = (0..<400).map { _ in Int16(60 * g.normal()) } + toneSamples(hz: hz, seconds: 0.2, rate: 8000)
            let key = String(format: "tone%02d", i), file = path(key + ".wav")
            try wavBytes(samples: samples, rate: 8000).write(to: URL(fileURLWithPath: file))
            scp += "\(key) \(file)\n"; text += "\(key) \(word)\n"; files.append(file)
        }
        try scp.write(toFile: path("wav.scp"), atomically: true, encoding: .utf8)
        try text.write(toFile: path("text"), atomically: true, encoding: .utf8)
        try "--feature-type=fbank\n--sample-frequency=8000\n--num-mel-bins=12\n--cmvn=meanvar\n".write(toFile: path("tones.conf"), atomically: true, encoding: .utf8)
        let extract = try runSeqlab(["extract", "audio", "--config", path("tones.conf"), "--scp", path("wav.scp"), "-o", path("feats.ark"), "--quiet"])
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let train = try runSeqlab(["train", "--task", "sequence", "--feats", path("feats.ark"), "--text", path("text"), "--tokens", "words",
                                   "--frontend", path("tones.conf"), "--hidden", "4", "--epochs", "2", "--valid-fraction", "0", "--threads", "1",
                                   "--quiet", "-o", path("tones.safetensors")])
        XCTAssertEqual(train.status, 0, train.stderr)
        let decode = try runSeqlab(["decode", "-m", path("tones.safetensors"), "--feats", path("feats.ark")])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        let label = try runSeqlab(["label", "-m", path("tones.safetensors"), "--scp", path("wav.scp"), "--jobs", "1", "--quiet"])
        XCTAssertEqual(label.status, 0, label.stderr)
        XCTAssertEqual(label.stdoutText, decode.stdoutText)
        XCTAssertEqual(label.stdoutText.split(separator: "\n").count, 12)
        XCTAssertTrue(label.stdoutText.split(separator: "\n").allSatisfy { $0.split(separator: " ").count == 2 }, label.stdoutText)
    }

    /// The --log records the task; inspect, plot training and the model summary name each task's
    /// own measure (predict: a mean squared error, not a label error rate in percent), and a
    /// predict model shows no alphabet. A log without a task is CTC's.
    func testLogsAndSummariesNameTheTasksMeasure() throws {
        let c = try writeCorpus()
        let train = try runSeqlab(["train", "--task", "predict", "--unidirectional", "--feats", c.feats, "--hidden", "5", "--epochs", "2",
                                   "--threads", "1", "--quiet", "--log", path("pred.jsonl"), "-o", path("p.safetensors")])
        XCTAssertEqual(train.status, 0, train.stderr)
        let lines = try String(contentsOfFile: path("pred.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        XCTAssertEqual(last["task"] as? String, "predict")
        let mse = try XCTUnwrap(last["validLabelErrorRate"] as? Double)
        let inspect = try runSeqlab(["inspect", path("pred.jsonl"), path("p.safetensors")])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdoutText.contains("  task: predict\n"), inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("best validation mean squared error: "), inspect.stdoutText)
        XCTAssertFalse(inspect.stdoutText.contains("%"), inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("task: predict (validation error: mean squared error)"), inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("outputs: 3 predicted values (the next input frame; no alphabet)"), inspect.stdoutText)
        XCTAssertFalse(inspect.stdoutText.contains("alphabet ("), inspect.stdoutText)
        let summary = try SafeTensorsFile(contentsOf: path("p.safetensors")).metadata["seqlab.training"] ?? ""
        let training = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        XCTAssertNil(training["valid_label_error_rate"])
        XCTAssertNotNil(training["valid_mean_squared_error"] as? Double)
        let plot = try runSeqlab(["plot", "training", path("pred.jsonl"), "-o", path("pred.svg")])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        let svg = try String(contentsOfFile: path("pred.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("squared error per utterance") && svg.contains("mean squared error"), svg)
        XCTAssertFalse(svg.contains("CTC loss") || svg.contains("label error rate"), svg)
        // A log line without "task" (written before it was recorded) reads as CTC's.
        let old = "{\"epoch\":1,\"learningRate\":0.001,\"trainLoss\":3,\"validLabelErrorRate\":\(mse),\"validLoss\":2}\n"
        try old.write(toFile: path("old.jsonl"), atomically: true, encoding: .utf8)
        let oldInspect = try runSeqlab(["inspect", path("old.jsonl")])
        XCTAssertTrue(oldInspect.stdoutText.contains("task: ctc (logs without a task are CTC's)"), oldInspect.stdoutText)
        XCTAssertTrue(oldInspect.stdoutText.contains(String(format: "best validation label error rate: %.2f%% at epoch 1", 100 * mse)), oldInspect.stdoutText)
    }

    /// --init takes the model's task and cell when no flag names them; a flag contradicting them is refused.
    func testFineTuningTakesTheModelsTaskAndCell() throws {
        let c = try writeCorpus()
        let base = try runSeqlab(["train", "--task", "sequence", "--cell", "elman", "--unidirectional", "--hidden", "6", "--feats", c.feats,
                                  "--text", c.sequence, "--tokens", "words", "--epochs", "1", "--threads", "1", "--quiet", "-o", path("se.safetensors")])
        XCTAssertEqual(base.status, 0, base.stderr)
        let tuned = try runSeqlab(["train", "--feats", c.feats, "--text", c.sequence, "--init", path("se.safetensors"), "--epochs", "1",
                                   "--threads", "1", "-o", path("fe.safetensors")])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        XCTAssertTrue(tuned.stderr.contains("task sequence;"), tuned.stderr)
        let inspect = try runSeqlab(["inspect", path("fe.safetensors")])
        XCTAssertTrue(inspect.stdoutText.contains("seqlab model: Elman 6"), inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("  task: sequence"), inspect.stdoutText)
        let contradicting = try runSeqlab(["train", "--task", "ctc", "--feats", c.feats, "--text", c.sequence, "--init", path("se.safetensors"),
                                           "-o", path("x.safetensors")])
        XCTAssertEqual(contradicting.status, 1, contradicting.stderr)
        XCTAssertTrue(contradicting.stderr.contains("the model was trained for --task sequence, not ctc"), contradicting.stderr)
        let otherCell = try runSeqlab(["train", "--cell", "lstm", "--feats", c.feats, "--text", c.sequence, "--init", path("se.safetensors"),
                                       "-o", path("x.safetensors")])
        XCTAssertEqual(otherCell.status, 1, otherCell.stderr)
        XCTAssertTrue(otherCell.stderr.contains("the model is a --cell elman network, not lstm"), otherCell.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
        // Streaming takes CTC LSTM models only: the refusal names the cell as the flag does ("a --cell elman", not "a elman").
        let stream = try runSeqlab(["decode", "-m", path("se.safetensors"), "--feats", c.feats, "--stream"])
        XCTAssertEqual(stream.status, 1, stream.stderr)
        XCTAssertTrue(stream.stderr.contains("this one is a --cell elman network for --task sequence: decode without --stream"), stream.stderr)
    }
}
