// Memory limits through the built binary: a 10,000-frame utterance trains, --max-memory refuses early and clearly.
import Foundation
import Formats
import Tensors
import TestSupport
import XCTest

final class MemoryLimitTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// One 10,000-frame utterance (5 features, seeded noise around three prototypes) and two short ones.
    func writeLongCorpus() throws -> (feats: String, text: String) {
        var g = SeededGenerator(seed: 4)
        let feats = dir.appendingPathComponent("feats.ark").path, text = dir.appendingPathComponent("text").path
        let writer = try KaldiArchiveWriter(path: feats)
        for (key, frames) in [("short1", 40), ("long", 10_000), ("short2", 60)] {
            let data = (0..<(frames * 5)).map { i in Float((i / 5 / 20) % 3) + Float(0.1 * g.normal()) }
            try writer.write(key: key, matrix: Matrix(rows: frames, cols: 5, data: data))
        }
        try writer.close()
        try KaldiText.write([("short1", ["a", "b"]), ("long", ["a", "b", "c", "a"]), ("short2", ["c"])], to: text)
        return (feats, text)
    }

    func testATenThousandFrameUtteranceTrains() throws {
        let (feats, text) = try writeLongCorpus()
        let model = dir.appendingPathComponent("m.safetensors").path
        let r = try runSeqlab(["train", "--feats", feats, "--text", text, "--tokens", "words", "--hidden", "4", "--epochs", "1",
                               "--batch-size", "2", "--valid-fraction", "0", "--threads", "1", "-o", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("10100 frames"), r.stderr)
        XCTAssertTrue(r.stderr.contains("memory about"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: model))
    }

    func testTrainRefusesBeforeItStartsWhenThePlanExceedsTheLimit() throws {
        let (feats, text) = try writeLongCorpus()
        let model = dir.appendingPathComponent("m.safetensors").path
        // Data 0.2 MB fits in 20M; 2 × 10,000 padded frames of 2×64 units do not.
        let r = try runSeqlab(["train", "--feats", feats, "--text", text, "--tokens", "words", "--hidden", "64", "--epochs", "1",
                               "--batch-size", "2", "--valid-fraction", "0", "--threads", "1", "--max-memory", "20M", "-o", model])
        XCTAssertEqual(r.status, 1)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("more than the 20 MB allowed (--max-memory"), r.stderr)
        XCTAssertTrue(r.stderr.contains("lower --batch-size"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model))
        XCTAssertFalse(FileManager.default.fileExists(atPath: model + ".ckpt"))
        // A limit below the data itself stops the reading at the utterance that crosses it.
        let small = try runSeqlab(["train", "--feats", feats, "--text", text, "--tokens", "words", "--max-memory", "100K", "-o", model])
        XCTAssertEqual(small.status, 1)
        XCTAssertTrue(small.stderr.contains("feats.ark: long: the training features held so far reach"), small.stderr)
    }

    func testAHugeNetworkIsRefusedFromItsSizeBeforeItsWeightsAreAllocated() throws {
        let (feats, text) = try writeLongCorpus()
        let model = dir.appendingPathComponent("m.safetensors").path
        // 2×100,000 bidirectional LSTM units hold about 1.3 × 10¹¹ weights (3 TB with gradients and
        // Adam's slots): allocating them first died of a failed allocation (SIGABRT, status 134).
        for network in [["--hidden", "100000"], ["--cell", "elman", "--unidirectional", "--hidden", "100000"]] {
            let r = try runSeqlab(["train", "--feats", feats, "--text", text, "--tokens", "words", "--epochs", "1", "--valid-fraction", "0",
                                   "--threads", "1", "--quiet", "-o", model] + network)
            XCTAssertFalse(r.killedBySignal, r.stderr)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("seqlab train: training: needs about "), r.stderr)
            XCTAssertTrue(r.stderr.contains("allowed (--max-memory"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: model))
        }
        // Widths beyond any memory are a refused command line.
        let wide = try runSeqlab(["train", "--feats", feats, "--text", text, "--hidden", "8,2000000", "-o", model])
        XCTAssertEqual(wide.status, 64, wide.stderr)
        XCTAssertTrue(wide.stderr.contains("--hidden takes 1 to 100 widths, each in 1...1000000, got 2 width(s) up to 2000000"), wide.stderr)
    }

    func testLabelRefusesAFileTooLongForTheLimitAndLabelsTheOthers() throws {
        // 120 s of tone: 12,000 frames × 12 kB (the digit model) ≈ 137 MB, over a 100 MB limit.
        let long = dir.appendingPathComponent("long.wav")
        try wavBytes(samples: toneSamples(hz: 440, seconds: 120, rate: 8000), rate: 8000).write(to: long)
        let sample = packageRoot.appendingPathComponent("data/samples/sample01_41918.wav").path
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let r = try runSeqlab(["label", "-m", model, long.path, sample, "--jobs", "1", "--max-memory", "100M", "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdoutText.hasPrefix("sample01_41918 "), r.stdoutText)
        XCTAssertEqual(r.stdoutText.split(separator: "\n").count, 1)
        XCTAssertTrue(r.stderr.contains("long.wav: long: 12000 frames (120 s) need about 137 MB"), r.stderr)   // from the header, before reading
        XCTAssertTrue(r.stderr.contains("more than the 100 MB one utterance may use (--max-memory)"), r.stderr)
        // The same file's features through decode meet the same limit.
        let feats = dir.appendingPathComponent("long.ark").path
        let extract = try runSeqlab(["extract", "audio", "--config", packageRoot.appendingPathComponent("models/digits.conf").path,
                                     long.path, "-o", feats, "--quiet"])
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let decode = try runSeqlab(["decode", "-m", model, "--feats", feats, "--max-memory", "100M"])
        XCTAssertEqual(decode.status, 1)
        XCTAssertTrue(decode.stderr.contains("11998 frames (120 s) need about 137 MB"), decode.stderr)
    }
}
