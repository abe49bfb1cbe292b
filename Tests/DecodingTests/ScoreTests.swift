// Edit distance and error-rate scoring, checked by hand and against jiwer's counts.
import XCTest
import Foundation
import Tensors
import TestSupport
import Formats
@testable import Decoding

final class ScoreTests: XCTestCase {
    private let fixtures = packageRoot.appendingPathComponent("Tests/DecodingTests/Fixtures")

    func testUtteranceUnitCountsWholeTranscriptsAndPrintsAccuracy() {
        let ref = [TranscriptEntry(key: "a", tokens: ["7"], line: 1), TranscriptEntry(key: "b", tokens: ["3"], line: 2),
                   TranscriptEntry(key: "c", tokens: ["x", "y"], line: 3), TranscriptEntry(key: "d", tokens: ["1"], line: 4)]
        let hyp = [TranscriptEntry(key: "a", tokens: ["7"], line: 1), TranscriptEntry(key: "b", tokens: ["8"], line: 2),
                   TranscriptEntry(key: "c", tokens: ["x", "y"], line: 3)]
        let report = ScoreReport(reference: ref, hypothesis: hyp, unit: .utterance, wordBoundary: nil, mode: .all)
        // a right, b wrong, c right as a whole, d missing (an empty hypothesis: a deletion).
        XCTAssertEqual([report.totals.hits, report.totals.substitutions, report.totals.deletions, report.totals.insertions], [2, 1, 1, 0])
        XCTAssertEqual(report.totals.formatted(unit: .utterance), """
            %UER 50.00 [ 2 / 4, 0 ins, 1 del, 1 sub ]
            %SER 50.00 [ 2 / 4 ]
            Scored 4 sentences, 1 not present in hyp.
            %ACC 50.00 [ 2 / 4 correct ]
            """)
    }

    /// An empty reference transcript is a class of its own: an empty hypothesis gets it right, any
    /// other is one substitution. (It had no unit, so a hypothesis was an insertion: 2 errors over
    /// 1 unit read %UER 200.00, and the right empty answer counted nowhere in %ACC.)
    func testUtteranceUnitCountsAnEmptyTranscriptAsAClass() {
        let ref = [TranscriptEntry(key: "a", tokens: [], line: 1), TranscriptEntry(key: "b", tokens: [], line: 2),
                   TranscriptEntry(key: "c", tokens: ["yes"], line: 3), TranscriptEntry(key: "d", tokens: ["no"], line: 4)]
        let hyp = [TranscriptEntry(key: "a", tokens: [], line: 1), TranscriptEntry(key: "b", tokens: ["no"], line: 2),
                   TranscriptEntry(key: "c", tokens: ["no"], line: 3)]
        let report = ScoreReport(reference: ref, hypothesis: hyp, unit: .utterance, wordBoundary: nil, mode: .all)
        // a right (both empty), b and c wrong, d missing (a deletion).
        XCTAssertEqual([report.totals.hits, report.totals.substitutions, report.totals.deletions, report.totals.insertions], [1, 2, 1, 0])
        XCTAssertEqual(report.totals.formatted(unit: .utterance), """
            %UER 75.00 [ 3 / 4, 0 ins, 1 del, 2 sub ]
            %SER 75.00 [ 3 / 4 ]
            Scored 4 sentences, 1 not present in hyp.
            %ACC 25.00 [ 1 / 4 correct ]
            """)
        XCTAssertTrue(report.details().hasPrefix("a ref \"\"\na hyp \"\"\na op  C\na #csid 1 0 0 0\nb ref \"\"\nb hyp no\n"), report.details())
        // Other units are unchanged: an empty reference has no units.
        let words = ScoreReport(reference: ref, hypothesis: hyp, unit: .word, wordBoundary: nil, mode: .all)
        XCTAssertEqual([words.totals.referenceUnits, words.totals.substitutions, words.totals.deletions, words.totals.insertions], [2, 1, 1, 1])
    }

    func testKittenSitting() {
        let a = levenshteinAlignment(reference: Array("kitten"), hypothesis: Array("sitting"))
        XCTAssertEqual([a.substitutions, a.deletions, a.insertions, a.hits], [2, 0, 1, 4])
        XCTAssertEqual(a.steps.map(\.operation.rawValue).joined(), "SCCCSCI")
    }

    /// The alignment's distance equals a plain dynamic-programming distance, and its steps
    /// rebuild both sequences, on random short sequences over a small alphabet.
    func testAlignmentIsOptimalAndConsistent() {
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<400 {
            let r = (0..<Int(rng.next() % 8)).map { _ in Int(rng.next() % 3) }
            let h = (0..<Int(rng.next() % 8)).map { _ in Int(rng.next() % 3) }
            var row = Array(0...h.count)
            for i in 1...max(r.count, 1) where !r.isEmpty {
                var next = [i] + [Int](repeating: 0, count: h.count)
                for j in stride(from: 1, through: h.count, by: 1) {
                    next[j] = min(row[j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1), row[j] + 1, next[j - 1] + 1)
                }
                row = next
            }
            let a = levenshteinAlignment(reference: r, hypothesis: h)
            XCTAssertEqual(a.errors, row[h.count], "\(r) \(h)")
            XCTAssertEqual(a.steps.compactMap(\.reference), Array(r.indices))
            XCTAssertEqual(a.steps.compactMap(\.hypothesis), Array(h.indices))
            for s in a.steps where s.operation == .match { XCTAssertEqual(r[s.reference!], h[s.hypothesis!]) }
            for s in a.steps where s.operation == .substitution { XCTAssertNotEqual(r[s.reference!], h[s.hypothesis!]) }
        }
    }

