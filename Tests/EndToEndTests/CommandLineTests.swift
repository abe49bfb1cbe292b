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
        ] {
            let r = try runSeqlab(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        let shown = try runSeqlab(["grid", "show", grid, "--values", "--digits", "1"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
    }

    func testUnknownSubcommandFailsWithMessage() throws {
        let r = try runSeqlab(["no-such-stage"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdoutText, "")
        XCTAssertTrue(r.stderr.contains("no-such-stage"), r.stderr)
    }
}
