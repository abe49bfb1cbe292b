// decode --threads, label --jobs and --precision through the built binary: a bidirectional model's two
// directions side by side give the same hypotheses and scores as one thread; bfloat16 products give
// the shipped model's labels with scores close to float's; SEQLAB_ISA's limits give the same labels.
import CKernels
import Formats
import Foundation
import Tensors
import TestSupport
import XCTest

final class DecodeSpeedOptionsTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    var samples: [String] {
        get throws {
            try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("data/samples").path)
                .filter { $0.hasSuffix(".wav") }.sorted().map { packageRoot.appendingPathComponent("data/samples/\($0)").path }
        }
    }

    /// The 12 shipped samples' features by the shipped model's front end.
    func extractSamples() throws -> String {
        let feats = dir.appendingPathComponent("samples.ark").path
        let extract = try runSeqlab(["extract", "audio", "--config", packageRoot.appendingPathComponent("models/digits.conf").path]
                                    + samples + ["-o", feats, "--quiet"])
        XCTAssertEqual(extract.status, 0, extract.stderr)
        return feats
    }

    var model: String { packageRoot.appendingPathComponent("models/digits.safetensors").path }

    func testDecodeGivesTheSameScoresOnOneThreadAndOnTwo() throws {
        let samples = try self.samples
        XCTAssertEqual(samples.count, 12)
        let feats = try extractSamples()
        // The shipped model is a 2×96 BLSTM: on two threads its directions run concurrently.
        func decode(threads: Int) throws -> String {
            let r = try runSeqlab(["decode", "-m", model, "--feats", feats, "--format", "jsonl", "--beam", "4", "--nbest", "2",
                                   "--threads", String(threads)])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdoutText
        }
        let one = try decode(threads: 1), two = try decode(threads: 2)
        XCTAssertEqual(one.split(separator: "\n").count, 24)            // two hypotheses per sample
        XCTAssertTrue(one.contains("\"acoustic_score\":-"), one)
        XCTAssertEqual(two, one)
        // label: one file at a time (both cores on it) and two at once (a core each) agree too.
        let labelOne = try runSeqlab(["label", "-m", model, "--jobs", "1", "--format", "jsonl", "--quiet"] + samples)
        let labelTwo = try runSeqlab(["label", "-m", model, "--jobs", "2", "--format", "jsonl", "--quiet"] + samples)
        XCTAssertEqual(labelOne.status, 0, labelOne.stderr)
        XCTAssertEqual(labelOne.stdoutText.split(separator: "\n").count, 12)
        XCTAssertEqual(labelTwo.stdoutText, labelOne.stdoutText)
    }

    /// The shipped model reads the shipped samples as docs/RESULTS.md reports (1 error in 44 digits,
    /// `scripts/demo`): the comparisons of this file are between right answers, not between two wrong ones.
    func testShippedModelReadsTheShippedSamples() throws {
        let label = try runSeqlab(["label", "-m", model, "--scp", packageRoot.appendingPathComponent("data/samples/wav.scp").path, "--quiet"])
        XCTAssertEqual(label.status, 0, label.stderr)
        try label.stdout.write(to: dir.appendingPathComponent("hyp.txt"))
        let score = try runSeqlab(["score", "--ref", packageRoot.appendingPathComponent("data/samples/text").path,
                                   "--hyp", dir.appendingPathComponent("hyp.txt").path])
        XCTAssertEqual(score.status, 0, score.stderr)
        // "%WER 2.27 [ 1 / 44, 0 ins, 0 del, 1 sub ]": the errors and the reference words.
        let fields = score.stdoutText.split(separator: "\n").first?.split(separator: " ") ?? []
        XCTAssertEqual(fields.count, 13, score.stdoutText)
        guard fields.count == 13 else { return }
        XCTAssertEqual(fields[5].dropLast(), "44", score.stdoutText)
        XCTAssertLessThanOrEqual(Int(fields[3]) ?? .max, 2, score.stdoutText)
    }

    /// What decode writes as CTM reads back (`CTMFile`, the reader `combine --ctm` uses) as the same
    /// tokens, times and confidences the JSON lines give, to the decimals CTM keeps.
    func testCTMRoundTripsThroughTheReader() throws {
        let feats = try extractSamples()
        let ctm = try runSeqlab(["decode", "-m", model, "--feats", feats, "--format", "ctm", "--threads", "1"])
        let jsonl = try runSeqlab(["decode", "-m", model, "--feats", feats, "--format", "jsonl", "--threads", "1"])
        XCTAssertEqual(ctm.status, 0, ctm.stderr)
        XCTAssertEqual(jsonl.status, 0, jsonl.stderr)
        let file = dir.appendingPathComponent("hyp.ctm")
        try ctm.stdout.write(to: file)
        let read = try CTMFile.read(path: file.path)
        let objects = try jsonl.stdoutText.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(read.map(\.key), objects.map { $0["key"] as? String ?? "" })
        XCTAssertEqual(read.count, 12)
        var tokens = 0
        for (utterance, object) in zip(read, objects) {
            let starts = object["start_seconds"] as? [Double] ?? [], ends = object["end_seconds"] as? [Double] ?? []
            let confidences = object["confidences"] as? [Double] ?? []
            XCTAssertEqual(utterance.tokens.map(\.token), object["tokens"] as? [String], utterance.key)
            XCTAssertEqual(starts.count, utterance.tokens.count, utterance.key)
            for (i, token) in utterance.tokens.enumerated() where i < starts.count {
                XCTAssertEqual(token.start, starts[i], accuracy: 5e-4, utterance.key)
                XCTAssertEqual(token.duration, ends[i] - starts[i], accuracy: 1e-3, utterance.key)
                XCTAssertEqual(Double(token.confidence), confidences[i], accuracy: 5e-5, utterance.key)
                tokens += 1
            }
        }
        XCTAssertEqual(tokens, 44)
    }

    /// The search's flags act or are refused: --word-bonus changes what the beam search keeps, and the
    /// flags with nothing to act on (a weight without a language model, a bonus without the search) say so.
    func testSearchFlagsActOrAreRefused() throws {
        let feats = try extractSamples()
        func decode(_ flags: [String]) throws -> ProcessResult {
            try runSeqlab(["decode", "-m", model, "--feats", feats, "--threads", "1"] + flags)
        }
        let plain = try decode([])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        func words(_ r: ProcessResult) -> Int { r.stdoutText.split(separator: "\n").map { $0.split(separator: " ").count - 1 }.reduce(0, +) }
        // A large negative bonus per word makes every added word cost more than the acoustics gain.
        let penalised = try decode(["--word-bonus=-40"])
        XCTAssertEqual(penalised.status, 0, penalised.stderr)
        XCTAssertLessThan(words(penalised), words(plain), penalised.stdoutText)
        let cases: [([String], String)] = [
            (["--lm-weight", "0.8"], "--lm-weight weighs a language model: give --lm"),
            (["--beam", "1", "--word-bonus", "2"], "--word-bonus acts in the beam search, which --beam 1 skips"),
            (["--beam", "1", "--word-bonus", "2", "--lm-unit", "token"], "--word-bonus, --lm-unit act in the beam search, which --beam 1 skips"),
            (["--lm-unit", "token"], "--lm-unit says what --lm and --word-bonus count: give one of them"),
            (["--lm-unit", "letters"], "--lm-unit is word or token"),
        ]
        let zero = try decode(["--beam", "1", "--word-bonus", "0"])
        XCTAssertEqual(zero.status, 0, "an explicit default is accepted: \(zero.stderr)")
        for (flags, message) in cases {
            let r = try decode(flags)
            XCTAssertNotEqual(r.status, 0, "\(flags)")
            XCTAssertTrue(r.stderr.contains(message), "\(flags): \(r.stderr)")
        }
    }

    /// A 1×256 BLSTM (trained one epoch on the samples) decodes to the same hypotheses and scores on
    /// one thread and on two, where, on CPUs with AVX-512 and a 1 MB L2, the layer's recurrences
    /// split between the two threads (`LSTMSplitRecurrentWeights`).
    func testA256UnitModelDecodesAlikeOnOneThreadAndOnTwo() throws {
        let feats = try extractSamples()
        let text = dir.appendingPathComponent("text").path
        let keys = try samples.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        try keys.map { key in "\(key) \(key.split(separator: "_").last!.map(String.init).joined(separator: " "))" }
            .joined(separator: "\n").appending("\n").write(toFile: text, atomically: true, encoding: .utf8)
        let wide = dir.appendingPathComponent("wide.safetensors").path
        let train = try runSeqlab(["train", "--feats", feats, "--text", text, "--tokens", "words", "--hidden", "256",
                                   "--epochs", "1", "--valid-fraction", "0", "--seed", "3", "--quiet", "-o", wide])
        XCTAssertEqual(train.status, 0, train.stderr)
        func decode(threads: Int) throws -> String {
            let r = try runSeqlab(["decode", "-m", wide, "--feats", feats, "--format", "jsonl", "--threads", String(threads)])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdoutText
        }
        let one = try decode(threads: 1), two = try decode(threads: 2)
        XCTAssertEqual(one.split(separator: "\n").count, 12)
        XCTAssertTrue(one.contains("\"acoustic_score\":-"), one)
        XCTAssertEqual(two, one)
    }

    /// `decode --jobs`: several utterances at once give the output of one at a time, in input order,
    /// in every format; a bad utterance among them is reported by name and the others are decoded; a
    /// truncated archive gives the utterances before the damage, then its error, as with one job.
    func testDecodeJobsGiveTheOutputOfOneAtATimeInOrder() throws {
        let feats = try extractSamples()
        for format in ["text", "jsonl", "ctm"] {
            func decode(_ options: [String]) throws -> String {
                let r = try runSeqlab(["decode", "-m", model, "--feats", feats, "--format", format, "--beam", "4", "--nbest", "2"] + options)
                XCTAssertEqual(r.status, 0, r.stderr)
                return r.stdoutText
            }
            let one = try decode(["--jobs", "1"])
            XCTAssertFalse(one.isEmpty)
            XCTAssertEqual(try decode(["--jobs", "3", "--threads", "1"]), one, format)
            XCTAssertEqual(try decode(["--jobs", "2"]), one, format)
        }
        // The samples with an utterance of the wrong dimension and one with a NaN among them.
        var records = try KaldiArchiveReader(path: feats).readAll()
        var wrong = Matrix(rows: 7, cols: records[0].matrix.cols + 1)
        wrong[0, 0] = 1
        var nan = records[5].matrix
        nan[3, 2] = .nan
        records.insert(KaldiRecord(key: "wrong_dimension", matrix: wrong), at: 4)
        records.insert(KaldiRecord(key: "not_a_number", matrix: nan), at: 9)
        let mixed = dir.appendingPathComponent("mixed.ark").path
        let out = try KaldiArchiveWriter(path: mixed)
        for r in records { try out.write(key: r.key, matrix: r.matrix) }
        try out.close()
        func decodeMixed(_ jobs: String, _ path: String) throws -> ProcessResult {
            try runSeqlab(["decode", "-m", model, "--feats", path, "--jobs", jobs, "--threads", "1"])
        }
        let oneMixed = try decodeMixed("1", mixed), twoMixed = try decodeMixed("2", mixed)
        XCTAssertEqual(twoMixed.status, 1, twoMixed.stderr)
        XCTAssertEqual(twoMixed.stdoutText, oneMixed.stdoutText)
        XCTAssertEqual(twoMixed.stdoutText.split(separator: "\n").count, 12)
        XCTAssertEqual(twoMixed.stderr, oneMixed.stderr)
        XCTAssertTrue(twoMixed.stderr.contains("wrong_dimension"), twoMixed.stderr)
        XCTAssertTrue(twoMixed.stderr.contains("not_a_number"), twoMixed.stderr)
        // The archive cut in the middle of its eighth utterance.
        func archiveBytes(_ count: Int) throws -> Int {
            let path = dir.appendingPathComponent("first\(count).ark").path
            let w = try KaldiArchiveWriter(path: path)
            for r in records.prefix(count) { try w.write(key: r.key, matrix: r.matrix) }
            try w.close()
            return try Data(contentsOf: URL(fileURLWithPath: path)).count
        }
        let seven = try archiveBytes(7), eight = try archiveBytes(8)
        let truncated = dir.appendingPathComponent("truncated.ark")
        try Data(contentsOf: URL(fileURLWithPath: mixed)).prefix((seven + eight) / 2).write(to: truncated)
        let oneCut = try decodeMixed("1", truncated.path), twoCut = try decodeMixed("2", truncated.path)
        XCTAssertEqual(twoCut.status, 1, twoCut.stderr)
        XCTAssertEqual(twoCut.stdoutText, oneCut.stdoutText)
        XCTAssertEqual(twoCut.stderr, oneCut.stderr)
        XCTAssertFalse(twoCut.stdoutText.isEmpty)
        XCTAssertTrue(twoCut.stderr.contains("truncated.ark"), twoCut.stderr)
        for bad in [["--jobs", "0"], ["--threads", "0"], ["--jobs", "2", "--stream"]] {
            let r = try runSeqlab(["decode", "-m", model, "--feats", feats] + bad)
            XCTAssertNotEqual(r.status, 0, bad.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(bad[0]), r.stderr)
        }
    }

    /// (key, text, acoustic score) of each JSON line.
    func hypotheses(_ jsonl: String) throws -> [(String, String, Double)] {
        try jsonl.split(separator: "\n").map { line in
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (try XCTUnwrap(object["key"] as? String), try XCTUnwrap(object["text"] as? String),
                    try XCTUnwrap(object["acoustic_score"] as? Double))
        }
    }

    func testBFloat16PrecisionGivesTheShippedModelsLabelsWithScoresCloseToFloats() throws {
        let feats = try extractSamples()
        func decode(_ precision: String) throws -> [(String, String, Double)] {
            let r = try runSeqlab(["decode", "-m", model, "--feats", feats, "--format", "jsonl", "--precision", precision])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try hypotheses(r.stdoutText)
        }
        let float = try decode("fp32"), reduced = try decode("bf16")
        XCTAssertEqual(float.count, 12)
        XCTAssertEqual(reduced.map { "\($0.0) \($0.1)" }, float.map { "\($0.0) \($0.1)" })
        // Scores (log-probabilities of the best hypotheses, −0.003 to −0.32 here) move by less than 0.005.
        for (a, b) in zip(reduced, float) { XCTAssertEqual(a.2, b.2, accuracy: 0.005, a.0) }
        XCTAssertTrue(zip(reduced, float).contains { $0.2 != $1.2 }, "bf16 must change the arithmetic")
        // label shares the flag.
        let label = try runSeqlab(["label", "-m", model, "--precision", "bf16", "--format", "jsonl", "--quiet"] + samples)
        XCTAssertEqual(label.status, 0, label.stderr)
        XCTAssertEqual(try hypotheses(label.stdoutText).map(\.1), float.map(\.1))
        let bad = try runSeqlab(["decode", "-m", model, "--feats", feats, "--precision", "fp16"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--precision"), bad.stderr)
        XCTAssertEqual(bad.stdoutText, "")
    }

    /// SEQLAB_ISA=AVX2 (any case) and =generic run the AVX2 and portable kernels on any CPU that has better: the
    /// shipped model's labels stay, its scores move by rounding only (the cell kernels' exp differs
    /// between families), and where this CPU has AVX2 the portable kernels are seen to run. A name
    /// the kernels do not know is refused before anything runs.
    func testSEQLABISALimitsTheKernelsAndRefusesUnknownNames() throws {
        let feats = try extractSamples()
        func decode(_ isa: String) throws -> [(String, String, Double)] {
            let r = try runSeqlab(["decode", "-m", model, "--feats", feats, "--format", "jsonl"], environment: ["SEQLAB_ISA": isa])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try hypotheses(r.stdoutText)
        }
        let best = try decode(""), avx2 = try decode("AVX2"), generic = try decode("generic")
        XCTAssertEqual(best.count, 12)
        for other in [avx2, generic] {
            XCTAssertEqual(other.map { "\($0.0) \($0.1)" }, best.map { "\($0.0) \($0.1)" })
            for (a, b) in zip(other, best) { XCTAssertEqual(a.2, b.2, accuracy: 1e-4, a.0) }
        }
        if seqlab_kernel_family_id() >= 1 {
            XCTAssertTrue(zip(generic, best).contains { $0.2 != $1.2 }, "SEQLAB_ISA=generic must reach the kernels")
        }
        let bad = try runSeqlab(["decode", "-m", model, "--feats", feats], environment: ["SEQLAB_ISA": "avx3"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "seqlab: SEQLAB_ISA=avx3: expected one of avx512bf16, avx512, avx2, generic (or unset)\n")
        XCTAssertEqual(bad.stdoutText, "")
    }
}
