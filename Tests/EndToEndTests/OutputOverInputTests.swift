// An output path that names one of the command's inputs (a slip of the shell, a link) is refused
// with exit status 64 before anything is written: the input stays as it was.
import Foundation
import TestSupport
import XCTest

final class OutputOverInputTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
    static let config = packageRoot.appendingPathComponent("models/digits.conf").path

    /// Copies `source` to `name` in the test folder; returns its path.
    func copy(_ source: String, _ name: String) throws -> String {
        try FileManager.default.copyItem(atPath: source, toPath: path(name))
        return path(name)
    }

    /// Each command given an output that is one of its inputs: it used to replace the input (a
    /// recording by a feature archive, the training features by the model, the corpus by its ARPA
    /// model, a recording by an empty labels file). Now: exit status 64, one line naming both, and
    /// the input's bytes unchanged.
    func testAnOutputThatIsAnInputIsRefusedBeforeAnythingIsWritten() throws {
        let wav = try copy(packageRoot.appendingPathComponent("data/samples/sample01_41918.wav").path, "a.wav")
        let text = try copy(packageRoot.appendingPathComponent("data/samples/text").path, "text")
        let feats = path("feats.ark")
        let scp = try writeTextFile("sample01_41918 \(wav)\n", "wav.scp", in: dir)
        let segments = try writeTextFile("u1 sample01_41918 0.0 0.5\n", "segments", in: dir)
        XCTAssertEqual(try runSeqlab(["extract", "audio", "--config", Self.config, "--scp", scp, "-o", feats, "--quiet"]).status, 0)
        try FileManager.default.createSymbolicLink(atPath: path("link.wav"), withDestinationPath: wav)
        let cases: [(command: String, arguments: [String], message: String)] = [
            ("extract audio", ["extract", "audio", "--config", Self.config, wav, "-o", wav], "-o \(wav) is the input \(wav)"),
            ("extract audio", ["extract", "audio", "--config", Self.config, path("link.wav"), "-o", wav], "-o \(wav) is the input \(path("link.wav"))"),
            ("extract audio", ["extract", "audio", "--config", Self.config, "--scp", scp, "-o", "ark,scp:\(path("b.ark")),\(scp)"], "-o \(scp) is the input \(scp)"),
            ("extract audio", ["extract", "audio", "--config", Self.config, "--scp", scp, "--segments", segments, "-o", segments],
             "-o \(segments) is the input \(segments)"),
            ("train", ["train", "--feats", feats, "--text", text, "--hidden", "4", "--epochs", "1", "-o", feats], "-o \(feats) is the input \(feats)"),
            ("train", ["train", "--feats", feats, "--text", text, "--hidden", "4", "--epochs", "1", "-o", path("m.safetensors"), "--log", text],
             "--log \(text) is the input \(text)"),
            ("lm build", ["lm", "build", text, "-o", dir.path + "/./text"], "-o \(dir.path)/./text is the input \(text)"),
            ("label", ["label", "-m", Self.model, wav, "-o", wav], "-o \(wav) is the input \(wav)"),
            ("plot features", ["plot", "features", feats, "-o", feats], "-o \(feats) is the input \(feats)"),
        ]
        let before = try [wav, text, feats, scp, segments].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for (command, arguments, message) in cases {
            let r = try runSeqlab(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr, "seqlab \(command): \(message): writing it would replace that input; give another output path\n")
            let after = try [wav, text, feats, scp, segments].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
            XCTAssertEqual(after, before, "\(arguments) changed an input")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.safetensors")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("b.ark")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: wav + ".progress"))
    }

    /// Two outputs of one command naming one file: the one written last replaced the other
    /// (`extract --text-out` over the archive, train's checkpoint over its best model, both exit
    /// status 0), or one's temporary file was removed as the other's leftover (grid learn failed with
    /// "cannot replace file"). Now refused with exit status 64 before any work, nothing written.
    func testTwoOutputsOnOneFileAreRefused() throws {
        let wav = packageRoot.appendingPathComponent("data/samples/sample01_41918.wav").path
        let feats = path("feats.ark")
        let text = try writeTextFile("sample01_41918 4 1 9 1 8\n", "text", in: dir)
        XCTAssertEqual(try runSeqlab(["extract", "audio", "--config", Self.config, wav, "-o", feats, "--quiet"]).status, 0)
        let grid = packageRoot.appendingPathComponent("data/grids/russell-norvig-4x3.grid").path
        let cases: [(command: String, arguments: [String], message: String)] = [
            ("extract audio", ["extract", "audio", "--config", Self.config, wav, "--text-in", text, "--text-out", dir.path + "/./out.ark", "-o", path("out.ark")],
             "-o \(path("out.ark")) and --text-out \(dir.path)/./out.ark are one file"),
            ("train", ["train", "--feats", feats, "--text", text, "--hidden", "4", "--epochs", "1", "-o", path("m.safetensors"), "--checkpoint", path("m.safetensors")],
             "-o \(path("m.safetensors")) and --checkpoint \(path("m.safetensors")) are one file"),
            ("grid learn", ["grid", "learn", grid, "--algorithm", "dqn", "--episodes", "5", "--model", path("q.safetensors"), "--curve", path("q.safetensors")],
             "--model \(path("q.safetensors")) and --curve \(path("q.safetensors")) are one file"),
        ]
        for (command, arguments, message) in cases {
            let r = try runSeqlab(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr, "seqlab \(command): \(message): one would replace the other; give each its own path\n")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["feats.ark", "text"])
    }

    /// Runs each case: exit status 64, one line naming both files, and `inputs` unchanged.
    func assertRefused(_ cases: [(command: String, arguments: [String], message: String)], inputs: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try inputs.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for (command, arguments, message) in cases {
            let r = try runSeqlab(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)", file: file, line: line)
            XCTAssertEqual(r.stderr, "seqlab \(command): \(message): writing it would replace that input; give another output path\n",
                           file: file, line: line)
            XCTAssertEqual(try inputs.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }, before, "\(arguments) changed an input",
                           file: file, line: line)
        }
    }

    /// extract strokes reads its pen files as the other commands read their inputs: `extract
    /// strokes x.pen -o x.pen` replaced the pen file with its archive (exit status 0), and
    /// `--write-config x.pen` replaced it before it was read. Refused as the other commands refuse
    /// it; a front-end config rewritten in place by `--write-config` stays allowed.
    func testStrokeFilesAreNotReplaced() throws {
        let pen = try writeTextFile("label a\n0 0\n1 1\n2 0\n---\n", "x.pen", in: dir)
        try assertRefused([
            ("extract strokes", ["extract", "strokes", pen, "-o", pen], "-o \(pen) is the input \(pen)"),
            ("extract strokes", ["extract", "strokes", pen, "-o", path("x.ark"), "--write-config", pen], "--write-config \(pen) is the input \(pen)"),
            ("extract strokes", ["extract", "strokes", pen, "-o", path("x.ark"), "--text-out", dir.path + "/./x.pen"],
             "--text-out \(dir.path)/./x.pen is the input \(pen)"),
        ], inputs: [pen])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.ark")))
        let config = path("strokes.conf")
        XCTAssertEqual(try runSeqlab(["extract", "strokes", pen, "-o", path("x.ark"), "--write-config", config, "--quiet"]).status, 0)
        let rewritten = try runSeqlab(["extract", "strokes", pen, "-o", path("x.ark"), "--config", config, "--write-config", config, "--quiet"])
        XCTAssertEqual(rewritten.status, 0, rewritten.stderr)
    }

    /// A UNIPEN file's `.INCLUDE`s (nested or not, under --include-root) are read as much as the
    /// file itself: `extract strokes D.dat --include-root INC -o INC/ink/a.dat` replaced the ink
    /// file with the feature archive (exit status 0), as did --text-out, --write-config, `plot ink`,
    /// `plot posteriors` and `label` (which empties its output before reading anything). Refused
    /// as an output over the data file is, before anything is committed; standard input's includes
    /// are found as it is read, and the outputs, still temporary, are dropped.
    func testFilesAUNIPENFileIncludesAreNotReplaced() throws {
        let include = path("include")
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures/unipen/include").path,
                                         toPath: include)
        let unipen = ".VERSION 1.0\n.INCLUDE ink/a.dat\n.SEGMENT CHARACTER 1 ? \"a\"\n.SEGMENT WORD 1-3 OK \"b c\"\n"
        let data = try writeTextFile(unipen, "d.dat", in: dir)
        let ink = include + "/ink/a.dat", doc = include + "/doc/info.doc"
        // A stroke model to label with, trained on the file's own two samples.
        let feats = path("d.ark"), text = path("text"), conf = path("strokes.conf"), model = path("m.safetensors")
        let extracted = try runSeqlab(["extract", "strokes", data, "--include-root", include, "-o", feats, "--text-out", text,
                                       "--write-config", conf, "--quiet"])
        XCTAssertEqual(extracted.status, 0, extracted.stderr)
        let trained = try runSeqlab(["train", "--feats", feats, "--text", text, "--frontend", conf, "--hidden", "4", "--epochs", "1",
                                     "--valid-fraction", "0", "--threads", "1", "--quiet", "-o", model])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let extract = ["extract", "strokes", data, "--include-root", include]
        try assertRefused([
            ("extract strokes", extract + ["-o", ink], "-o \(ink) is the input \(ink)"),
            ("extract strokes", extract + ["-o", doc], "-o \(doc) is the input \(doc)"),
            ("extract strokes", extract + ["-o", path("x.ark"), "--text-out", ink], "--text-out \(ink) is the input \(ink)"),
            ("extract strokes", extract + ["-o", path("x.ark"), "--write-config", ink], "--write-config \(ink) is the input \(ink)"),
            ("plot ink", ["plot", "ink", data, "--include-root", include, "-o", ink], "-o \(ink) is the input \(ink)"),
            ("plot posteriors", ["plot", "posteriors", "-m", model, data, "--include-root", include, "-o", doc], "-o \(doc) is the input \(doc)"),
            ("label", ["label", "-m", model, data, "--include-root", include, "-o", ink], "-o \(ink) is the input \(ink)"),
        ], inputs: [ink, doc, data])
        let before = try Data(contentsOf: URL(fileURLWithPath: ink))
        let old = try writeTextFile("old labels\n", "labels", in: dir)
        let piped = try runSeqlab(["extract", "strokes", "-", "--include-root", include, "-o", path("x.ark"), "--text-out", old,
                                   "--write-config", ink, "--quiet"], stdin: Data(unipen.utf8))
        XCTAssertEqual(piped.status, 64, piped.stderr)
        XCTAssertEqual(piped.stderr, "seqlab extract strokes: --write-config \(ink) is the input \(ink): writing it would replace that input; give another output path\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ink)), before)
        XCTAssertEqual(try String(contentsOfFile: old, encoding: .utf8), "old labels\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.ark")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["d.ark", "d.dat", "include", "labels", "m.safetensors", "m.safetensors.ckpt", "strokes.conf", "text"])
    }

    /// Files named inside a list the command reads are inputs too: `extract audio --noise-files
    /// LIST -o N` with N a recording of LIST, and `train --feats scp:SCP -o ARK` (or `--feats
    /// ark:ARK`, or `plot features scp:SCP -o ARK`) with ARK the archive the scp points into,
    /// replaced that recording or archive (exit status 0): only the list itself was checked.
    func testFilesNamedInListsAreNotReplaced() throws {
        let wav = try copy(packageRoot.appendingPathComponent("data/samples/sample01_41918.wav").path, "a.wav")
        let noise = try copy(packageRoot.appendingPathComponent("data/samples/sample01_41918.wav").path, "noise.wav")
        let list = try writeTextFile("# noises\n\(dir.path)/./noise.wav\n", "noises", in: dir)
        let text = try writeTextFile("a 4 1 9 1 8\n", "text", in: dir)
        let feats = path("feats.ark"), scp = path("feats.scp")
        XCTAssertEqual(try runSeqlab(["extract", "audio", "--config", Self.config, wav, "-o", "ark,scp:\(feats),\(scp)", "--quiet"]).status, 0)
        let other = try copy(feats, "other.ark")
        let train = ["train", "--text", text, "--hidden", "4", "--epochs", "1"]
        try assertRefused([
            ("extract audio", ["extract", "audio", "--config", Self.config, wav, "--noise-snr", "10", "--noise-files", list, "-o", noise],
             "-o \(noise) is the input \(dir.path)/./noise.wav"),
            ("train", train + ["--feats", "scp:\(scp)", "-o", feats], "-o \(feats) is the input \(feats)"),
            ("train", train + ["--feats", scp, "-o", feats], "-o \(feats) is the input \(feats)"),
            ("train", train + ["--feats", "ark:\(feats)", "-o", feats], "-o \(feats) is the input \(feats)"),
            ("train", train + ["--feats", other, "--valid-feats", "scp:\(scp)", "--valid-text", text, "-o", feats],
             "-o \(feats) is the input \(feats)"),
            ("plot features", ["plot", "features", "scp:\(scp)", "-o", feats], "-o \(feats) is the input \(feats)"),
            ("plot posteriors", ["plot", "posteriors", "-m", Self.model, "ark:\(feats)", "-o", feats], "-o \(feats) is the input \(feats)"),
        ], inputs: [noise, feats, scp, wav])
    }

    /// grid learn and grid show wrote their outputs over the map they read: `grid learn MAP
    /// --curve MAP` (or `--model MAP`) replaced the map with the curve or the network and `grid
    /// show MAP --svg MAP` with the picture, exit status 0. Refused as the other commands refuse it.
    func testGridMapsAreNotReplaced() throws {
        let grid = try copy(packageRoot.appendingPathComponent("data/grids/russell-norvig-4x3.grid").path, "g.grid")
        try assertRefused([
            ("grid learn", ["grid", "learn", grid, "--algorithm", "qlearning", "--episodes", "5", "--curve", grid], "--curve \(grid) is the input \(grid)"),
            ("grid learn", ["grid", "learn", grid, "--algorithm", "dqn", "--episodes", "5", "--model", grid], "--model \(grid) is the input \(grid)"),
            ("grid show", ["grid", "show", grid, "--svg", grid], "--svg \(grid) is the input \(grid)"),
        ], inputs: [grid])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["g.grid"])
    }

    /// influence -m MODEL --svg MODEL replaced the model with the picture, exit status 0.
    func testInfluenceKeepsTheModel() throws {
        let model = try copy(Self.model, "m.safetensors")
        try assertRefused([
            ("influence", ["influence", "-m", model, "--svg", dir.path + "//m.safetensors", "--length", "10", "--samples", "1"],
             "--svg \(dir.path)//m.safetensors is the input \(model)"),
        ], inputs: [model])
    }

    /// cmvn may write over the archive it is given, but not over one it reads through an scp:
    /// `cmvn scp:SUB.scp -o ARK` (exit status 0) replaced ARK, and the scps into it went on naming
    /// the old archive's byte offsets in the new file, reading another utterance under a key or
    /// failing. Nor over --utt2spk (replaced by the archive) or the scp itself. Refused with exit
    /// status 64 before anything is written; an scp input written to another archive still works.
    func testCMVNDoesNotRewriteAnArchiveAnScpPointsInto() throws {
        let wavs = ["sample01_41918", "sample02_16564"].map { packageRoot.appendingPathComponent("data/samples/\($0).wav").path }
        let feats = path("feats.ark"), scp = path("feats.scp")
        XCTAssertEqual(try runSeqlab(["extract", "audio", "--config", Self.config] + wavs + ["-o", "ark,scp:\(feats),\(scp)", "--quiet"]).status, 0)
        let lines = try String(contentsOfFile: scp, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let second = try writeTextFile(String(lines[1]) + "\n", "second.scp", in: dir)
        let utt2spk = try writeTextFile("sample01_41918 s1\nsample02_16564 s1\n", "utt2spk", in: dir)
        let inputs = [feats, scp, second, utt2spk]
        let before = try inputs.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let cases: [(arguments: [String], output: String, scp: String)] = [
            (["scp:\(second)", "-o", feats], feats, second),
            ([scp, "-o", dir.path + "/./feats.ark"], dir.path + "/./feats.ark", scp),
            (["scp:\(scp)", "--utt2spk", utt2spk, "-o", "ark,scp:\(feats),\(path("new.scp"))"], feats, scp),
        ]
        for (arguments, output, scp) in cases {
            let r = try runSeqlab(["cmvn"] + arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr, "seqlab cmvn: -o \(output) is the archive \(scp) points into: rewriting it would leave \(scp) naming byte offsets of the old archive in the new file; write another archive, or read the archive itself and write the scp with it (cmvn \(feats) -o ark,scp:\(feats),\(scp))\n")
            XCTAssertEqual(try inputs.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }, before, "\(arguments) changed an input")
        }
        try assertRefused([
            ("cmvn", ["cmvn", feats, "--utt2spk", utt2spk, "-o", utt2spk], "-o \(utt2spk) is the input \(utt2spk)"),
            ("cmvn", ["cmvn", "scp:\(scp)", "-o", "ark:\(scp)"], "-o \(scp) is the input \(scp)"),
        ], inputs: inputs)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["feats.ark", "feats.scp", "second.scp", "utt2spk"])
        // Through the scp to another archive: what the archive itself gives, the scp left readable.
        let throughScp = try runSeqlab(["cmvn", "scp:\(scp)", "-o", path("through-scp.ark")])
        XCTAssertEqual(throughScp.status, 0, throughScp.stderr)
        let direct = try runSeqlab(["cmvn", feats, "-o", path("direct.ark")])
        XCTAssertEqual(direct.status, 0, direct.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("through-scp.ark"))), try Data(contentsOf: URL(fileURLWithPath: path("direct.ark"))))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: feats)), before[0])
        // What the message says to do instead: the archive and its scp rewritten together, in place.
        let rewritten = try runSeqlab(["cmvn", feats, "-o", "ark,scp:\(feats),\(scp)", "--text-ark"])
        XCTAssertEqual(rewritten.status, 0, rewritten.stderr)
        let reread = try runSeqlab(["cmvn", "scp:\(scp)", "--cmvn", "none", "-o", path("reread.ark")])
        XCTAssertEqual(reread.status, 0, reread.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("reread.ark"))), try Data(contentsOf: URL(fileURLWithPath: path("direct.ark"))))
    }

    /// average reads everything before it writes, and cmvn replaces its output only once it has
    /// read all of its input, so an output equal to the input works
    /// in place as `sort -o FILE FILE` does: it stays allowed, and gives what a separate output gets.
    func testInPlaceCMVNStillWorks() throws {
        let wav = packageRoot.appendingPathComponent("data/samples/sample01_41918.wav").path
        let feats = path("feats.ark")
        XCTAssertEqual(try runSeqlab(["extract", "audio", "--config", Self.config, wav, "-o", feats, "--quiet"]).status, 0)
        let separate = try runSeqlab(["cmvn", feats, "-o", path("normalised.ark")])
        XCTAssertEqual(separate.status, 0, separate.stderr)
        let inPlace = try runSeqlab(["cmvn", feats, "-o", feats])
        XCTAssertEqual(inPlace.status, 0, inPlace.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: feats)), try Data(contentsOf: URL(fileURLWithPath: path("normalised.ark"))))
    }
}
