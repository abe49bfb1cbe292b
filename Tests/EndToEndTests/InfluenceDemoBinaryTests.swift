// influence-demo through the built binary: a help text, usage errors on one line with exit status 64,
// and a short run that prints its table and writes its three files.
import XCTest
import TestSupport

final class InfluenceDemoBinaryTests: XCTestCase {
    /// `influence-demo` beside the built seqlab.
    func binary() throws -> URL { try builtTool("influence-demo") }

    /// --help says what the tool does, with its options, their defaults and an example, on stdout;
    /// a command line it cannot use is one line on stderr and exit status 64, as seqlab's commands.
    func testHelpAndUsageErrors() throws {
        let help = try runProgram(try binary(), ["--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertEqual(help.stderr, "")
        for part in ["remember the first symbol", "USAGE: influence-demo", "--lags <lags>", "(default: 10,50,100,200)",
                     "--networks <networks>", "(default: lstm,elman,esn)", "--hidden", "--steps", "(default: 3000)", "--seeds",
                     "--forget-bias", "--reservoir <reservoir> Reservoir units of the echo state network (1…4096).",
                     "--leak-rate", "--esn-sequences", "--threshold", "--out <out>", "influence-demo --out DIR"] {
            XCTAssertTrue(help.stdoutText.contains(part), "\(part) in\n\(help.stdoutText)")
        }
        for (arguments, message) in [(["--bogus", "1"], "Unknown option '--bogus'"),
                                     (["--hidden", "x"], "The value 'x' is invalid for '--hidden <hidden>'"),
                                     (["--steps"], "Missing value for '--steps <steps>'"),
                                     (["--lags", "10,x"], "--lags: expected integers ≥ 1 separated by commas, got '10,x'"),
                                     (["--lags", "0"], "--lags: expected integers ≥ 1 separated by commas, got '0'"),
                                     (["--seeds", "1,-2"], "--seeds: expected integers ≥ 0 separated by commas, got '1,-2'"),
                                     (["--networks", "lstm,gru"], "--networks: expected lstm, elman or esn separated by commas, got 'lstm,gru'"),
                                     (["--batch", "0"], "--batch: expected an integer ≥ 1, got 0"),
                                     (["--noise=-1"], "--noise: expected a finite number ≥ 0, got -1.0"),
                                     (["--threshold", "1.5"], "--threshold: expected a number in (0, 1], got 1.5"),
                                     (["--reservoir", "5000"], "--reservoir: expected 1…4096, got 5000"),
                                     (["--leak-rate", "0"], "--leak-rate: expected a in (0, 1], got 0.0"),
                                     (["--spectral-radius", "nan"], "--spectral-radius: expected a finite ρ ≥ 0, got nan")] {
            assertUsageError(try runProgram(try binary(), arguments), tool: "influence-demo", contains: message, arguments)
        }
    }

    /// A short run takes its flags as `--flag VALUE` and `--flag=VALUE`: one detail row per lag, network and
    /// seed, the table with the networks asked for, and curves.jsonl, curves.svg and summary.md in --out.
    func testShortRunPrintsItsTableAndWritesItsFiles() throws {
        let dir = temporaryDirectory("influence")
        let out = dir.appendingPathComponent("results")
        let r = try runProgram(try binary(), ["--lags", "3,6", "--networks=lstm,esn", "--steps", "20", "--batch", "4", "--seeds", "1,2",
                                              "--eval-every", "10", "--validation", "32", "--reservoir", "20", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("# lag\tnetwork\tseed\tparams"), r.stdoutText)
        let rows = lines.dropFirst().prefix { !$0.isEmpty }.map { $0.split(separator: "\t").prefix(3).joined(separator: " ") }
        XCTAssertEqual(rows, ["3 lstm 1", "3 lstm 2", "3 esn 1", "3 esn 2", "6 lstm 1", "6 lstm 2", "6 esn 1", "6 esn 2"])
        XCTAssertTrue(r.stdoutText.contains("| network | lag 3 | lag 6 | first lag with mean accuracy < 0.9 |"), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("\n| lstm | ") && r.stdoutText.contains("\n| esn | ") && !r.stdoutText.contains("| elman |"),
                      r.stdoutText)
        for name in ["curves.jsonl", "curves.svg", "summary.md"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        // Two curve points (after 10 and 20 steps of 4 sequences) per run.
        let curve = try String(contentsOf: out.appendingPathComponent("curves.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(curve.count, 8 * 2)
        XCTAssertTrue(r.stderr.contains("wrote \(out.path)/curves.jsonl, curves.svg, summary.md"), r.stderr)
    }
}
