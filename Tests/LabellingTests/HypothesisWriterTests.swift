// The JSON lines and CTM lines decode writes, against Foundation: JSON lines byte for byte as
// JSONSerialization (.sortedKeys) writes the same objects, for random hypotheses with tokens that
// need escaping, with and without a frame shift and word timing; CTM lines as String(format:).
import Decoding
import Foundation
import Formats
@testable import Labelling
import Tensors
import XCTest

final class HypothesisWriterTests: XCTestCase {
    /// Tokens with every character JSON escapes, and others it does not.
    private let alphabet = ["a", "b", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1f}", "\u{7f}", "é", "\u{2028}", "😀", "yes", "<unk>"]

    private func randomHypothesis(_ rng: inout SeededGenerator) -> Hypothesis {
        let count = Int.random(in: 0...12, using: &rng)
        var tokens: [Int] = [], starts: [Int] = [], ends: [Int] = [], frame = 0
        for _ in 0..<count {
            tokens.append(Int.random(in: 0..<alphabet.count, using: &rng))
            frame += Int.random(in: 0...9, using: &rng)
            starts.append(frame)
            frame += Int.random(in: 0...30, using: &rng)
            ends.append(frame)
        }
        let scale = [1, 1e-3, 1e3, 1e7][Int.random(in: 0..<4, using: &rng)]
        return Hypothesis(tokens: tokens, text: tokens.map { alphabet[$0] },
                          score: Float(Double.random(in: -500...0, using: &rng) * scale),
                          acousticScore: Float.random(in: -500...0, using: &rng),
                          tokenStartFrames: starts, tokenEndFrames: ends,
                          confidences: tokens.map { _ in Float.random(in: 0...1, using: &rng) })
    }

    /// The objects the writer wrote with JSONSerialization before it wrote text itself.
    private func oracle(_ writer: HypothesisWriter, key: String, rank: Int, _ h: Hypothesis) -> String {
        var object: [String: Any] = [
            "key": key, "rank": rank, "text": writer.tokenUnit.text(of: h.text), "tokens": h.text,
            "score": Double(h.score), "acoustic_score": Double(h.acousticScore),
            "start_frames": h.tokenStartFrames, "end_frames": h.tokenEndFrames,
            "confidences": h.confidences.map { (Double($0) * 10000).rounded() / 10000 },
        ]
        if writer.timingUnit == .word {
            object["words"] = h.words(separator: writer.tokenUnit == .characters ? " " : nil).map { w -> [String: Any] in
                var entry: [String: Any] = ["word": w.word, "start_frame": w.startFrame, "end_frame": w.endFrame,
                                            "confidence": (Double(w.confidence) * 10000).rounded() / 10000]
                if let shift = writer.frameShift {
                    entry["start_seconds"] = (Double(w.startFrame) * shift * 1000).rounded() / 1000
                    entry["end_seconds"] = (Double(w.endFrame + 1) * shift * 1000).rounded() / 1000
                }
                return entry
            }
        }
        if let shift = writer.frameShift {
            object["start_seconds"] = h.tokenStartFrames.map { (Double($0) * shift * 1000).rounded() / 1000 }
            object["end_seconds"] = h.tokenEndFrames.map { (Double($0 + 1) * shift * 1000).rounded() / 1000 }
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    func testJSONLinesAreJSONSerializationsBytes() throws {
        var rng = SeededGenerator(seed: 21)
        for unit in TokenUnit.allCases {
            for shift in [nil, 0.01, 0.0125] as [Double?] {
                for timing in TimingUnit.allCases {
                    let writer = HypothesisWriter(format: .jsonl, tokenUnit: unit, frameShift: shift, timingUnit: timing)
                    for trial in 0..<150 {
                        let nbest = (0..<Int.random(in: 1...3, using: &rng)).map { _ in randomHypothesis(&rng) }
                        let key = trial % 7 == 0 ? "utt/\"\(trial)\"" : "utt\(trial)"
                        let expected = nbest.enumerated().map { oracle(writer, key: key, rank: $0.offset + 1, $0.element) }.joined()
                        XCTAssertEqual(writer.lines(key: key, hypotheses: nbest), expected, "\(unit) \(String(describing: shift)) \(timing) \(trial)")
                        // Each line parses back to the tokens.
                        for (line, h) in zip(writer.lines(key: key, hypotheses: nbest).split(separator: "\n"), nbest) {
                            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                            XCTAssertEqual(object["tokens"] as? [String], h.text)
                        }
                    }
                }
            }
        }
    }

    func testPartialLines() throws {
        var rng = SeededGenerator(seed: 22)
        let writer = HypothesisWriter(format: .jsonl, tokenUnit: .characters, frameShift: 0.01)
        for frames in [0, 7, 1_000] {
            let h = randomHypothesis(&rng)
            let object: [String: Any] = ["key": "k\\1", "partial": true, "frames": frames, "text": TokenUnit.characters.text(of: h.text), "tokens": h.text]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            XCTAssertEqual(writer.partialLine(key: "k\\1", frames: frames, hypothesis: h), String(decoding: data, as: UTF8.self) + "\n")
        }
        XCTAssertEqual(HypothesisWriter(format: .text, tokenUnit: .words, frameShift: nil)
            .partialLine(key: "u", frames: 3, hypothesis: Hypothesis(tokens: [1], text: ["yes"], score: 0, acousticScore: 0,
                                                                      tokenStartFrames: [0], tokenEndFrames: [2], confidences: [1])), "u yes\n")
    }

    /// Numbers JSON cannot hold are written null (JSONSerialization refused them).
    func testNumbersThatAreNotFinite() {
        XCTAssertEqual(JSONText.number(-.infinity), "null")
        XCTAssertEqual(JSONText.number(.nan), "null")
        XCTAssertEqual(JSONText.number(-0.0), "-0")
        XCTAssertEqual(JSONText.number(1e16), "1e+16")
    }

    /// CTM lines per token and per word, as the format strings the writer used before.
    func testCTMLinesAreStringFormats() {
        var rng = SeededGenerator(seed: 23)
        for shift in [nil, 0.01, 1.0 / 3] as [Double?] {
            for timing in TimingUnit.allCases {
                let writer = HypothesisWriter(format: .ctm, tokenUnit: .characters, frameShift: shift, timingUnit: timing)
                for _ in 0..<100 {
                    let h = randomHypothesis(&rng)
                    var expected = ""
                    let step = shift ?? 1
                    if timing == .word {
                        for w in h.words(separator: " ") {
                            expected += String(format: "%@ 1 %.3f %.3f %@ %.4f\n", "u1", Double(w.startFrame) * step,
                                               Double(w.endFrame - w.startFrame + 1) * step, w.word, w.confidence)
                        }
                    } else {
                        for i in h.tokens.indices {
                            expected += String(format: "%@ 1 %.3f %.3f %@ %.4f\n", "u1", Double(h.tokenStartFrames[i]) * step,
                                               Double(h.tokenEndFrames[i] - h.tokenStartFrames[i] + 1) * step,
                                               h.text[i] == " " ? "<space>" : h.text[i], h.confidences[i])
                        }
                    }
                    XCTAssertEqual(writer.lines(key: "u1", hypotheses: [h]), expected)
                }
            }
        }
    }
}