    /// Per-utterance and total counts equal jiwer 4.0.0's (scripts/reference/make-score-fixture.py).
    func testCountsMatchJiwer() throws {
        func read(_ name: String) throws -> [TranscriptEntry] {
            try KaldiText.read(path: fixtures.appendingPathComponent(name).path).map { TranscriptEntry(key: $0.key, tokens: $0.tokens, line: $0.line) }
        }
        let reference = try read("score-ref.txt"), hypothesis = try read("score-hyp.txt")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("score-reference.json"))) as! [String: Any]
        for (name, unit) in [("word", ScoreUnit.word), ("char", .char)] {
            let expected = json[name] as! [String: Any]
            let report = ScoreReport(reference: reference, hypothesis: hypothesis, unit: unit)
            let perUtterance = expected["utterances"] as! [String: [Int]]
            XCTAssertEqual(report.utterances.count, perUtterance.count)
            for u in report.utterances {
                let a = u.alignment
                XCTAssertEqual([a.hits, a.substitutions, a.deletions, a.insertions], perUtterance[u.key], "\(name) \(u.key)")
            }
            let t = expected["totals"] as! [Int]
            XCTAssertEqual([report.totals.hits, report.totals.substitutions, report.totals.deletions, report.totals.insertions], t, name)
            XCTAssertEqual(report.totals.errorRate / 100, expected["rate"] as! Double, accuracy: 1e-12, name)
            XCTAssertEqual(report.missingInHypothesis, ["utt07"])
            XCTAssertEqual(report.missingInReference, ["utt99"])
            let errors = t[1] + t[2] + t[3], units = t[0] + t[1] + t[2]
            let first = report.totals.formatted(unit: unit).split(separator: "\n")[0]
            XCTAssertEqual(String(first), "\(unit.rateName) \(String(format: "%.2f", 100 * Double(errors) / Double(units))) [ \(errors) / \(units), \(t[3]) ins, \(t[2]) del, \(t[1]) sub ]")
        }
    }

    func testKaldiFormatAndDetails() {
        let ref = [TranscriptEntry(key: "u1", tokens: ["the", "cat", "sat"], line: 1),
                   TranscriptEntry(key: "u2", tokens: ["a"], line: 2)]
        let hyp = [TranscriptEntry(key: "u1", tokens: ["the", "bat", "sat", "down"], line: 1),
                   TranscriptEntry(key: "u2", tokens: ["a"], line: 2)]
        let report = ScoreReport(reference: ref, hypothesis: hyp, unit: .word)
        XCTAssertEqual(report.totals.formatted(unit: .word), """
            %WER 50.00 [ 2 / 4, 1 ins, 0 del, 1 sub ]
            %SER 50.00 [ 1 / 2 ]
            Scored 2 sentences, 0 not present in hyp.
            """)
        XCTAssertEqual(report.details(), """
            u1 ref the cat sat ***
            u1 hyp the bat sat down
            u1 op  C   S   C   I
            u1 #csid 2 1 1 0
            u2 ref a
            u2 hyp a
            u2 op  C
            u2 #csid 1 0 0 0

            """)
    }

    /// Wide characters (CJK, fullwidth forms, emoji) take two terminal columns, combining marks
    /// none: the details' columns line up by that width, not by the count of characters.
    func testDetailsAlignWideCharactersByDisplayWidth() {
        XCTAssertEqual(["abc", "我们", "e\u{301}", "ｶ", "Ａ", "😀", "한국"].map(displayWidth), [3, 4, 1, 1, 2, 2, 4])
        let ref = [TranscriptEntry(key: "u1", tokens: ["我们", "去", "北京"], line: 1)]
        let hyp = [TranscriptEntry(key: "u1", tokens: ["我", "去", "上海", "了"], line: 1)]
        XCTAssertEqual(ScoreReport(reference: ref, hypothesis: hyp, unit: .word).details(), """
            u1 ref 我们 去 ***  北京
            u1 hyp 我   去 上海 了
            u1 op  S    C  I    S
            u1 #csid 1 2 1 0

            """)
    }

    func testUnitsAndWordBoundary() {
        XCTAssertEqual(ScoreReport.units(["h", "i", "|", "y", "o"], unit: .word, wordBoundary: "|"), ["hi", "yo"])
        XCTAssertEqual(ScoreReport.units(["h", "i", "|", "y", "o"], unit: .token, wordBoundary: "|"), ["h", "i", "|", "y", "o"])
        XCTAssertEqual(ScoreReport.units(["ab", "c"], unit: .char, wordBoundary: nil), ["a", "b", " ", "c"])
    }
}
