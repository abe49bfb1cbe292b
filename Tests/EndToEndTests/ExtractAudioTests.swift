// `seqlab extract audio` through the built binary: archive contents, bad files, order with --jobs.
import Foundation
import XCTest
import Features
import Tensors
import TestSupport

final class ExtractAudioTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let fixture = packageRoot.appendingPathComponent("Tests/FeaturesAudioTests/Fixtures/synthetic-16k.wav").path

    /// A binary Kaldi archive of FM records, parsed by hand (`key \0BFM \4 rows \4 cols data`).
    func parseBinaryArk(_ data: Data) throws -> [(String, Matrix)] {
        let bytes = [UInt8](data)
        var records: [(String, Matrix)] = []
        var i = 0
        func int32(_ at: Int) -> Int {
            Int(Int32(littleEndian: bytes[at..<(at + 4)].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
        }
        while i < bytes.count {
            guard let space = bytes[i...].firstIndex(of: 0x20) else { throw NSError(domain: "ark", code: 1) }
            let key = String(decoding: bytes[i..<space], as: UTF8.self)
            i = space + 1
            guard Array(bytes[i..<(i + 5)]) == [0, 0x42, 0x46, 0x4D, 0x20], bytes[i + 5] == 4, bytes[i + 10] == 4 else {
                throw NSError(domain: "ark", code: 2, userInfo: [NSLocalizedDescriptionKey: "record \(key) is not binary FM"])
            }
            let rows = int32(i + 6), cols = int32(i + 11)
            i += 15
            let values = (0..<(rows * cols)).map { k in
                Float(bitPattern: UInt32(littleEndian: bytes[(i + 4 * k)..<(i + 4 * k + 4)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
            }
            i += 4 * rows * cols
            records.append((key, Matrix(rows: rows, cols: cols, data: values)))
        }
        return records
    }

    func writeTone(_ name: String, hz: Double, seconds: Double, rate: Int = 16000) throws -> String {
        let url = dir.appendingPathComponent(name)
        try wavBytes(samples: toneSamples(hz: hz, seconds: seconds, rate: rate), rate: rate).write(to: url)
        return url.path
    }

    /// A flag of another feature type would change nothing: it is refused, naming the type.
    func testFlagsOfAnotherFeatureTypeAreRefused() throws {
        let cases: [([String], String)] = [
            (["--num-ceps", "20"], "--num-ceps is for --type mfcc; these features are fbank"),
            (["--type", "spectrogram", "--num-ceps", "20"], "--num-ceps is for --type mfcc; these features are spectrogram"),
            (["--type", "spectrogram", "--num-mel-bins", "40", "--high-freq", "-200"],
             "--num-mel-bins, --high-freq shape the mel filterbank of fbank and mfcc; a spectrogram has none"),
        ]
        for (flags, message) in cases {
            let r = try runSeqlab(["extract", "audio", Self.fixture, "--quiet", "-o", dir.appendingPathComponent("x.ark").path] + flags)
            XCTAssertEqual(r.status, 64, "\(flags)")
            XCTAssertTrue(r.stderr.contains(message), "\(flags): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.ark").path))
        }
    }

    func testExtractingTheFixtureEqualsTheLibrary() throws {
        let out = dir.appendingPathComponent("feats.ark").path
        let r = try runSeqlab(["extract", "audio", Self.fixture, "--type", "mfcc", "--num-ceps", "20", "--cmvn", "mean", "-o", out, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let records = try parseBinaryArk(try Data(contentsOf: URL(fileURLWithPath: out)))
        XCTAssertEqual(records.map(\.0), ["synthetic-16k"])
        var config = FrontendConfig(featureType: .mfcc)
        config.numCeps = 20
        config.cmvn = .mean
        let expected = try FeatureExtractor(config: config).features(file: Self.fixture)
        assertClose(records[0].1, expected, absolute: 1e-5)

        // The same through a config file and a text archive on stdout.
        let conf = dir.appendingPathComponent("mfcc.conf")
        try config.configText.write(to: conf, atomically: true, encoding: .utf8)
        let t = try runSeqlab(["extract", "audio", Self.fixture, "--config", conf.path, "--text-ark"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stdoutText.hasPrefix("synthetic-16k  ["), String(t.stdoutText.prefix(80)))
        let numbers = t.stdoutText.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Float($0) }
        assertClose(numbers, expected.data, absolute: 1e-4)
    }

    func testABadFileIsReportedAndTheRestIsWritten() throws {
        let good1 = try writeTone("one.wav", hz: 440, seconds: 0.2)
        let bad = dir.appendingPathComponent("notes.wav").path
        try Data("this is text, not audio\n".utf8).write(to: URL(fileURLWithPath: bad))
        let good2 = try writeTone("two.wav", hz: 880, seconds: 0.3)
        let r = try runSeqlab(["extract", "audio", good1, bad, good2, "--jobs", "2"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(bad), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("seqlab extract audio: \(bad): ") }.count, 1, r.stderr)
        let records = try parseBinaryArk(r.stdout)
        XCTAssertEqual(records.map(\.0), ["one", "two"])
        XCTAssertEqual(records[0].1.rows, 1 + (3200 - 400) / 160)
        XCTAssertEqual(records[1].1.cols, 23)
    }

    /// A run that writes nothing (every input failed) leaves the archive of an earlier run as it
    /// was, instead of an empty one; so does extract strokes.
    func testARunThatWritesNothingKeepsTheOldArchive() throws {
        let tone = try writeTone("t.wav", hz: 440, seconds: 0.2)
        let ark = dir.appendingPathComponent("out.ark").path
        let first = try runSeqlab(["extract", "audio", tone, "-o", ark, "--quiet"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try Data(contentsOf: URL(fileURLWithPath: ark))
        let failed = try runSeqlab(["extract", "audio", dir.appendingPathComponent("missing.wav").path, "-o", ark, "--quiet"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("no utterance was written (every input failed); \(ark) was left as it was"), failed.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ark)), before)
        let pen = dir.appendingPathComponent("bad.pen").path
        try "label x\n1 banana\n".write(toFile: pen, atomically: true, encoding: .utf8)
        let strokes = try runSeqlab(["extract", "strokes", pen, "-o", ark, "--quiet"])
        XCTAssertEqual(strokes.status, 1)
        XCTAssertTrue(strokes.stderr.contains("no sample was written; \(ark) was left as it was"), strokes.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ark)), before)
    }

    /// Two files of one name in different folders are both kept, keyed with as many parent folders
    /// as tell them apart (as extract strokes keys them); the same file twice ("./" and "//" in a
    /// path change nothing) is read once, with a warning that leaves the exit status 0.
    func testTwoFilesWithTheSameNameGetTheirFoldersInTheirKeys() throws {
        for sub in ["a", "b"] { try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true) }
        let first = try writeTone("a/x.wav", hz: 440, seconds: 0.2)
        let second = try writeTone("b/x.wav", hz: 660, seconds: 0.2)
        let r = try runSeqlab(["extract", "audio", first, second, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try parseBinaryArk(r.stdout).map(\.0), ["a-x", "b-x"])
        let twice = try runSeqlab(["extract", "audio", first, first, "--quiet"])
        XCTAssertEqual(twice.status, 0, twice.stderr)
        XCTAssertEqual(twice.stderr, "seqlab extract audio: warning: \(first): given twice; read once\n")
        XCTAssertEqual(try parseBinaryArk(twice.stdout).map(\.0), ["x"])
        let dotted = try runSeqlab(["extract", "audio", "a/x.wav", "./a//x.wav", "./b/x.wav", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(dotted.status, 0, dotted.stderr)
        XCTAssertEqual(dotted.stderr, "seqlab extract audio: warning: ./a//x.wav: given twice (the same file as a/x.wav); read once\n")
        XCTAssertEqual(try parseBinaryArk(dotted.stdout).map(\.0), ["a-x", "b-x"])
        // A path on its own: "./" is no folder of the key.
        let alone = try runSeqlab(["extract", "audio", "./a/x.wav", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(try parseBinaryArk(alone.stdout).map(\.0), ["x"], alone.stderr)
    }

    func testOrderIsKeptWithTwoJobsAndPathsOnStdin() throws {
        // Lengths vary so that later files can finish first.
        var paths: [String] = []
        for k in 0..<9 {
            paths.append(try writeTone(String(format: "utt%02d.wav", k), hz: 200 + 100 * Double(k), seconds: k % 3 == 0 ? 1.5 : 0.1 + 0.05 * Double(k)))
        }
        let r = try runSeqlab(["extract", "audio", "-", "--jobs", "2", "--type", "spectrogram", "--quiet"],
                              stdin: Data(paths.joined(separator: "\n").utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try parseBinaryArk(r.stdout)
        XCTAssertEqual(records.map(\.0), (0..<9).map { String(format: "utt%02d", $0) })
        let single = try runSeqlab(["extract", "audio"] + paths + ["--jobs", "1", "--type", "spectrogram", "--quiet"])
        XCTAssertEqual(single.stdout, r.stdout, "one job and two jobs give the same bytes")
    }

    /// A bad front-end value given as a flag is a refused command line (64) naming the flag, with
    /// no line number; a bad line of a --config file is bad input (1) naming the file and its line.
    func testBadFrontEndOptionsAreNamedWhereTheyCameFrom() throws {
        let conf = packageRoot.appendingPathComponent("models/digits.conf").path
        let out = dir.appendingPathComponent("x.ark").path
        for (flags, message) in [
            (["--num-mel-bins", "0"], "num-mel-bins must be in 1...10000, got 0"),
            (["--dither=-1"], "dither must be non-negative, got -1.0"),
            (["--type", "foo"], "--type expects one of spectrogram, fbank, mfcc, got 'foo'"),
            (["--config", conf, "--window-type", "foo"], "--window-type expects one of povey, hamming, hanning, rectangular, blackman, got 'foo'"),
            (["--config", conf, "--high-freq", "5000"], "bad mel frequency range: low-freq 20.0, high-freq 5000.0 (resolved 5000.0) with Nyquist 4000.0 (with --config \(conf))"),
        ] {
            let r = try runSeqlab(["extract", "audio", Self.fixture, "-o", out] + flags)
            XCTAssertEqual(r.status, 64, "\(flags): \(r.stderr)")
            XCTAssertEqual(r.stderr, "seqlab extract audio: \(message)\n", "\(flags)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        let bad = dir.appendingPathComponent("bad.conf").path
        try "# front end\n--num-mel-bins=40\n\n--window-type=bad\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["extract", "audio", Self.fixture, "-o", out, "--config", bad, "--num-mel-bins", "30"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "seqlab extract audio: \(bad): line 4: --window-type expects one of povey, hamming, hanning, rectangular, blackman, got 'bad'\n")
    }

    /// A front end with a mel bin that covers no FFT bin cannot work for any file: it is refused
    /// once, before any file is read, naming where the settings came from.
    func testAnUnworkableMelFilterbankIsRefusedOnceUpFront() throws {
        let conf = packageRoot.appendingPathComponent("models/digits.conf").path
        let scp = packageRoot.appendingPathComponent("data/samples/wav.scp").path
        let out = dir.appendingPathComponent("x.ark").path
        let flag = try runSeqlab(["extract", "audio", "--config", conf, "--num-mel-bins", "500", "--scp", scp, "-o", out], currentDirectory: packageRoot)
        XCTAssertEqual(flag.status, 64, flag.stderr)
        XCTAssertEqual(flag.stderr, "seqlab extract audio: mel bin 0 covers no FFT bin: --num-mel-bins=500 is too large for an FFT of 256 points between 20.0 and 4000.0 Hz (with --config \(conf))\n")
        let bad = dir.appendingPathComponent("wide.conf").path
        try "--sample-frequency=8000\n--num-mel-bins=500\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let file = try runSeqlab(["extract", "audio", "--config", bad, "--scp", scp, "-o", out], currentDirectory: packageRoot)
        XCTAssertEqual(file.status, 1, file.stderr)
        XCTAssertEqual(file.stderr, "seqlab extract audio: \(bad): mel bin 0 covers no FFT bin: --num-mel-bins=500 is too large for an FFT of 256 points between 20.0 and 4000.0 Hz\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// Command-line options apply over --config before the whole is checked, as Kaldi's do: a
    /// config whose 2-sample frames could not feed fbank's 23 mel bins makes a spectrogram with
    /// --type spectrogram (the bytes of the config naming the type itself), and a flag that does
    /// not mend it leaves the config's own error.
    func testCommandLineTypeOverridesTheConfigBeforeItIsChecked() throws {
        let a = try writeTone("a.wav", hz: 300, seconds: 0.2, rate: 8000)
        let raw = dir.appendingPathComponent("raw.conf").path, typed = dir.appendingPathComponent("typed.conf").path
        try "--sample-frequency=8000\n--frame-length=0.25\n".write(toFile: raw, atomically: true, encoding: .utf8)
        try "--sample-frequency=8000\n--frame-length=0.25\n--feature-type=spectrogram\n".write(toFile: typed, atomically: true, encoding: .utf8)
        let flag = try runSeqlab(["extract", "audio", a, "--config", raw, "--type", "spectrogram", "--text-ark", "--quiet"])
        XCTAssertEqual(flag.status, 0, flag.stderr)
        let file = try runSeqlab(["extract", "audio", a, "--config", typed, "--text-ark", "--quiet"])
        XCTAssertEqual(file.status, 0, file.stderr)
        XCTAssertEqual(flag.stdoutText, file.stdoutText)
        // 1600 samples in frames of 2 every 80: 20 frames of 2 / 2 + 1 = 2 columns.
        let rows = flag.stdoutText.split(separator: "\n").dropFirst().map { $0.split(separator: " ").compactMap { Float($0) } }
        XCTAssertEqual(rows.count, 20)
        XCTAssertTrue(rows.allSatisfy { $0.count == 2 }, flag.stdoutText)
        let out = dir.appendingPathComponent("x.ark").path
        let unmended = try runSeqlab(["extract", "audio", a, "--config", raw, "--frame-shift", "5", "-o", out])
        XCTAssertEqual(unmended.status, 1, unmended.stderr)
        XCTAssertEqual(unmended.stderr, "seqlab extract audio: \(raw): mel bin 0 covers no FFT bin: --num-mel-bins=23 is too large for an FFT of 2 points between 20.0 and 4000.0 Hz\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testScpKeysAndBadOptions() throws {
        let a = try writeTone("a.wav", hz: 300, seconds: 0.2, rate: 8000)
        let scp = dir.appendingPathComponent("wav.scp")
        try "spk1-utt7 \(a)\n".write(to: scp, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["extract", "audio", "--scp", scp.path, "--sample-frequency", "8000", "--num-mel-bins", "15",
                               "--deltas", "1", "--no-resample", "--text-ark", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdoutText.hasPrefix("spk1-utt7  ["), r.stdoutText)
        let firstRow = r.stdoutText.split(separator: "\n")[1].split(separator: " ").compactMap { Float($0) }
        XCTAssertEqual(firstRow.count, 30)
        // 8 kHz file, 16 kHz front end, resampling off: refused, naming the file.
        let refused = try runSeqlab(["extract", "audio", a, "--no-resample", "-o", dir.appendingPathComponent("x.ark").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(a) && refused.stderr.contains("resampling"), refused.stderr)
        let badOption = try runSeqlab(["extract", "audio", a, "--window-type", "triangle", "--text-ark"])
        XCTAssertNotEqual(badOption.status, 0)
        XCTAssertTrue(badOption.stderr.contains("window-type"), badOption.stderr)
    }

    /// --segments cuts the wav.scp's recordings as Kaldi's extract-segments does: samples
    /// Int(start × rate) to Int(end × rate), end -1 the end of the recording, an end less than
    /// 0.5 s past it cut to it. Each segment's features equal those of a file holding exactly
    /// those samples; bad segments are reported on their line and the others still written.
    func testSegmentsCutRecordingsLikeKaldi() throws {
        let rate = 8000
        // A chirp-like signal, so every cut gives other features.
        let one: [Int16] = (0..<(rate * 3)).map { (i: Int) -> Int16 in
            let t = Double(i)
            return Int16(6000 * sin(t * t / 4e6) + Double(i % 97) * 10)
        }
        let two = toneSamples(hz: 440, seconds: 1.5, rate: rate)
        let oneURL = dir.appendingPathComponent("one.wav"), twoURL = dir.appendingPathComponent("two.wav")
        try wavBytes(samples: one, rate: rate).write(to: oneURL)
        try wavBytes(samples: two, rate: rate).write(to: twoURL)
        let scp = dir.appendingPathComponent("wav.scp").path, segments = dir.appendingPathComponent("segments").path
        try "rec1 \(oneURL.path)\nrec2 \(twoURL.path)\n".write(toFile: scp, atomically: true, encoding: .utf8)
        try """
        rec1-a rec1 0.25 1.1
        rec1-b rec1 1.1 -1
        rec2-a rec2 0.0 1.8
        rec1-c rec1 2.5 2.58
        rec2-b rec2 0.5 2.1
        rec3-a rec3 0 1
        rec2-c rec2 1.6 2.0
        rec1-d rec1 0.3333 0.7777

        """.write(toFile: segments, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("seg.ark").path
        let r = try runSeqlab(["extract", "audio", "--scp", scp, "--segments", segments, "--sample-frequency", "8000", "-o", out])
        XCTAssertEqual(r.status, 1, r.stderr)
        let records = try parseBinaryArk(Data(contentsOf: URL(fileURLWithPath: out)))
        XCTAssertEqual(records.map(\.0), ["rec1-a", "rec1-b", "rec2-a", "rec1-d"])
        // The samples each kept segment covers, by Kaldi's arithmetic (1.8 s is 0.3 s past rec2's end: cut to it).
        let cuts: [String: ArraySlice<Int16>] = ["rec1-a": one[2000..<8800], "rec1-b": one[8800...], "rec2-a": two[...],
                                                  "rec1-d": one[Int(0.3333 * 8000)..<Int(0.7777 * 8000)]]
        for (key, features) in records {
            let piece = dir.appendingPathComponent("\(key).wav")
            try wavBytes(samples: Array(cuts[key]!), rate: rate).write(to: piece)
            let whole = try runSeqlab(["extract", "audio", piece.path, "--sample-frequency", "8000", "--quiet"])
            XCTAssertEqual(whole.status, 0, whole.stderr)
            let expected = try parseBinaryArk(whole.stdout)
            XCTAssertEqual(expected.first?.1.rows, features.rows, key)
            XCTAssertEqual(expected.first?.1.data.map(\.bitPattern), features.data.map(\.bitPattern), key)
        }
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("seqlab extract audio: \(segments): line 4: segment \"rec1-c\" of \"rec1\": 0.08 s of audio, not more than the 0.1 s a segment needs"), r.stderr)
        XCTAssertTrue(lines.contains("seqlab extract audio: \(segments): line 5: segment \"rec2-b\" of \"rec2\": ends at 2.1 s, 0.5 s or more after the end of the recording (1.5 s)"), r.stderr)
        XCTAssertTrue(lines.contains("seqlab extract audio: \(segments): line 6: segment \"rec3-a\": recording \"rec3\" is not in \(scp)"), r.stderr)
        XCTAssertTrue(lines.contains("seqlab extract audio: \(segments): line 7: segment \"rec2-c\" of \"rec2\": starts at 1.6 s, at or after the end of the recording (1.5 s)"), r.stderr)
        XCTAssertTrue(lines.last?.hasPrefix("seqlab extract audio: 4 utterances from 8 segments") == true, r.stderr)

        // A malformed line is refused before any work, naming it; --segments needs --scp.
        try "u rec1 0.5\n".write(toFile: segments, atomically: true, encoding: .utf8)
        let malformed = try runSeqlab(["extract", "audio", "--scp", scp, "--segments", segments, "-o", out])
        XCTAssertEqual(malformed.stderr, "seqlab extract audio: \(segments): line 1: expected \"uttid recording start end [channel]\", found 3 fields\n")
        XCTAssertEqual(malformed.status, 1)
        let alone = try runSeqlab(["extract", "audio", "--segments", segments, oneURL.path])
        XCTAssertEqual(alone.status, 64)
        XCTAssertTrue(alone.stderr.contains("--segments needs --scp"), alone.stderr)

        // A recording that cannot be read fails each of its segments: one line for it, and the
        // closing count says how many segments failed (it said 1 for the three here).
        try "rec1 \(oneURL.path)\nrec2 \(dir.appendingPathComponent("none.wav").path)\n".write(toFile: scp, atomically: true, encoding: .utf8)
        try "rec2-a rec2 0.0 0.5\nrec2-b rec2 0.5 1.0\nrec2-c rec2 1.0 1.5\nrec1-a rec1 0.25 1.1\n".write(toFile: segments, atomically: true, encoding: .utf8)
        let unreadable = try runSeqlab(["extract", "audio", "--scp", scp, "--segments", segments, "--sample-frequency", "8000", "-o", out])
        XCTAssertEqual(unreadable.status, 1, unreadable.stderr)
        let said = unreadable.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(said.count, 2, unreadable.stderr)
        XCTAssertTrue(said.last?.hasPrefix("seqlab extract audio: 1 utterance from 4 segments, ") == true, unreadable.stderr)
        XCTAssertTrue(said.last?.hasSuffix(", 3 failed") == true, unreadable.stderr)
        XCTAssertEqual(try parseBinaryArk(Data(contentsOf: URL(fileURLWithPath: out))).map(\.0), ["rec1-a"])
    }

    func testSpeedPerturbationWritesKaldiKeysAndCopiesLabels() throws {
        let a = try writeTone("a.wav", hz: 300, seconds: 0.5)
        let b = try writeTone("b.wav", hz: 600, seconds: 0.4)
        let text = dir.appendingPathComponent("text")
        try "a one two\nb three\nc four\n".write(to: text, atomically: true, encoding: .utf8)
        let textOut = dir.appendingPathComponent("sp-text").path
        let r = try runSeqlab(["extract", "audio", a, b, "--speed-perturb", "0.9,1.0,1.1", "--text-in", text.path,
                               "--text-out", textOut, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try parseBinaryArk(r.stdout)
        XCTAssertEqual(records.map(\.0), ["sp0.9-a", "a", "sp1.1-a", "sp0.9-b", "b", "sp1.1-b"])
        // 0.5 s = 8000 samples → 48 frames; /0.9 → 8889 samples, 54 frames; /1.1 → 7273, 43.
        XCTAssertEqual(records.prefix(3).map(\.1.rows), [54, 48, 43])
        XCTAssertEqual(try String(contentsOfFile: textOut, encoding: .utf8),
                       "sp0.9-a one two\na one two\nsp1.1-a one two\nsp0.9-b three\nb three\nsp1.1-b three\n")

        // A file without a label line is reported and skipped; the others keep their labels.
        let c = try writeTone("d.wav", hz: 400, seconds: 0.3)
        let missing = try runSeqlab(["extract", "audio", c, a, "--speed-perturb", "1.1", "--text-in", text.path,
                                     "--text-out", textOut, "--quiet"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains(text.path) && missing.stderr.contains("key d"), missing.stderr)
        XCTAssertEqual(try parseBinaryArk(missing.stdout).map(\.0), ["sp1.1-a"])
        XCTAssertEqual(try String(contentsOfFile: textOut, encoding: .utf8), "sp1.1-a one two\n")

        let bad = try runSeqlab(["extract", "audio", a, "--speed-perturb", "0.9,fast", "--text-ark"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--speed-perturb") && bad.stderr.contains("fast"), bad.stderr)
        let half = try runSeqlab(["extract", "audio", a, "--text-in", text.path, "--text-ark"])
        XCTAssertNotEqual(half.status, 0)
        XCTAssertTrue(half.stderr.contains("--text-out"), half.stderr)

        // A --text-out that cannot be written stops the run before the archive is written.
        let ark = dir.appendingPathComponent("sp.ark").path, nowhere = dir.appendingPathComponent("no/such/text").path
        let unwritable = try runSeqlab(["extract", "audio", a, "--speed-perturb", "1.1", "--text-in", text.path,
                                        "--text-out", nowhere, "-o", ark, "--quiet"])
        XCTAssertEqual(unwritable.status, 1, unwritable.stderr)
        XCTAssertTrue(unwritable.stderr.hasPrefix("seqlab extract audio: \(nowhere): cannot open for writing"), unwritable.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ark))
    }

    /// --utt2spk-in/--utt2spk-out give each copy its speaker as Kaldi's perturb_data_dir_speed.sh
    /// does (sp0.9-UTT spoken by sp0.9-SPK), and cmvn --utt2spk with the written file pools each
    /// speed of each speaker: no utterance is left alone, and every one has its group's frames'
    /// mean (computed here from the extracted features) taken away.
    func testSpeedPerturbationCopiesSpeakersForPerSpeakerCMVN() throws {
        let a = try writeTone("a.wav", hz: 300, seconds: 0.5)
        let b = try writeTone("b.wav", hz: 600, seconds: 0.4)
        let c = try writeTone("c.wav", hz: 450, seconds: 0.3)
        let utt2spk = dir.appendingPathComponent("utt2spk").path
        try "a x\nb x\nc y\n".write(toFile: utt2spk, atomically: true, encoding: .utf8)
        let ark = dir.appendingPathComponent("sp.ark").path, spkOut = dir.appendingPathComponent("sp-utt2spk").path
        let r = try runSeqlab(["extract", "audio", a, b, c, "--speed-perturb", "0.9,1.0,1.1", "--utt2spk-in", utt2spk,
                               "--utt2spk-out", spkOut, "-o", ark, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOfFile: spkOut, encoding: .utf8), """
            sp0.9-a sp0.9-x
            a x
            sp1.1-a sp1.1-x
            sp0.9-b sp0.9-x
            b x
            sp1.1-b sp1.1-x
            sp0.9-c sp0.9-y
            c y
            sp1.1-c sp1.1-y

            """)
        let features = try parseBinaryArk(Data(contentsOf: URL(fileURLWithPath: ark)))
        let normalised = dir.appendingPathComponent("cmvn.ark").path
        let cmvn = try runSeqlab(["cmvn", "--utt2spk", spkOut, "--cmvn", "mean", ark, "-o", normalised])
        XCTAssertEqual(cmvn.status, 0, cmvn.stderr)
        XCTAssertEqual(cmvn.stderr, "", "every utterance has its speaker")
        let out = try parseBinaryArk(Data(contentsOf: URL(fileURLWithPath: normalised)))
        XCTAssertEqual(out.map(\.0), features.map(\.0))
        let groups = [["sp0.9-a", "sp0.9-b"], ["a", "b"], ["sp1.1-a", "sp1.1-b"], ["sp0.9-c"], ["c"], ["sp1.1-c"]]
        let byKey = Dictionary(uniqueKeysWithValues: features.map { ($0.0, $0.1) })
        let outByKey = Dictionary(uniqueKeysWithValues: out.map { ($0.0, $0.1) })
        for group in groups {
            let matrices = group.map { byKey[$0]! }
            let cols = matrices[0].cols, frames = matrices.reduce(0) { $0 + $1.rows }
            var mean = [Double](repeating: 0, count: cols)
            for m in matrices { for t in 0..<m.rows { for d in 0..<cols { mean[d] += Double(m[t, d]) / Double(frames) } } }
            for key in group {
                let m = byKey[key]!, o = try XCTUnwrap(outByKey[key])
                for t in 0..<m.rows { for d in 0..<cols {
                    XCTAssertEqual(Double(o[t, d]), Double(m[t, d]) - mean[d], accuracy: 1e-4, "\(key) frame \(t) dim \(d)")
                } }
            }
        }

        // An utterance the file does not name is reported and skipped, as one without a label.
        let d = try writeTone("d.wav", hz: 400, seconds: 0.3)
        let missing = try runSeqlab(["extract", "audio", d, a, "--speed-perturb", "1.1", "--utt2spk-in", utt2spk,
                                     "--utt2spk-out", spkOut, "--quiet"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("\(utt2spk): key d: no speaker line for \(d)"), missing.stderr)
        XCTAssertEqual(try parseBinaryArk(missing.stdout).map(\.0), ["sp1.1-a"])
        XCTAssertEqual(try String(contentsOfFile: spkOut, encoding: .utf8), "sp1.1-a sp1.1-x\n")
        for (flags, message) in [
            (["--utt2spk-in", utt2spk], "--utt2spk-in and --utt2spk-out go together"),
            (["--utt2spk-in", utt2spk, "--utt2spk-out", "-"], "--utt2spk-out cannot share stdout with the archive; give it a file"),
            (["--utt2spk-in", utt2spk, "--utt2spk-out", utt2spk, "-o", ark], "--utt2spk-out \(utt2spk) is the input \(utt2spk)"),
        ] {
            let refused = try runSeqlab(["extract", "audio", a, "--quiet"] + flags)
            XCTAssertEqual(refused.status, 64, "\(flags): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains(message), "\(flags): \(refused.stderr)")
        }
    }

    func testVTLPWritesWarpedCopiesUnderPrefixedKeysWithTheirLabels() throws {
        let a = try writeTone("a.wav", hz: 300, seconds: 0.5, rate: 8000)
        let conf = dir.appendingPathComponent("fbank.conf")
        try "--sample-frequency=8000\n--num-mel-bins=40\n".write(to: conf, atomically: true, encoding: .utf8)
        let text = dir.appendingPathComponent("text")
        try "a one two\n".write(to: text, atomically: true, encoding: .utf8)
        let textOut = dir.appendingPathComponent("vtlp-text").path
        let r = try runSeqlab(["extract", "audio", a, "--config", conf.path, "--vtlp-warps", "0.9,1,1.1",
                               "--text-in", text.path, "--text-out", textOut, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try parseBinaryArk(r.stdout)
        XCTAssertEqual(records.map(\.0), ["vtlp0.9-a", "a", "vtlp1.1-a"])
        XCTAssertEqual(try String(contentsOfFile: textOut, encoding: .utf8), "vtlp0.9-a one two\na one two\nvtlp1.1-a one two\n")
        // Each copy equals the front end run with that --vtln-warp in its config.
        for (i, warp) in ["0.9", "1", "1.1"].enumerated() {
            let warped = dir.appendingPathComponent("warp\(warp).conf")
            try "--sample-frequency=8000\n--num-mel-bins=40\n--vtln-warp=\(warp)\n".write(to: warped, atomically: true, encoding: .utf8)
            let one = try runSeqlab(["extract", "audio", a, "--config", warped.path, "--quiet"])
            XCTAssertEqual(one.status, 0, one.stderr)
            XCTAssertEqual(try parseBinaryArk(one.stdout).first?.1.data, records[i].1.data, "warp \(warp)")
        }
        let bad = try runSeqlab(["extract", "audio", a, "--vtlp-warps", "0.9,1.9", "--high-freq", "500", "--low-freq", "20", "--text-ark"])
        XCTAssertEqual(bad.status, 64, "flags that cannot work together")
        XCTAssertTrue(bad.stderr.hasPrefix("seqlab extract audio: --vtlp-warps: warp 0.9: bad VTLN range"), bad.stderr)
        XCTAssertTrue(bad.stdout.isEmpty, "nothing is written when a warp is refused")
    }

    func testNoiseIsSeededByKeyAndTheSameWithOneOrTwoJobs() throws {
        var paths: [String] = []
        for k in 0..<5 { paths.append(try writeTone("n\(k).wav", hz: 250 + 90 * Double(k), seconds: 0.2 + 0.1 * Double(k))) }
        let hum = try writeTone("hum.wav", hz: 60, seconds: 0.25, rate: 8000)
        let list = dir.appendingPathComponent("noises")
        try "# noise recordings\n\(hum)\n".write(to: list, atomically: true, encoding: .utf8)
        for noiseFlags in [["--noise-snr", "5"], ["--noise-snr", "0", "--noise-files", list.path]] {
            let args = ["extract", "audio"] + paths + ["--speed-perturb", "0.9,1", "--type", "spectrogram", "--seed", "4", "--quiet"] + noiseFlags
            let one = try runSeqlab(args + ["--jobs", "1"])
            let two = try runSeqlab(args + ["--jobs", "2"])
            XCTAssertEqual(one.status, 0, one.stderr)
            XCTAssertEqual(two.status, 0, two.stderr)
            XCTAssertEqual(one.stdout, two.stdout, "\(noiseFlags): one job and two jobs give the same bytes")
            let clean = try parseBinaryArk(try runSeqlab(["extract", "audio"] + paths + ["--speed-perturb", "0.9,1", "--type", "spectrogram", "--quiet"]).stdout)
            let noisy = try parseBinaryArk(one.stdout)
            XCTAssertEqual(noisy.map(\.0), clean.map(\.0))
            for (n, c) in zip(noisy, clean) { XCTAssertNotEqual(n.1.data, c.1.data, "\(n.0) has noise") }
            let reseeded = try runSeqlab(args.map { $0 == "4" ? "5" : $0 })
            XCTAssertNotEqual(reseeded.stdout, one.stdout, "another seed, other noise")
        }
        let orphan = try runSeqlab(["extract", "audio", paths[0], "--noise-files", list.path, "--text-ark"])
        XCTAssertNotEqual(orphan.status, 0)
        XCTAssertTrue(orphan.stderr.contains("--noise-snr"), orphan.stderr)
    }

    /// The temporary files (`.NAME.tmp-XXXXXX`) beside `path`.
    func temporaries(of path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
        return names.filter { $0.hasPrefix(".\(url.lastPathComponent).tmp-") }
            .map { url.deletingLastPathComponent().appendingPathComponent($0).path }
    }

    /// A wav.scp of the shipped samples under 10 keys each (120 utterances), and the archive path.
    func longList() throws -> String {
        let samples = try String(contentsOf: packageRoot.appendingPathComponent("data/samples/wav.scp"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let lines = (0..<10).flatMap { copy in samples.map { "c\(copy)-\($0[0]) \(packageRoot.appendingPathComponent($0[1]).path)" } }
        let scp = dir.appendingPathComponent("wav.scp").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: scp, atomically: true, encoding: .utf8)
        return scp
    }

    /// SIGKILL in the middle of `extract -o`: the archive under its final name is the old one, never a
    /// partial one; the next run removes the temporary file the killed one left and writes the
    /// same archive as an uninterrupted run.
    func testAKilledExtractLeavesNoPartialArchiveUnderTheFinalName() throws {
        let scp = try longList()
        let out = dir.appendingPathComponent("feats.ark").path
        try Data("old archive".utf8).write(to: URL(fileURLWithPath: out))
        let process = Process()
        process.executableURL = seqlabBinary()
        process.arguments = ["extract", "audio", "--scp", scp, "--jobs", "1", "-o", out, "--quiet"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        func written() -> Int {
            temporaries(of: out).compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.max() ?? 0
        }
        while process.isRunning && written() == 0 && Date() < deadline { usleep(1_000) }
        XCTAssertTrue(process.isRunning, "extract finished before it wrote anything; the kill tests nothing")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "old archive")
        XCTAssertEqual(temporaries(of: out).count, 1)

        let reference = dir.appendingPathComponent("reference.ark").path
        XCTAssertEqual(try runSeqlab(["extract", "audio", "--scp", scp, "-o", reference, "--quiet"]).status, 0)
        let again = try runSeqlab(["extract", "audio", "--scp", scp, "-o", out, "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("removed \(dir.path)/.feats.ark.tmp-"), again.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: reference))
        XCTAssertEqual(temporaries(of: out), [])
    }

    /// SIGINT stops between utterances: the archive holds only complete records (it reads back),
    /// the exit status is 130, and stderr says how many were written.
    func testAnInterruptedExtractKeepsCompleteUtterances() throws {
        try interruptExtract(with: SIGINT)
    }

    /// SIGHUP (the terminal or ssh session closing) stops extract as Ctrl-C does, exit status 129,
    /// rather than kill it with the archive left as a temporary file.
    func testAHangUpStopsExtractAsCtrlCDoes() throws {
        try interruptExtract(with: SIGHUP)
    }

    func interruptExtract(with signal: Int32) throws {
        let scp = try longList()
        let out = dir.appendingPathComponent("feats.ark").path
        let process = Process()
        process.executableURL = seqlabBinary()
        process.arguments = ["extract", "audio", "--scp", scp, "--jobs", "1", "-o", out, "--quiet"]
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && temporaries(of: out).isEmpty && Date() < deadline { usleep(1_000) }
        XCTAssertTrue(process.isRunning, "extract finished before the signal; the interrupt tests nothing")
        kill(process.processIdentifier, signal)
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, message)
        XCTAssertEqual(process.terminationStatus, 128 + signal, message)
        let records = try parseBinaryArk(XCTUnwrap(FileManager.default.contents(atPath: out)))
        XCTAssertLessThan(records.count, 120)
        XCTAssertTrue(message.contains("interrupted; \(out) holds the \(records.count) complete utterances"), message)
        XCTAssertEqual(temporaries(of: out), [])
    }
}
