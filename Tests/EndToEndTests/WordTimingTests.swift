// --ctm-unit word through the built binary: a character model's CTM grouped into words between spaces.
import Foundation
import Formats
import Tensors
import TestSupport
import XCTest

final class WordTimingTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// 16 utterances of 2–3 "words" of 1–3 characters a, b, c: each character 3–5 noisy one-hot
    /// frames, one gap frame between characters, three space frames between words. Seeded.
    func writeCharacterTask() throws -> (feats: String, text: String) {
        var g = SeededGenerator(seed: 41)
        let writer = try KaldiArchiveWriter(path: dir.appendingPathComponent("feats.ark").path)
        var text = ""
        for u in 0..<16 {
            var rows: [[Float]] = [], words: [String] = []
            func frames(_ c: Int, _ n: Int) { for _ in 0..<n { rows.append((0..<5).map { Float($0 == c ? 1 : 0) + Float(0.15 * g.normal()) }) } }
            for w in 0..<(2 + Int(g.next() % 2)) {
                if w > 0 { frames(3, 3) }
                var word = ""
                for i in 0..<(1 + Int(g.next() % 3)) {
                    if i > 0 { frames(4, 1) }
                    let c = Int(g.next() % 3)
                    word += ["a", "b", "c"][c]
                    frames(c, 3 + Int(g.next() % 3))
                }
                words.append(word)
            }
            let key = String(format: "w%02d", u)
            try writer.write(key: key, matrix: Matrix(rows))
            text += "\(key) \(words.joined(separator: " "))\n"
        }
        try writer.close()
        let textPath = dir.appendingPathComponent("text").path
        try text.write(toFile: textPath, atomically: true, encoding: .utf8)
        return (dir.appendingPathComponent("feats.ark").path, textPath)
    }

    struct CTMLine { var key: String; var start: Double; var duration: Double; var unit: String; var confidence: Double }

    func parseCTM(_ text: String) -> [CTMLine] {
        text.split(separator: "\n").map { line in
            let f = line.split(separator: " ").map(String.init)
            return CTMLine(key: f[0], start: Double(f[2])!, duration: Double(f[3])!, unit: f[4], confidence: Double(f[5])!)
        }
    }

    func testWordCTMGroupsTheCharacterCTMBetweenSpaces() throws {
        let task = try writeCharacterTask()
        let model = dir.appendingPathComponent("chars.safetensors").path
        let train = try runSeqlab(["train", "--feats", task.feats, "--text", task.text, "--hidden", "16", "--epochs", "40",
                                   "--learning-rate", "0.02", "--batch-size", "4", "--valid-fraction", "0", "--quiet",
                                   "--threads", "1", "-o", model])
        XCTAssertEqual(train.status, 0, train.stderr)
        func decode(_ extra: [String]) throws -> String {
            let r = try runSeqlab(["decode", "-m", model, "--feats", task.feats, "--beam", "1"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdoutText
        }
        let tokens = parseCTM(try decode(["--format", "ctm"]))
        let words = parseCTM(try decode(["--format", "ctm", "--ctm-unit", "word"]))
        let text = try decode([])
        // Expected words: the character lines cut at <space>, times spanning their characters,
        // confidence weighted by the characters' durations (values as printed, so to 1e-3).
        var expected: [CTMLine] = []
        var group: [CTMLine] = []
        func close() {
            guard let first = group.first, let last = group.last else { return }
            let frames = group.reduce(0) { $0 + $1.duration }
            expected.append(CTMLine(key: first.key, start: first.start, duration: last.start + last.duration - first.start,
                                    unit: group.map(\.unit).joined(),
                                    confidence: group.reduce(0) { $0 + $1.confidence * $1.duration } / frames))
            group = []
        }
        for (i, t) in tokens.enumerated() {
            if i > 0 && tokens[i - 1].key != t.key { close() }
            if t.unit == "<space>" { close() } else { group.append(t) }
        }
        close()
        XCTAssertGreaterThan(expected.count, 16, "the model should find several words per utterance")
        XCTAssertEqual(words.map(\.key), expected.map(\.key))
        XCTAssertEqual(words.map(\.unit), expected.map(\.unit))
        for (w, e) in zip(words, expected) {
            XCTAssertEqual(w.start, e.start, accuracy: 1e-9, "\(w.key) \(w.unit)")
            XCTAssertEqual(w.duration, e.duration, accuracy: 2e-3, "\(w.key) \(w.unit)")
            XCTAssertEqual(w.confidence, e.confidence, accuracy: 1e-3, "\(w.key) \(w.unit)")
        }
        // The words are those of the Kaldi text output.
        let textWords = text.split(separator: "\n").flatMap { line in line.split(separator: " ").dropFirst().map { ($0.description) } }
        XCTAssertEqual(words.map(\.unit), textWords)
        // JSON lines carry the same words.
        let json = try decode(["--format", "jsonl", "--ctm-unit", "word"])
        var jsonWords: [String] = [], jsonStarts: [Double] = []
        for line in json.split(separator: "\n") {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for w in try XCTUnwrap(object["words"] as? [[String: Any]]) {
                jsonWords.append(w["word"] as! String)
                jsonStarts.append(w["start_seconds"] as! Double)
            }
        }
        XCTAssertEqual(jsonWords, words.map(\.unit))
        assertClose(jsonStarts, words.map(\.start), absolute: 1e-9)
        XCTAssertFalse(try decode(["--format", "jsonl"]).contains("\"words\""), "no words array by default")
        let untimed = try runSeqlab(["decode", "-m", model, "--feats", task.feats, "--beam", "1", "--ctm-unit", "word"])
        XCTAssertNotEqual(untimed.status, 0, "Kaldi text has no times for --ctm-unit word to group")
        XCTAssertTrue(untimed.stderr.contains("--ctm-unit word times words in --format ctm or jsonl"), untimed.stderr)
    }
}
