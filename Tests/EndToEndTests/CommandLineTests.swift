// The built binary through real processes: stdout, stderr and exit codes.
import XCTest
import Foundation
import TestSupport

final class CommandLineTests: XCTestCase {
    func testVersionAndHelp() throws {
        let version = try runSeqlab(["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertEqual(version.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
        let help = try runSeqlab(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdoutText.contains("USAGE: seqlab"), help.stdoutText)
    }

    /// The parser reads `--beam -3` as an option without its value; the one-line refusal says how
    /// to give a value that starts with '-'.
    func testANegativeValueGetsAHint() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        for (args, hint) in [(["decode", "-m", model, "--beam", "-3"], "--beam=-3"),
                             (["decode", "-m", model, "--pen-variants", "-5,0.25,0.1"], "--pen-variants=-5,0.25,0.1"),
                             (["train", "--text", "t", "--learning-rate", "-.5"], "--learning-rate=-.5")] {
            let r = try runSeqlab(args)
            XCTAssertEqual(r.status, 64, "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("Missing value for '\(hint.prefix { $0 != "=" })") && r.stderr.contains("goes after '=': \(hint)"), r.stderr)
        }
        // A value that is missing for another reason gets no such hint.
        let missing = try runSeqlab(["decode", "-m", model, "--beam"])
        XCTAssertEqual(missing.status, 64)
        XCTAssertFalse(missing.stderr.contains("goes after '='"), missing.stderr)
    }

    /// Flags that would have no effect with the others given are refused as the command line (64).
    func testFlagsThatWouldBeIgnoredAreRefused() throws {
        let grid = packageRoot.appendingPathComponent("data/grids/lecture-2x3.grid").path
        for (args, message) in [
            (["train", "--text", "t", "-o", "m", "--valid-fraction", "0.2", "--valid-feats", "v.ark", "--valid-text", "v.text"],
             "--valid-fraction holds training utterances out, and --valid-feats gives the validation set instead: give one"),
            (["train", "--text", "t", "-o", "m", "--time-mask-width", "3"], "--time-mask-width and --freq-mask-width size the masks"),
            (["train", "--text", "t", "-o", "m", "--freq-mask-width", "3"], "--time-mask-width and --freq-mask-width size the masks"),
            (["grid", "show", grid, "--digits", "1"], "--digits sets the decimals of --values and --svg: give one of them"),
            (["extract", "audio", "x.wav", "--speed-perturb", "0.9,0"], "--speed-perturb: item 2"),
            (["extract", "audio", "x.wav", "--vtlp-warps", "5"], "--vtlp-warps: item 1"),
            (["extract", "audio", "x.wav", "--noise-snr", "nan"], "--noise-snr expects a finite number of dB"),
            (["train", "--text", "t", "-o", "m", "--cell", "elman", "--unidirectional", "--hidden", "4", "--precision", "bf16"],
             "--precision bf16 rounds the products of LSTM layers; elman networks train in fp32"),
            (["train", "--text", "t", "-o", "m", "--gradient", "rtrl"], "--gradient rtrl is implemented for Elman networks"),
            (["train", "--text", "t", "-o", "m", "--gradient", "tbptt", "--horizon", "5"], "--gradient tbptt runs a unidirectional LSTM"),
            (["train", "--text", "t", "-o", "m", "--unidirectional", "--gradient", "tbptt", "--horizon", "5"], "it needs --task framewise or predict"),
            (["train", "--text", "t", "-o", "m", "--cell", "elman", "--unidirectional", "--dropout", "0.3"], "--dropout drops values between LSTM layers"),
            (["train", "--text", "t", "-o", "m", "--task", "framewise", "--unidirectional", "--gradient", "tbptt", "--horizon", "5", "--dropout", "0.3"],
             "--dropout is implemented for --gradient bptt, not tbptt"),
            (["train", "-o", "m", "--task", "predict", "--cell", "jordan", "--unidirectional", "--gradient", "rtrl"], "--gradient rtrl is implemented for Elman networks"),
            (["train", "--text", "t", "-o", "m", "--cell", "elman", "--unidirectional", "--no-peepholes"], "--cell elman has none"),
            (["train", "-o", "m", "--task", "predict", "--unidirectional", "--tokens", "words"], "--task predict has no labels"),
            (["train", "--text", "t", "-o", "m", "--cell", "elman"], "--cell elman has one unidirectional layer: add --unidirectional"),
            (["train", "--text", "t", "-o", "m", "--cell", "elman", "--unidirectional", "--hidden", "4,4"], "--cell elman has one layer: give one --hidden width, got 2"),
        ] {
            let r = try runSeqlab(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        let shown = try runSeqlab(["grid", "show", grid, "--values", "--digits", "1"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
    }

    /// Every numeric option of train is checked against its range, NaN and infinity included, as
    /// the command line (64, one line naming the option); a value on the edge of its range runs.
    func testTrainRefusesNumbersOutsideTheirRanges() throws {
        let base = ["train", "--text", "t", "-o", "m"]
        for (args, message) in [
            (["--clip=-1"], "--clip must be in [0, ∞) (0 = off), got -1.0"),
            (["--clip", "nan"], "--clip must be in [0, ∞) (0 = off), got nan"),
            (["--input-noise=-1"], "--input-noise must be in [0, ∞), got -1.0"),
            (["--input-noise", "inf"], "--input-noise must be in [0, ∞), got inf"),
            (["--weight-decay=-0.1"], "--weight-decay must be in [0, ∞), got -0.1"),
            (["--weight-decay", "inf"], "--weight-decay must be in [0, ∞), got inf"),
            (["--optimizer", "sgd", "--momentum=-1"], "--momentum must be in [0, 1), got -1.0"),
            (["--optimizer", "rmsprop", "--momentum", "5"], "--momentum must be in [0, 1), got 5.0"),
            (["--optimizer", "sgd", "--momentum", "nan"], "--momentum must be in [0, 1), got nan"),
            (["--hidden", "8,,8"], "--hidden takes positive widths separated by commas, e.g. 128,128, got 8,,8"),
            (["--hidden", "8,"], "--hidden takes positive widths separated by commas, e.g. 128,128, got 8,"),
            (["--time-masks=-1"], "--time-masks must be at least 0, got -1"),
            (["--freq-masks", "2", "--freq-mask-width", "0"], "--freq-mask-width must be at least 1, got 0"),
            (["--time-masks", "2", "--time-mask-width=-3"], "--time-mask-width must be at least 1, got -3"),
            (["--frontend", "s.conf", "--pen-rotation", "nan"], "--pen-rotation nan is outside 0 ..< 90 degrees"),
            (["--frontend", "s.conf", "--pen-scale", "1"], "--pen-scale 1.0 is outside 0 ..< 1"),
            (["--frontend", "s.conf", "--pen-slant=-0.5"], "--pen-slant -0.5 is outside 0 ... 1"),
            (["--learning-rate", "inf"], "--learning-rate must be positive"),
            (["--valid-fraction", "nan"], "--valid-fraction must be in [0, 0.5] (every n-th utterance, n = 1/FRACTION rounded, at least 2), got nan"),
        ] {
            let r = try runSeqlab(base + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("seqlab train: \(message) (seqlab train --help"), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
        }
        // On the edges: no clipping, no noise or decay, momentum 0 pass validation and reach the input (a missing --text).
        let edge = try runSeqlab(base + ["--feats", "missing.ark", "--clip", "0", "--input-noise", "0", "--weight-decay", "0",
                                         "--optimizer", "sgd", "--momentum", "0"])
        XCTAssertEqual(edge.status, 1, edge.stderr)
        XCTAssertTrue(edge.stderr.hasPrefix("seqlab train: t: cannot open for reading"), edge.stderr)
    }

    /// Standard input can feed one input of a command: two inputs given "-" are refused before
    /// either is read (the first would take it all, the second would find it empty).
    func testStdinIsReadByOneInputAtMost() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        for (args, message) in [
            (["decode", "-m", model, "--lm", "-"], "--feats and --lm cannot both be \"-\" (stdin): give files for all but one"),
            (["decode", "-m", model, "--lexicon", "-"], "--feats and --lexicon cannot both be \"-\" (stdin)"),
            (["decode", "-m", model, "--feats", "f.ark", "--lm", "-", "--lexicon", "-"], "--lm and --lexicon cannot both be \"-\" (stdin)"),
            (["decode", "-m", "-", "--lm", "-", "--lexicon", "-"], "--feats, --model, --lm and --lexicon cannot all be \"-\" (stdin)"),
            (["align", "-m", model, "--text", "-"], "--feats and --text cannot both be \"-\" (stdin)"),
            (["train", "--text", "-", "-o", "m"], "--feats and --text cannot both be \"-\" (stdin)"),
            (["train", "--feats", "f.ark", "--text", "t", "--valid-feats", "-", "--valid-text", "-", "-o", "m"],
             "--valid-feats and --valid-text cannot both be \"-\" (stdin)"),
            (["cmvn", "--utt2spk", "-"], "the archive and --utt2spk cannot both be \"-\" (stdin)"),
            (["label", "-m", model, "--lexicon", "-", "-"], "the file list and --lexicon cannot both be \"-\" (stdin)"),
            (["extract", "audio", "--scp", "-", "--config", "-"], "--scp and --config cannot both be \"-\" (stdin)"),
            (["extract", "strokes", "-", "--config", "-"], "the stroke file and --config cannot both be \"-\" (stdin)"),
            (["inspect", "-", "-"], "only one of the files can be \"-\" (stdin)"),
            (["plot", "posteriors", "-m", "-"], "--model and the input cannot both be \"-\" (stdin)"),
        ] {
            let r = try runSeqlab(args, stdin: Data("x [ 1 2 ]\n".utf8))
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("seqlab \(args[0] == "extract" || args[0] == "plot" ? args[0] + " " + args[1] : args[0]): \(message)"), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
        }
    }

    /// A lexicon that lets nothing out would make every hypothesis empty: an empty one, or one
    /// none of whose words the model can output, is refused; some such words give one warning.
    func testALexiconMustNameWordsTheModelCanOutput() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let feats = dir.appendingPathComponent("s.ark").path
        let extract = try runSeqlab(["extract", "audio", "--scp", "data/samples/wav.scp", "--config", "models/digits.conf", "-o", feats, "--quiet"],
                                    currentDirectory: packageRoot)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let tokens = "the model's tokens are words (0 1 2 3 4 5 6 7 8 9), and a lexicon lists which of them may be output"
        func lexicon(_ name: String, _ text: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let empty = try lexicon("empty", "\n  \n")
        let words = try lexicon("words", "one\ntwo\n")
        let some = try lexicon("some", "1\nfoo\n4\n2 3\nbar\nbaz\n")
        for (path, message) in [(empty, "\(empty): no words (expected one word a line)"),
                                (words, "\(words): none of its 2 word(s) can be output (one two): \(tokens)")] {
            let r = try runSeqlab(["decode", "-m", model, "--feats", feats, "--lexicon", path])
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr, "seqlab decode: \(message)\n")
            XCTAssertEqual(r.stdoutText, "")
        }
        let r = try runSeqlab(["decode", "-m", model, "--feats", feats, "--lexicon", some])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "seqlab decode: warning: \(some): 1 line(s) hold spaces (\"2 3\"): a lexicon line is one word, spaces and all, so such a line can never be output whole\n"
                       + "seqlab decode: warning: \(some): 4 of its 6 words can never be output (foo 2 3 bar and 1 more): \(tokens)\n")
        let hypotheses = r.stdoutText.split(separator: "\n").map { $0.split(separator: " ").dropFirst() }
        XCTAssertEqual(hypotheses.count, 12)
        XCTAssertTrue(hypotheses.allSatisfy { $0.allSatisfy { $0 == "1" || $0 == "4" } }, r.stdoutText)
        XCTAssertTrue(hypotheses.contains { !$0.isEmpty }, r.stdoutText)
    }

    func testUnknownSubcommandFailsWithMessage() throws {
        let r = try runSeqlab(["no-such-stage"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdoutText, "")
        XCTAssertTrue(r.stderr.contains("no-such-stage"), r.stderr)
    }
}
