// esn-classify through the built binary: it classifies a separable two-class archive, saves a loadable model, refuses bad text
// and bad command lines, and has a help text.
import XCTest
import Formats
import Tensors
import TestSupport

final class ESNClassifyBinaryTests: XCTestCase {
    /// `esn-classify` beside the built seqlab.
    func binary() throws -> URL { try builtTool("esn-classify") }

    func run(_ arguments: [String]) throws -> ProcessResult { try runProgram(try binary(), arguments) }

    /// A text archive of 2-D sequences: class "up" drifts to +0.5 in dimension 0, class "down" to −0.5; noise 0.3.
    func writeCorpus(_ dir: URL, name: String, count: Int, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var ark = "", text = ""
        for i in 0..<count {
            let up = i % 2 == 0, length = 10 + Int(rng.next() % 10)
            ark += "\(name)-\(i)  [\n"
            for t in 0..<length {
                let a = (up ? 0.5 : -0.5) * Double(t) / Double(length) + 0.3 * rng.normal(), b = 0.3 * rng.normal()
                ark += "  \(String(format: "%.4f", a)) \(String(format: "%.4f", b))\(t == length - 1 ? " ]" : "")\n"
            }
            text += "\(name)-\(i) \(up ? "up" : "down")\n"
        }
        try ark.write(to: dir.appendingPathComponent("\(name).ark"), atomically: true, encoding: .utf8)
        try text.write(to: dir.appendingPathComponent("\(name).text"), atomically: true, encoding: .utf8)
    }

    func testClassifiesASeparableCorpusAndSavesTheModel() throws {
        let dir = temporaryDirectory()
        try writeCorpus(dir, name: "train", count: 60, seed: 1)
        try writeCorpus(dir, name: "test", count: 40, seed: 2)
        let p = { dir.appendingPathComponent($0).path }
        let r = try run(["--train-feats", p("train.ark"), "--train-text", p("train.text"), "--test-feats", p("test.ark"),
                         "--test-text", p("test.text"), "--reservoir", "30", "-o", p("esn.safetensors")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let accuracy = r.stdoutText.split(separator: "\n").first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Double($0) }
        XCTAssertGreaterThan(try XCTUnwrap(accuracy, r.stdoutText), 0.9, r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("class down\t") && r.stdoutText.contains("class up\t"), r.stdoutText)
        // The saved file is an echo state network over the two classes (EchoStateTests load such files).
        let saved = try SafeTensorsFile(contentsOf: p("esn.safetensors"))
        XCTAssertEqual(saved.metadata["seqlab.network"], "echo-state")
        XCTAssertEqual(saved.metadata["seqlab.classes"], "down up")
        XCTAssertEqual(try saved.tensor("esn.readout_weight").shape, [2, 1 + 2 + 30])
    }

    func testTextWithTwoTokensIsRefusedWithItsLine() throws {
        let dir = temporaryDirectory()
        try writeCorpus(dir, name: "train", count: 4, seed: 3)
        try "train-0 up\ntrain-1 down extra\n".write(to: dir.appendingPathComponent("bad.text"), atomically: true, encoding: .utf8)
        let p = { dir.appendingPathComponent($0).path }
        let r = try run(["--train-feats", p("train.ark"), "--train-text", p("bad.text"), "--test-feats", p("train.ark"),
                         "--test-text", p("train.text")])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bad.text: line 2:"), r.stderr)
    }

    /// --help says what the tool does, with its options and an example, on stdout; a command line
    /// it cannot use is one line on stderr and exit status 64, as seqlab's commands.
    func testHelpAndUsageErrors() throws {
        let help = try run(["--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertEqual(help.stderr, "")
        for part in ["only its linear readout is", "USAGE: esn-classify", "--train-feats", "--test-text", "--reservoir", "--spectral-radius",
                     "--leak-rate", "--washout", "--batch", "-o, --output", "esn-classify --train-feats all.ark"] {
            XCTAssertTrue(help.stdoutText.contains(part), "\(part) in\n\(help.stdoutText)")
        }
        let dir = temporaryDirectory()
        try writeCorpus(dir, name: "train", count: 4, seed: 6)
        let p = { dir.appendingPathComponent($0).path }
        let data = ["--train-feats", p("train.ark"), "--train-text", p("train.text"), "--test-feats", p("train.ark"), "--test-text", p("train.text")]
        for (arguments, message) in [(data + ["--bogus", "1"], "Unknown option '--bogus'"),
                                     (Array(data.dropLast(2)), "Missing expected argument '--test-text <test-text>'"),
                                     (data + ["--reservoir", "x"], "The value 'x' is invalid for '--reservoir <reservoir>'"),
                                     (data + ["--leak-rate", "0"], "--leak-rate: expected a in (0, 1], got 0.0"),
                                     (data + ["--spectral-radius", "nan"], "--spectral-radius: expected a finite ρ ≥ 0, got nan"),
                                     (data + ["--batch", "0"], "--batch must be at least 1")] {
            assertUsageError(try run(arguments), tool: "esn-classify", contains: message, arguments)
        }
    }

    /// A record with a NaN feature is named and left out, in training and in testing, the rest is
    /// fitted and scored as without it, and the exit status is 1.
    func testNonFiniteRecordsAreSkippedAndNamed() throws {
        let dir = temporaryDirectory()
        try writeCorpus(dir, name: "train", count: 40, seed: 4)
        try writeCorpus(dir, name: "test", count: 20, seed: 5)
        let p = { dir.appendingPathComponent($0).path }
        let flags = ["--reservoir", "30"]
        let clean = try run(["--train-feats", p("train.ark"), "--train-text", p("train.text"), "--test-feats", p("test.ark"),
                             "--test-text", p("test.text")] + flags)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        // Poison the first value of train-3 and test-7, and leave those two out of the texts for the reference run.
        for (name, key) in [("train", "train-3"), ("test", "test-7")] {
            var lines = try String(contentsOf: dir.appendingPathComponent("\(name).ark"), encoding: .utf8).components(separatedBy: "\n")
            let at = try XCTUnwrap(lines.firstIndex(of: "\(key)  [")) + 1
            var fields = lines[at].split(separator: " ").map(String.init)
            fields[0] = "nan"
            lines[at] = "  " + fields.joined(separator: " ")
            try lines.joined(separator: "\n").write(to: dir.appendingPathComponent("\(name)-nan.ark"), atomically: true, encoding: .utf8)
            let text = try String(contentsOf: dir.appendingPathComponent("\(name).text"), encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix(key + " ") }.joined(separator: "\n") + "\n"
            try text.write(to: dir.appendingPathComponent("\(name)-without.text"), atomically: true, encoding: .utf8)
        }
        let without = try run(["--train-feats", p("train.ark"), "--train-text", p("train-without.text"), "--test-feats", p("test.ark"),
                               "--test-text", p("test-without.text")] + flags)
        XCTAssertEqual(without.status, 0, without.stderr)
        XCTAssertTrue(without.stdoutText.contains("/19 test sequences"), without.stdoutText)
        let r = try run(["--train-feats", p("train-nan.ark"), "--train-text", p("train.text"), "--test-feats", p("test-nan.ark"),
                         "--test-text", p("test.text")] + flags)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("train-nan.ark: train-3: non-finite feature at frame 0, dimension 0; skipped"), r.stderr)
        XCTAssertTrue(r.stderr.contains("test-nan.ark: test-7: non-finite feature at frame 0, dimension 0; skipped"), r.stderr)
        XCTAssertEqual(r.stdoutText, without.stdoutText)
    }
}
