// An LM that shares no units with the model, through the built binary: one warning line at start-up.
import Foundation
import Formats
import Tensors
import TestSupport
import XCTest

final class LanguageModelCoverageTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func buildLM(_ name: String, text: String, _ flags: [String] = []) throws -> String {
        try text.write(toFile: path(name + ".txt"), atomically: true, encoding: .utf8)
        let r = try runSeqlab(["lm", "build", "--order", "2", path(name + ".txt"), "-o", path(name + ".arpa"), "--quiet"] + flags)
        XCTAssertEqual(r.status, 0, r.stderr)
        return path(name + ".arpa")
    }

    /// Decodes `feats` with each (LM, --lm-unit): exit 0, `utterances` lines out, stderr as expected.
    func assertDecodes(_ model: String, _ feats: String, utterances: Int, _ cases: [(lm: String, unit: String, stderr: String)],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        for c in cases {
            let r = try runSeqlab(["decode", "-m", model, "--feats", feats, "--beam", "4", "--lm", c.lm, "--lm-unit", c.unit])
            XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
            XCTAssertEqual(r.stderr, c.stderr, file: file, line: line)
            XCTAssertEqual(r.stdoutText.split(separator: "\n").count, utterances, r.stdoutText, file: file, line: line)
        }
    }

    /// The digit model's tokens are the words 0–9: an English LM knows none of them, a digit LM
    /// some; decoding goes on (exit 0) with one warning line, and a full LM gives none.
    func testAWordLMThatKnowsNoneOfTheModelsWordsIsNamed() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let extract = try runSeqlab(["extract", "audio", "--scp", "data/samples/wav.scp", "--config", "models/digits.conf",
                                     "-o", path("s.ark"), "--quiet"], currentDirectory: packageRoot)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let english = try buildLM("eng", text: "one two three\nfour five six\n")
        let some = try buildLM("some", text: "1 2 3\n4 5\n")
        let all = try buildLM("all", text: "0 1 2 3 4\n5 6 7 8 9\n")
        try assertDecodes(model, path("s.ark"), utterances: 12, [
            (english, "word", "seqlab decode: warning: \(english): none of the model's 10 words is in the LM's vocabulary (five four one and 3 more): every word scores as <unk>\n"),
            (english, "token", "seqlab decode: warning: \(english): none of the model's 10 tokens is in the LM's vocabulary (five four one and 3 more): every token scores as <unk>\n"),
            (some, "word", "seqlab decode: warning: \(some): 5 of the model's 10 words are not in the LM's vocabulary (0 6 7 and 2 more): they score as <unk>\n"),
            (all, "word", ""),
        ])
    }

    /// A character model with a character LM read as words (the default --lm-unit), and with an
    /// LM none of whose words its alphabet spells; read per token, the character LM is quiet.
    func testACharacterLMReadAsWordsIsNamed() throws {
        // Six utterances of "ab", "ba b" …: noisy one-hot frames, a per character, b, space.
        var g = SeededGenerator(seed: 7)
        let writer = try KaldiArchiveWriter(path: path("feats.ark"))
        var text = ""
        for (u, sentence) in ["ab", "ba b", "a ab", "b", "ab ba", "a"].enumerated() {
            var rows: [[Float]] = []
            for c in sentence {
                let k = c == "a" ? 0 : c == "b" ? 1 : 2
                for _ in 0..<3 { rows.append((0..<3).map { Float($0 == k ? 1 : 0) + Float(0.1 * g.normal()) }) }
            }
            try writer.write(key: "u\(u)", matrix: Matrix(rows))
            text += "u\(u) \(sentence)\n"
        }
        try writer.close()
        try text.write(toFile: path("text"), atomically: true, encoding: .utf8)
        let model = path("chars.safetensors")
        let train = try runSeqlab(["train", "--feats", path("feats.ark"), "--text", path("text"), "--hidden", "4", "--epochs", "1",
                                   "--valid-fraction", "0", "--quiet", "--threads", "1", "-o", model])
        XCTAssertEqual(train.status, 0, train.stderr)
        let chars = try buildLM("chars", text: "ab ba\nb a\n", ["--unit", "char"])
        let english = try buildLM("eng", text: "one two three\n")
        try assertDecodes(model, path("feats.ark"), utterances: 6, [
            (chars, "word", "seqlab decode: warning: \(chars): the LM's 3 words are single characters (<space> a b), as in a character LM: read as words (--lm-unit word), every word longer than one character scores as <unk>; give --lm-unit token\n"),
            (chars, "token", ""),
            (english, "word", "seqlab decode: warning: \(english): none of the LM's 3 words can be spelled with the model's alphabet (one three two): every word scores as <unk>\n"),
        ])
    }
}
