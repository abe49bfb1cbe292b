// Every command that reads a kind of input, run through the built binary over scripts/make-malformed's corpus.
import Foundation
import TestSupport
import XCTest

/// Hardening: each malformed file must make each of its readers exit (no signal, no hang) with a
/// non-zero status and a one-line error naming the file; good items of a batch must still come out.
/// The corpus is written at test time by `scripts/make-malformed` into a temporary folder.
final class MalformedInputCorpusTests: XCTestCase {
    nonisolated(unsafe) static var corpus: URL!
    nonisolated(unsafe) static var model: String!
    /// A unidirectional twin of `model`, for `decode --stream`.
    nonisolated(unsafe) static var streamingModel: String!
    nonisolated(unsafe) static var conf: String!
    nonisolated(unsafe) static var setupError: String?

    /// Writes the corpus, trains a tiny model on its good archive (4-dim fbank front end), then
    /// writes the corpus again with a corrupted copy of that model.
    override class func setUp() {
        super.setUp()
        let dir = temporaryDirectory("malformed")
        corpus = dir.appendingPathComponent("corpus")
        conf = dir.appendingPathComponent("tiny.conf").path
        model = dir.appendingPathComponent("tiny.safetensors").path
        streamingModel = dir.appendingPathComponent("tiny-uni.safetensors").path
        do {
            try makeCorpus(extra: [])
            try FileManager.default.createDirectory(at: corpus.appendingPathComponent("out"), withIntermediateDirectories: true)
            try "--feature-type=fbank\n--sample-frequency=8000\n--num-mel-bins=4\n".write(toFile: conf, atomically: true, encoding: .utf8)
            let train = try runSeqlab(["train", "--feats", path("ark/good.ark"), "--text", path("text/good.txt"), "--tokens", "words",
                                       "--frontend", conf, "--hidden", "4", "--epochs", "1", "--valid-fraction", "0",
                                       "--seed", "1", "--threads", "1", "--quiet", "-o", model], timeout: 60)
            guard train.status == 0 else { setupError = "train: \(train.stderr)"; return }
            let uni = try runSeqlab(["train", "--feats", path("ark/good.ark"), "--text", path("text/good.txt"), "--tokens", "words",
                                     "--frontend", conf, "--hidden", "4", "--unidirectional", "--epochs", "1", "--valid-fraction", "0",
                                     "--seed", "1", "--threads", "1", "--quiet", "-o", streamingModel], timeout: 60)
            guard uni.status == 0 else { setupError = "train --unidirectional: \(uni.stderr)"; return }
            try makeCorpus(extra: ["--model", model])
        } catch {
            setupError = "\(error)"
        }
    }

    override class func tearDown() {
        if let corpus { try? FileManager.default.removeItem(at: corpus.deletingLastPathComponent()) }
        super.tearDown()
    }

