// Every line a command writes to stderr starts with "seqlab <command path>: " (the subcommand names
// as typed), through the built binary: errors, warnings and summaries alike.
import Foundation
import TestSupport
import XCTest

final class MessagePrefixTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Checks that `r` failed and wrote at least one stderr line, each starting with `prefix`.
    func assertPrefixed(_ r: ProcessResult, _ prefix: String, _ arguments: [String], failing: Bool = true,
                        file: StaticString = #filePath, line: UInt = #line) {
        let label = "seqlab \(arguments.joined(separator: " "))"
        if failing { XCTAssertNotEqual(r.status, 0, "\(label): exit 0\n\(r.stderr)", file: file, line: line) }
        XCTAssertFalse(r.killedBySignal, "\(label): killed by signal \(r.status)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        XCTAssertFalse(lines.isEmpty, "\(label): nothing on stderr", file: file, line: line)
        for l in lines where !l.hasPrefix(prefix) {
            XCTFail("\(label): a stderr line does not start with \"\(prefix)\": \(l)", file: file, line: line)
        }
    }

    /// Each command that reads a file, given one that does not exist: a non-zero exit status and
    /// only lines prefixed with the command's path on stderr.
    func testEveryCommandPrefixesItsErrorsWithItsPath() throws {
        let missingModel = path("missing.safetensors"), missingArk = path("missing.ark"), missingText = path("missing.txt")
        let missingMap = path("missing.grid")
        let cases: [(prefix: String, arguments: [String])] = [
            ("seqlab extract audio: ", ["extract", "audio", path("missing.wav")]),
            ("seqlab extract strokes: ", ["extract", "strokes", path("missing.dat")]),
            ("seqlab cmvn: ", ["cmvn", missingArk, "-o", path("out.ark")]),
            ("seqlab train: ", ["train", "--feats", missingArk, "--text", missingText, "-o", path("model.safetensors")]),
            ("seqlab decode: ", ["decode", "-m", missingModel, "--feats", missingArk]),
            ("seqlab decode: ", ["decode", "-m", missingModel, "--feats", missingArk, "--stream"]),
            ("seqlab align: ", ["align", "-m", missingModel, "--text", missingText, "--feats", missingArk]),
            ("seqlab label: ", ["label", "-m", missingModel, path("missing.wav")]),
            ("seqlab score: ", ["score", "--ref", missingText, "--hyp", path("missing-hyp.txt")]),
            ("seqlab combine: ", ["combine", path("a.txt"), path("b.txt"), path("c.txt")]),
            ("seqlab lm build: ", ["lm", "build", missingText]),
            ("seqlab inspect: ", ["inspect", missingArk]),
            ("seqlab grid show: ", ["grid", "show", missingMap]),
            ("seqlab grid solve: ", ["grid", "solve", missingMap]),
            ("seqlab grid learn: ", ["grid", "learn", missingMap, "--algorithm", "qlearning"]),
            ("seqlab grid compare: ", ["grid", "compare", missingMap, "--algorithm", "qlearning"]),
            ("seqlab grid play: ", ["grid", "play", missingMap, "-m", missingModel]),
            ("seqlab plot features: ", ["plot", "features", missingArk]),
            ("seqlab plot posteriors: ", ["plot", "posteriors", "-m", missingModel, missingArk]),
            ("seqlab plot training: ", ["plot", "training", path("missing.jsonl")]),
            ("seqlab plot audio: ", ["plot", "audio", path("missing.wav")]),
            ("seqlab plot ink: ", ["plot", "ink", path("missing.dat")]),
            ("seqlab plot learning: ", ["plot", "learning", path("missing.tsv")]),
            ("seqlab influence: ", ["influence", "-m", missingModel]),
        ]
        for (prefix, arguments) in cases {
            let r = try runSeqlab(arguments, currentDirectory: dir)
            assertPrefixed(r, prefix, arguments)
        }
    }

    /// Warnings read "seqlab <command path>: warning: …"; summaries carry the prefix too.
    func testWarningsAndSummariesCarryThePrefix() throws {
        // score: a reference without a hypothesis is a warning (--mode all), an error with --mode strict.
        try Data("u1 a b\nu2 c\n".utf8).write(to: URL(fileURLWithPath: path("ref.txt")))
        try Data("u1 a b\nu3 d\n".utf8).write(to: URL(fileURLWithPath: path("hyp.txt")))
        let score = try runSeqlab(["score", "--ref", path("ref.txt"), "--hyp", path("hyp.txt")])
        XCTAssertEqual(score.status, 0, score.stderr)
        XCTAssertEqual(score.stderr, """
            seqlab score: warning: 1 reference utterance(s) have no hypothesis, scored as empty: u2
            seqlab score: warning: 1 hypothesis utterance(s) have no reference, not scored: u3

            """)
        let strict = try runSeqlab(["score", "--ref", path("ref.txt"), "--hyp", path("hyp.txt"), "--mode", "strict"])
        XCTAssertEqual(strict.status, 1, strict.stderr)
        XCTAssertEqual(strict.stderr, "seqlab score: 1 reference utterance(s) have no hypothesis, not allowed with --mode strict: u2\n")

        // lm build: the n-gram counts.
        let lm = try runSeqlab(["lm", "build", path("ref.txt"), "--kaldi-text", "--order", "2", "-o", path("lm.arpa")])
        XCTAssertEqual(lm.status, 0, lm.stderr)
        XCTAssertTrue(lm.stderr.hasPrefix("seqlab lm build: 2 sentences, n-grams per order "), lm.stderr)
        assertPrefixed(lm, "seqlab lm build: ", ["lm", "build"], failing: false)
        let one = try runSeqlab(["lm", "build", "-", "--order", "2", "-o", path("one.arpa")], stdin: Data("a b\n".utf8))
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(one.stderr, "seqlab lm build: 1 sentence, n-grams per order 5 3\n")

        // extract strokes and audio: the summary after an unreadable file.
        try Data("not strokes\n".utf8).write(to: URL(fileURLWithPath: path("junk.dat")))
        let strokes = try runSeqlab(["extract", "strokes", path("junk.dat"), "-o", path("s.ark")])
        XCTAssertEqual(strokes.status, 1, strokes.stderr)
        XCTAssertTrue(strokes.stderr.contains("seqlab extract strokes: 0 samples (0 frames × 3) from 1 file(s); 0 rejected, 1 file(s) failed\n"),
                      strokes.stderr)
        assertPrefixed(strokes, "seqlab extract strokes: ", ["extract", "strokes"])
        let audio = try runSeqlab(["extract", "audio", path("junk.dat"), "-o", path("a.ark")])
        XCTAssertEqual(audio.status, 1, audio.stderr)
        XCTAssertTrue(audio.stderr.contains("seqlab extract audio: 0 utterances from 1 file, 0 frames of 23 fbank features in "), audio.stderr)
        assertPrefixed(audio, "seqlab extract audio: ", ["extract", "audio"])
        // One of a thing is said in the singular.
        let single = try runSeqlab(["extract", "audio", packageRoot.appendingPathComponent("data/samples/sample03_347.wav").path,
                                    "-o", path("one.ark")])
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertTrue(single.stderr.hasPrefix("seqlab extract audio: 1 utterance from 1 file, "), single.stderr)
    }

    /// A command line the parser or a command's checks refuse: one line with the command's path,
    /// the reason and where the options are listed, exit status 64; --help still prints the help.
    func testRefusedCommandLinesAreOnePrefixedLine() throws {
        let cases: [(prefix: String, arguments: [String], reason: String)] = [
            ("seqlab decode: ", ["decode", "-m", "m.safetensors", "--ctm-unit", "word"], "--ctm-unit word times words in --format ctm or jsonl"),
            ("seqlab score: ", ["score", "--hyp", "hyp.txt"], "Missing expected argument '--ref <ref>'"),
            ("seqlab grid solve: ", ["grid", "solve", "map.grid", "--method", "policy", "--sweep", "gauss-seidel"], "--sweep set value iteration"),
            ("seqlab train: ", ["train", "--text", "t", "-o", "m", "--batch-size", "0"], "--batch-size and --threads must be positive"),
            ("seqlab: ", ["no-such-stage"], "'no-such-stage'"),
            // help with a name that is no command: once the root's help, exit status 0.
            ("seqlab: ", ["help", "grid", "slove"], "help: no command 'slove' in 'seqlab grid'"),
            ("seqlab: ", ["help", "decod"], "help: no command 'decod' in 'seqlab'"),
            // Three lines of the parser's, once joined as "'tcsh'.; Please use … with one of:; zsh bash fish".
            ("seqlab: ", ["--generate-completion-script", "tcsh"],
             "Can't generate completion scripts for 'tcsh'. Please use --generate-completion-script=<shell> with one of: zsh bash fish ("),
        ]
        for c in cases {
            let r = try runSeqlab(c.arguments)
            XCTAssertEqual(r.status, 64, "\(c.arguments): \(r.stderr)")
            XCTAssertEqual(r.stdoutText, "")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(lines.first?.hasPrefix(c.prefix) ?? false, r.stderr)
            XCTAssertTrue(r.stderr.contains(c.reason), r.stderr)
            XCTAssertTrue(r.stderr.contains("--help shows the options)"), r.stderr)
        }
        let help = try runSeqlab(["grid", "solve", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdoutText.contains("USAGE: seqlab grid solve"), help.stdoutText)
        for arguments in [["help", "grid", "solve"], ["help", "help"], ["help"]] {
            let r = try runSeqlab(arguments)
            XCTAssertEqual(r.status, 0, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stdoutText.hasPrefix("OVERVIEW: "), "\(arguments): \(r.stdoutText)")
        }
    }
}
