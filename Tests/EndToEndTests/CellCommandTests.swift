// train --cell elman|jordan through the built binary: the model records its cell, decode and inspect load it, misuse is refused.
import Foundation
import Formats
import Tensors
import TestSupport
import XCTest

final class CellCommandTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// 30 utterances of 5–9 frames: class c is a constant frame (one-hot of c, noisy), and sine
    /// pairs for prediction.
    func writeCorpus() throws {
        var g = SeededGenerator(seed: 31)
        let writer = try KaldiArchiveWriter(path: path("feats.ark")), sines = try KaldiArchiveWriter(path: path("sines.ark"))
        var text: [(key: String, tokens: [String])] = []
        for i in 0..<30 {
            let c = Int(g.next() % 3), T = 5 + Int(g.next() % 5), key = String(format: "u%02d", i)
            try writer.write(key: key, matrix: Matrix((0..<T).map { _ in (0..<3).map { Float($0 == c ? 1 : 0) + Float(0.1 * g.normal()) } }))
            text.append((key, ["c\(c)"]))
            let phase = Double(g.next() % 100) / 16
            try sines.write(key: key, matrix: Matrix((0..<12).map { t in [Float(sin(0.5 * Double(t) + phase)), Float(cos(0.5 * Double(t) + phase))] }))
        }
        try writer.close(); try sines.close()
        try KaldiText.write(text, to: path("text"))
    }

    func testElmanAndJordanModelsTrainDecodeAndSayWhatTheyAre() throws {
        try writeCorpus()
        let elman = try runSeqlab(["train", "--cell", "elman", "--unidirectional", "--hidden", "6", "--task", "sequence", "--feats", path("feats.ark"),
                                   "--text", path("text"), "--tokens", "words", "--epochs", "3", "--threads", "1", "-o", path("elman.safetensors")])
        XCTAssertEqual(elman.status, 0, elman.stderr)
        XCTAssertTrue(elman.stderr.contains("Elman 6"), elman.stderr)
        let inspect = try runSeqlab(["inspect", path("elman.safetensors")])
        XCTAssertTrue(inspect.stdoutText.contains("seqlab model: Elman 6, 3-dim input, 4 outputs"), inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("seqlab.cell: elman"), inspect.stdoutText)
        let decode = try runSeqlab(["decode", "-m", path("elman.safetensors"), "--feats", path("feats.ark")])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        XCTAssertEqual(decode.stdoutText.split(separator: "\n").count, 30)
        XCTAssertTrue(decode.stdoutText.split(separator: "\n").allSatisfy { $0.split(separator: " ").count == 2 }, decode.stdoutText)
        // bfloat16 products are for LSTM networks; an explicit fp32 is fine.
        let bf16 = try runSeqlab(["decode", "-m", path("elman.safetensors"), "--feats", path("feats.ark"), "--precision", "bf16"])
        XCTAssertEqual(bf16.status, 1)
        XCTAssertEqual(bf16.stdoutText, "")
        XCTAssertTrue(bf16.stderr.contains("elman.safetensors: --precision bf16 is for LSTM networks; this model is Elman 6, which runs in fp32"), bf16.stderr)
        let fp32 = try runSeqlab(["decode", "-m", path("elman.safetensors"), "--feats", path("feats.ark"), "--precision", "fp32"])
        XCTAssertEqual(fp32.stdoutText, decode.stdoutText)

        let jordan = try runSeqlab(["train", "--cell", "jordan", "--unidirectional", "--hidden", "6", "--task", "predict", "--feats", path("sines.ark"),
                                    "--epochs", "3", "--threads", "1", "-o", path("jordan.safetensors")])
        XCTAssertEqual(jordan.status, 0, jordan.stderr)
        let frames = try runSeqlab(["decode", "-m", path("jordan.safetensors"), "--feats", path("sines.ark")])
        XCTAssertEqual(frames.status, 0, frames.stderr)
        try frames.stdout.write(to: dir.appendingPathComponent("pred.ark"))
        let predicted = try KaldiArchiveReader(path: path("pred.ark")).readAll()
        XCTAssertEqual(predicted.count, 30)
        XCTAssertTrue(predicted.allSatisfy { $0.matrix.rows == 12 && $0.matrix.cols == 2 && $0.matrix.allFinite })
        let influence = try runSeqlab(["influence", "-m", path("jordan.safetensors"), "--length", "5"])
        XCTAssertNotEqual(influence.status, 0)
        XCTAssertTrue(influence.stderr.contains("feeds its outputs back"), influence.stderr)

        // A Jordan network needs frame targets to force; Elman and Jordan networks have one forward layer.
        for (arguments, message) in [
            (["--cell", "jordan", "--unidirectional", "--hidden", "6", "--task", "sequence", "--text", path("text")], "needs --task predict"),
            (["--cell", "elman", "--hidden", "6", "--text", path("text")], "one unidirectional layer"),
            (["--cell", "elman", "--unidirectional", "--hidden", "6,6", "--text", path("text")], "has one layer: give one --hidden width, got 2"),
        ] {
            let r = try runSeqlab(["train", "--feats", path("feats.ark"), "-o", path("bad.safetensors")] + arguments)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
        // Resuming takes the checkpoint's cell; a flag naming another is refused.
        let resume = try runSeqlab(["train", "--task", "sequence", "--cell", "lstm", "--feats", path("feats.ark"), "--text", path("text"),
                                    "--tokens", "words", "--resume", path("elman.safetensors.ckpt"), "-o", path("again.safetensors")])
        XCTAssertNotEqual(resume.status, 0)
        XCTAssertTrue(resume.stderr.contains("the checkpoint trains --cell elman, not lstm"), resume.stderr)
    }

    func testGradientAlgorithmsRunFromTheCommandLine() throws {
        try writeCorpus()
        let rtrl = try runSeqlab(["train", "--cell", "elman", "--unidirectional", "--hidden", "5", "--task", "sequence", "--gradient", "rtrl",
                                  "--feats", path("feats.ark"), "--text", path("text"), "--tokens", "words", "--epochs", "2", "--threads", "1",
                                  "-o", path("rtrl.safetensors")])
        XCTAssertEqual(rtrl.status, 0, rtrl.stderr)
        let big = try runSeqlab(["train", "--cell", "elman", "--unidirectional", "--hidden", "300", "--task", "sequence", "--gradient", "rtrl",
                                 "--feats", path("feats.ark"), "--text", path("text"), "--tokens", "words", "-o", path("big.safetensors")])
        XCTAssertNotEqual(big.status, 0)
        XCTAssertTrue(big.stderr.contains("multiply-adds per frame") && big.stderr.contains("per epoch"), big.stderr)
        let tbptt = try runSeqlab(["train", "--unidirectional", "--hidden", "5", "--task", "predict", "--gradient", "tbptt", "--horizon", "3",
                                   "--feats", path("sines.ark"), "--epochs", "2", "--threads", "1", "-o", path("tbptt.safetensors")])
        XCTAssertEqual(tbptt.status, 0, tbptt.stderr)
        XCTAssertTrue(tbptt.stderr.contains(" frames; an update at every frame), "), tbptt.stderr)
        let dropped = try runSeqlab(["train", "--unidirectional", "--hidden", "5,5", "--task", "predict", "--dropout", "0.2",
                                     "--feats", path("sines.ark"), "--epochs", "2", "--threads", "1", "-o", path("dropped.safetensors")])
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        // The flags reach the training: the model records the gradient, and the same seed without
        // truncation or dropout trains other weights.
        func training(_ name: String) throws -> [String: Any] {
            let meta = try SafeTensorsFile(contentsOf: path(name)).metadata["seqlab.training"] ?? "{}"
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(meta.utf8)) as? [String: Any])
        }
        XCTAssertEqual(try training("rtrl.safetensors")["gradient"] as? String, "rtrl")
        XCTAssertEqual(try training("tbptt.safetensors")["gradient"] as? String, "tbptt")
        XCTAssertEqual(try training("tbptt.safetensors")["horizon"] as? Int, 3)
        let plain = try runSeqlab(["train", "--unidirectional", "--hidden", "5", "--task", "predict",
                                   "--feats", path("sines.ark"), "--epochs", "2", "--threads", "1", "-o", path("plain.safetensors")])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(try training("plain.safetensors")["gradient"] as? String, "bptt")
        XCTAssertNotEqual(FileManager.default.contents(atPath: path("plain.safetensors")), FileManager.default.contents(atPath: path("tbptt.safetensors")))
        let plain2 = try runSeqlab(["train", "--unidirectional", "--hidden", "5,5", "--task", "predict",
                                    "--feats", path("sines.ark"), "--epochs", "2", "--threads", "1", "-o", path("plain2.safetensors")])
        XCTAssertEqual(plain2.status, 0, plain2.stderr)
        XCTAssertNotEqual(FileManager.default.contents(atPath: path("plain2.safetensors")), FileManager.default.contents(atPath: path("dropped.safetensors")))
        // --learning-rate-decay multiplies the rate after every epoch (the log shows the rate each
        // epoch trained at), and a resume cannot change it.
        let decayed = try runSeqlab(["train", "--unidirectional", "--hidden", "5", "--task", "predict", "--learning-rate", "0.004",
                                     "--learning-rate-decay", "0.5", "--no-halving", "--log", path("decay.jsonl"),
                                     "--feats", path("sines.ark"), "--epochs", "3", "--threads", "1", "-o", path("decayed.safetensors")])
        XCTAssertEqual(decayed.status, 0, decayed.stderr)
        let rates = try String(contentsOfFile: path("decay.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["learningRate"] as? Double ?? -1
        }
        XCTAssertEqual(rates, [0.004, 0.002, 0.001])
        let changed = try runSeqlab(["train", "--resume", path("decayed.safetensors.ckpt"), "--learning-rate-decay", "0.7", "--epochs", "4",
                                     "--feats", path("sines.ark"), "--task", "predict", "-o", path("decayed.safetensors")])
        XCTAssertNotEqual(changed.status, 0)
        XCTAssertTrue(changed.stderr.contains("--learning-rate-decay asks for 0.7"), changed.stderr)
        let decode = try runSeqlab(["decode", "-m", path("tbptt.safetensors"), "--feats", path("sines.ark")])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        for (arguments, message) in [
            (["--gradient", "tbptt", "--unidirectional", "--task", "predict"], "needs --horizon"),
            (["--horizon", "3", "--unidirectional", "--task", "predict"], "--horizon is the truncation of --gradient tbptt"),
            (["--gradient", "tbptt", "--horizon", "3", "--task", "sequence", "--unidirectional", "--text", path("text"), "--tokens", "words"], "framewise or predict"),
            (["--gradient", "rtrl", "--unidirectional", "--task", "predict"], "--cell elman"),
            (["--cell", "elman", "--unidirectional", "--task", "predict", "--dropout", "0.2"], "--dropout drops values between LSTM layers"),
            (["--gradient", "tbptt", "--horizon", "3", "--unidirectional", "--task", "predict", "--dropout", "0.2"], "--dropout is implemented for --gradient bptt"),
            (["--unidirectional", "--task", "predict", "--dropout", "1"], "--dropout is a probability in [0, 1)"),
            (["--unidirectional", "--task", "predict", "--learning-rate-decay", "0"], "--learning-rate-decay is a factor in (0, 1], got 0.0"),
            (["--unidirectional", "--task", "predict", "--learning-rate-decay", "1.5"], "--learning-rate-decay is a factor in (0, 1], got 1.5"),
        ] {
            let r = try runSeqlab(["train", "--feats", path("sines.ark"), "--hidden", "4", "-o", path("bad.safetensors")] + arguments)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
    }
}