    static func makeCorpus(extra: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", packageRoot.appendingPathComponent("scripts/make-malformed").path, corpus.path] + extra
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "make-malformed failed", code: Int(p.terminationStatus)) }
    }

    static func path(_ relative: String) -> String { corpus.appendingPathComponent(relative).path }
    func path(_ relative: String) -> String { Self.path(relative) }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("set-up failed: \(e)"); throw XCTSkip(e) }
    }

    /// The files of one kind whose names start with `prefix`, sorted.
    func files(_ kind: String, _ prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path(kind)).filter { $0.hasPrefix(prefix) }.sorted().map { path("\(kind)/\($0)") }
    }

    /// A fresh output path for one run.
    func output(_ name: String) -> String {
        path("out/\(UUID().uuidString.prefix(8))-\(name)")
    }

    /// The commands that read `file` of `kind`, as argument lists.
    func readers(of file: String, kind: String) -> [[String]] {
        let goodArk = path("ark/good.ark"), goodText = path("text/good.txt"), goodWav = path("audio/good-tone.wav")
        let train = ["--tokens", "words", "--hidden", "4", "--epochs", "1", "--valid-fraction", "0", "--threads", "1", "--quiet"]
        switch kind {
        case "audio":
            return [["inspect", file],
                    ["extract", "audio", "--config", Self.conf, file, "-o", output("f.ark"), "--quiet"],
                    ["label", "-m", Self.model, file, "--jobs", "1", "--quiet"],
                    ["plot", "audio", file, "--config", Self.conf, "-o", output("a.svg")]]
        case "wavscp":
            return [["extract", "audio", "--config", Self.conf, "--scp", file, "-o", output("f.ark"), "--quiet"],
                    ["label", "-m", Self.model, "--scp", file, "--jobs", "1", "--quiet"]]
        case "ark", "scp":
            return [["decode", "-m", Self.model, "--feats", file, "--threads", "1"],
                    ["decode", "-m", Self.streamingModel, "--stream", "--format", "jsonl", "--feats", file, "--threads", "1"],
                    ["train", "--feats", file, "--text", goodText, "-o", output("m.safetensors")] + train,
                    ["align", "-m", Self.model, "--feats", file, "--text", goodText, "--threads", "1"],
                    ["inspect", file],
                    ["plot", "features", file, "-o", output("f.svg")]]
        case "safetensors":
            return [["decode", "-m", file, "--feats", goodArk, "--threads", "1"],
                    ["label", "-m", file, goodWav, "--jobs", "1", "--quiet"],
                    ["inspect", file],
                    ["plot", "posteriors", "-m", file, goodArk, "-o", output("p.svg")]]
        case "unipen", "iam":
            return [["extract", "strokes", file, "-o", output("s.ark"), "--quiet"], ["inspect", file],
                    ["plot", "ink", file, "-o", output("i.svg")]]
        case "text":
            return [["score", "--ref", file, "--hyp", goodText], ["score", "--ref", goodText, "--hyp", file],
                    ["train", "--feats", goodArk, "--text", file, "-o", output("m.safetensors")] + train,
                    ["align", "-m", Self.model, "--feats", goodArk, "--text", file, "--threads", "1"]]
        case "grid":
            return [["grid", "solve", file], ["grid", "show", file], ["inspect", file]]
        default:
            return []
        }
    }

    static let kinds = ["audio", "wavscp", "ark", "scp", "safetensors", "unipen", "iam", "text", "grid"]

    /// Results filled in by two lanes of runs.
    final class Results: @unchecked Sendable {
        let lock = NSLock()
        var items: [Result<ProcessResult, Error>?]
        init(_ n: Int) { items = Array(repeating: nil, count: n) }
        func set(_ i: Int, _ r: Result<ProcessResult, Error>) { lock.lock(); items[i] = r; lock.unlock() }
    }

    /// Runs all `runs` two at a time; returns the results in order.
    func runAll(_ runs: [[String]]) -> [Result<ProcessResult, Error>] {
        let results = Results(runs.count)
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for i in stride(from: lane, to: runs.count, by: 2) {
                results.set(i, Result { try runSeqlab(runs[i], timeout: 30) })
            }
        }
        return results.items.map { $0! }
    }

    /// Names another file that may be the one at fault for `file` (an scp's archive, named with the byte offset and key).
    func alsoAcceptedName(for file: String) -> String? {
        if file.hasSuffix("bad-missing-ark.scp") { return "nowhere.ark" }
        if file.hasSuffix("bad-missing-wav.scp") { return "nowhere.wav" }
        return nil
    }

    /// Runs whose success is right: the command only describes the file or reads only its good first record.
    static let legitimateSuccesses: Set<String> = [
        "inspect bad-nan-inf.wav",             // describes the header; extract and label refuse the samples
        "inspect bad-nan.ark",                 // describes the records
        "inspect bad-text-nan.ark",
        "inspect bad-dim-change.ark",          // describes each record's dimensions
        "plot features bad-dim-change.ark",    // draws the first record only
        "plot features bad-duplicate-keys.ark",
        "plot features bad-truncated-record.ark",
        "inspect bad-not-seqlab.safetensors",  // a valid safetensors file: its tensors are listed
        "inspect bad-metadata-garbage.safetensors",
        "inspect bad-pipe.scp",                // "utt1 cat feats.ark |" is a legal wav.scp line (a command); as a feature scp it is refused
    ]

    func testEveryReaderRefusesEveryMalformedFile() throws {
        var runs: [[String]] = [], subjects: [String] = []
        for kind in Self.kinds {
            for file in try files(kind, "bad-") {
                for args in readers(of: file, kind: kind) { runs.append(args); subjects.append(file) }
            }
        }
        XCTAssertGreaterThanOrEqual(Set(subjects).count, 50)
        for (i, result) in runAll(runs).enumerated() {
            let name = URL(fileURLWithPath: subjects[i]).lastPathComponent
            let command = runs[i].prefix(2).joined(separator: " ") + " … " + name
            switch result {
            case .failure(let error):
                XCTFail("\(command): \(error)")
            case .success(let r):
                XCTAssertFalse(r.killedBySignal, "\(command): killed by signal \(r.status)\n\(r.stderr)")
                if Self.legitimateSuccesses.contains(runs[i].prefix(2).joined(separator: " ") + " " + name)
                    || Self.legitimateSuccesses.contains(runs[i][0] + " " + name) {
                    continue
                }
                XCTAssertNotEqual(r.status, 0, "\(command): exit 0\n\(r.stderr)")
                let errorLines = r.stderr.split(separator: "\n")
                let names = [name] + (alsoAcceptedName(for: subjects[i]).map { [$0] } ?? [])
                XCTAssertTrue(errorLines.contains { line in names.contains { line.contains($0) } },
                              "\(command): no error line names the file:\n\(r.stderr)")
            }
        }
    }

    /// Unusual but legal files: read without a crash or hang, or refused with an error naming them.
    func testOddFilesAreReadOrRefusedCleanly() throws {
        var runs: [[String]] = [], names: [String] = []
        for kind in Self.kinds {
            for file in try files(kind, "odd-") {
                for args in readers(of: file, kind: kind) { runs.append(args); names.append(URL(fileURLWithPath: file).lastPathComponent) }
            }
        }
        XCTAssertEqual(Set(names).count, 3)
        for (i, result) in runAll(runs).enumerated() {
            switch result {
            case .failure(let error): XCTFail("\(runs[i]): \(error)")
            case .success(let r):
                XCTAssertFalse(r.killedBySignal, "\(runs[i]): killed by signal \(r.status)")
                if r.status != 0 { XCTAssertTrue(r.stderr.contains(names[i]), "\(runs[i]): \(r.stderr)") }
            }
        }
    }

    /// The error says why, not just that the file is unknown (regressions: inspect used to hide the reader's error).
    func testErrorsSayWhatIsWrong() throws {
        let cases: [([String], String)] = [
            (["inspect", path("audio/bad-data-truncated.wav")], "truncated"),
            (["inspect", path("audio/bad-empty.wav")], "empty"),
            (["inspect", path("unipen/bad-point.dat")], "point line '20 abc'"),
            (["inspect", path("unipen/bad-unclosed-quote.dat")], "unclosed quote"),
            (["inspect", path("iam/bad-broken.xml")], "not well-formed XML"),
            (["inspect", path("ark/bad-empty.ark")], "the file is empty"),
            (["inspect", path("ark/bad-garbage.ark")], "byte 0"),
            (["inspect", path("safetensors/bad-header-2e60.safetensors")], "header length 1152921504606846976"),
            (["decode", "-m", Self.model, "--feats", path("ark/bad-nan.ark")], "utt1: non-finite feature at frame 0, dimension 1"),
            (["align", "-m", Self.model, "--feats", path("ark/bad-text-nan.ark"), "--text", path("text/good.txt")], "utt1: non-finite feature at frame 1, dimension 0"),
            (["decode", "-m", Self.model, "--feats", path("scp/bad-offset.scp")], "bad-offset.scp: line 1: key \"utt1\" at offset 7: "),
            (["extract", "strokes", path("unipen/bad-no-points.dat"), "--quiet"], "no pen points"),
            (["extract", "strokes", path("unipen/bad-binary.dat"), "--quiet"], "no pen samples found"),
            (["decode", "-m", Self.model, "--feats", path("ark/bad-empty.ark")], "no utterances (the archive is empty"),
            (["decode", "-m", Self.streamingModel, "--stream", "--feats", path("scp/bad-empty.scp")], "no utterances (the archive is empty"),
            (["align", "-m", Self.model, "--feats", path("ark/bad-empty.ark"), "--text", path("text/good.txt")], "no utterances"),
            (["extract", "audio", "--scp", path("wavscp/bad-empty-wav.scp"), "--quiet"], "no entries"),
            (["label", "-m", Self.model, "--scp", path("wavscp/bad-empty-wav.scp"), "--quiet"], "no entries"),
        ]
        for ((args, expected), result) in zip(cases, runAll(cases.map(\.0))) {
            let r = try result.get()
            XCTAssertNotEqual(r.status, 0, "\(args)")
            let name = URL(fileURLWithPath: args.first { $0.contains("/bad-") } ?? "").lastPathComponent
            XCTAssertTrue(r.stderr.split(separator: "\n").contains { $0.contains(name) && $0.contains(expected) }, "\(args): \(r.stderr)")
        }
    }

    /// An empty list of paths on stdin is an error, as an empty scp is: nothing was labelled, and the exit says so.
    func testAnEmptyListOnStdinIsRefused() throws {
        for args: [String] in [["extract", "audio", "-", "--config", Self.conf, "--quiet"], ["label", "-m", Self.model, "-", "--quiet"]] {
            let r = try runSeqlab(args, stdin: Data("\n  \n".utf8))
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stdoutText, "", "\(args)")
            XCTAssertTrue(r.stderr.contains("stdin: no paths (expected one file path a line)"), "\(args): \(r.stderr)")
        }
    }

    /// The same commands accept the good counterparts, so the refusals above are about the files.
    func testEveryReaderAcceptsTheGoodFiles() throws {
        var runs: [[String]] = []
        for kind in Self.kinds {
            for file in try files(kind, "good") {
                runs += readers(of: file, kind: kind)
            }
        }
        runs += readers(of: Self.model, kind: "safetensors")
        for (args, result) in zip(runs, runAll(runs)) {
            switch result {
            case .failure(let error): XCTFail("\(args): \(error)")
            case .success(let r): XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            }
        }
    }

    /// A bad file among good ones: the good ones still come out, the exit is non-zero, the error names the bad one.
    /// Through an scp, a bad entry (an offset past the end, a missing archive) is that utterance's
    /// error and decode and align read on; an empty matrix is named as one.
    func testABadScpEntryIsSkippedAndTheRestDecoded() throws {
        let ark = output("scp-good.ark"), scp = output("scp-good.scp")
        let extract = try runSeqlab(["extract", "audio", "--config", Self.conf, path("audio/good-tone.wav"), path("audio/good-tone2.wav"),
                                     "-o", "ark,scp:\(ark),\(scp)", "--quiet"], timeout: 30)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let lines = try String(contentsOfFile: scp, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        let bad = output("scp-bad.scp")
        try [lines[0], "past \(ark):99999999", "missing \(output("no-such.ark")):10", lines[1], ""].joined(separator: "\n")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        for jobs in ["1", "2"] {
            let decode = try runSeqlab(["decode", "-m", Self.model, "--feats", bad, "--jobs", jobs], timeout: 30)
            XCTAssertEqual(decode.status, 1, decode.stderr)
            XCTAssertEqual(decode.stdoutText.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") },
                           ["good-tone", "good-tone2"], decode.stdoutText)
            let errors = decode.stderr.split(separator: "\n")
            XCTAssertEqual(errors.count, 2, decode.stderr)
            XCTAssertTrue(errors[0].contains("scp-bad.scp: line 2: offset 99999999 is past the end"), decode.stderr)
            XCTAssertTrue(errors[1].contains("scp-bad.scp: line 3: key \"missing\""), decode.stderr)
        }
        let text = output("scp-text")
        try "good-tone a\ngood-tone2 a\npast a\nmissing a\n".write(toFile: text, atomically: true, encoding: .utf8)
        let align = try runSeqlab(["align", "-m", Self.model, "--feats", bad, "--text", text], timeout: 30)
        XCTAssertEqual(align.status, 1, align.stderr)
        XCTAssertEqual(align.stderr.split(separator: "\n").filter { $0.contains("scp-bad.scp: line") }.count, 2, align.stderr)

        // Audio where features were expected: named as audio, with the command that reads it.
        let audio = try runSeqlab(["decode", "-m", Self.model], stdin: try Data(contentsOf: URL(fileURLWithPath: path("audio/good-tone.wav"))), timeout: 30)
        XCTAssertEqual(audio.status, 1)
        XCTAssertTrue(audio.stderr.contains("stdin: byte 0: WAV audio, not a Kaldi feature archive"), audio.stderr)
        let wavScp = output("wav.scp")
        try "t1 \(path("audio/good-tone.wav"))\n".write(toFile: wavScp, atomically: true, encoding: .utf8)
        let scpOfAudio = try runSeqlab(["decode", "-m", Self.model, "--feats", wavScp], timeout: 30)
        XCTAssertEqual(scpOfAudio.status, 1)
        XCTAssertTrue(scpOfAudio.stderr.contains("good-tone.wav is audio: this is a wav.scp, not a feature scp"), scpOfAudio.stderr)
        // A wav.scp of many lines is one mistake: one line for the file, not one per entry.
        let longWavScp = output("long-wav.scp")
        try (1...40).map { "t\($0) \(path("audio/good-tone.wav"))\n" }.joined().write(toFile: longWavScp, atomically: true, encoding: .utf8)
        let expected = "\(longWavScp): line 1: \(path("audio/good-tone.wav")) is audio, as is every one of its 40 entries: "
            + "this is a wav.scp, not a feature scp (extract features with seqlab extract audio --scp \(longWavScp))\n"
        for (command, arguments) in [("decode", ["decode", "-m", Self.model!, "--feats", longWavScp]),
                                     ("align", ["align", "-m", Self.model!, "--feats", longWavScp, "--text", text]),
                                     ("cmvn", ["cmvn", longWavScp, "-o", output("long.ark")])] {
            let r = try runSeqlab(arguments, timeout: 30)
            XCTAssertEqual(r.status, 1, command)
            XCTAssertEqual(r.stderr, "seqlab \(command): " + expected, command)
            XCTAssertEqual(r.stdoutText, "", command)
        }
        // inspect, which reads every kind of file, summarises it as the wav.scp it is.
        let inspected = try runSeqlab(["inspect", longWavScp], timeout: 30)
        XCTAssertEqual(inspected.status, 0, inspected.stderr)
        XCTAssertEqual(inspected.stdoutText, "\(longWavScp): wav.scp\n  entries: 40\n  audio files found: 40\n")

        // Labels whose keys none of the features have: each mismatch reported, then why nothing trains.
        let otherText = output("other.text")
        try "nobody a\n".write(toFile: otherText, atomically: true, encoding: .utf8)
        let untrained = try runSeqlab(["train", "--feats", path("ark/good.ark"), "--text", otherText, "--tokens", "words",
                                       "--hidden", "4", "--epochs", "1", "--quiet", "-o", output("m.safetensors")], timeout: 30)
        XCTAssertEqual(untrained.status, 1)
        XCTAssertTrue(untrained.stderr.split(separator: "\n").last?.contains("no usable training utterances (") ?? false, untrained.stderr)
        XCTAssertTrue(untrained.stderr.contains("problem(s) reported above: features without a label, labels without features"), untrained.stderr)

        // An empty archive or an empty label file: one line naming it, not a warning per utterance.
        let emptyText = output("empty.text")
        try "".write(toFile: emptyText, atomically: true, encoding: .utf8)
        for (args, message) in [
            (["--text", otherText, "--tokens", "words"], "stdin: no utterances (the archive is empty; expected at least one Kaldi record)"),
            (["--feats", path("ark/good.ark"), "--text", emptyText, "--tokens", "words"], "empty.text: no label lines (the file is empty; expected lines of KEY TOKEN…)"),
            (["--task", "predict", "--unidirectional"], "stdin: no utterances (the archive is empty; expected at least one Kaldi record)"),
        ] {
            let r = try runSeqlab(["train"] + args + ["--hidden", "4", "--epochs", "1", "--quiet", "-o", output("m.safetensors")], timeout: 30)
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }

        let empty = output("empty-matrix.ark")
        try "u1  [ ]\n".write(toFile: empty, atomically: true, encoding: .utf8)
        let nothing = try runSeqlab(["decode", "-m", Self.model, "--feats", empty], timeout: 30)
        XCTAssertEqual(nothing.status, 1)
        XCTAssertTrue(nothing.stderr.contains("u1: no frames (an empty matrix)"), nothing.stderr)
    }

    func testBatchesKeepTheGoodItems() throws {
        let good1 = path("audio/good-tone.wav"), good2 = path("audio/good-tone2.wav")
        for bad in ["bad-data-truncated.wav", "bad-text.wav", "bad-nan-inf.wav", "bad-empty.wav"] {
            let badPath = path("audio/\(bad)")
            let ark = output("batch.ark")
            let extract = try runSeqlab(["extract", "audio", "--config", Self.conf, good1, badPath, good2, "-o", ark, "--text-ark", "--quiet"], timeout: 30)
            XCTAssertFalse(extract.killedBySignal)
            XCTAssertNotEqual(extract.status, 0, bad)
            XCTAssertTrue(extract.stderr.contains(bad), extract.stderr)
            let written = (try? String(contentsOfFile: ark, encoding: .utf8)) ?? ""
            XCTAssertTrue(written.contains("good-tone ") && written.contains("good-tone2 "), "\(bad): \(written.prefix(200))")

            let label = try runSeqlab(["label", "-m", Self.model, good1, badPath, good2, "--jobs", "2", "--quiet"], timeout: 30)
            XCTAssertFalse(label.killedBySignal)
            XCTAssertNotEqual(label.status, 0, bad)
            XCTAssertTrue(label.stderr.contains(bad), label.stderr)
            XCTAssertEqual(label.stdoutText.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") },
                           ["good-tone", "good-tone2"], label.stdoutText)
        }
        let strokes = try runSeqlab(["extract", "strokes", path("unipen/good.dat"), path("unipen/bad-point.dat"), path("iam/good.xml"),
                                     "--text-ark", "--quiet"], timeout: 30)
        XCTAssertFalse(strokes.killedBySignal)
        XCTAssertNotEqual(strokes.status, 0)
        XCTAssertTrue(strokes.stderr.contains("bad-point.dat"), strokes.stderr)
        XCTAssertEqual(strokes.stdoutText.components(separatedBy: "[").count - 1, 2, strokes.stdoutText)

        let inspect = try runSeqlab(["inspect", path("ark/good.ark"), path("ark/bad-huge-dims.ark"), path("audio/good-tone.wav")], timeout: 30)
        XCTAssertFalse(inspect.killedBySignal)
        XCTAssertNotEqual(inspect.status, 0)
        XCTAssertTrue(inspect.stderr.contains("bad-huge-dims.ark"), inspect.stderr)
        XCTAssertTrue(inspect.stdoutText.contains("good.ark") && inspect.stdoutText.contains("good-tone.wav"), inspect.stdoutText)
    }
}
