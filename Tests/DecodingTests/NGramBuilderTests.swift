// NGramBuilder: modified Kneser-Ney estimates against an independent Python reference and by hand.
import XCTest
import Foundation
import TestSupport
import Tensors
@testable import Decoding

final class NGramBuilderTests: XCTestCase {
    private let fixtures = packageRoot.appendingPathComponent("Tests/DecodingTests/Fixtures")

    private func corpus() throws -> [String] {
        try String(contentsOf: fixtures.appendingPathComponent("kn-corpus.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    private func build(order: Int, unit: NGramUnit) throws -> NGramBuilder {
        var b = NGramBuilder(order: order, unit: unit)
        for line in try corpus() { try b.add(line: line) }
        return b
    }

    /// Every n-gram's probability and back-off equal the reference made by
    /// scripts/reference/make-kn-fixture.py (both in Double: tolerance 1e-9 in log10).
    func testMatchesIndependentPythonReference() throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("kn-reference.json"))
        let reference = try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
        for (name, order, unit) in [("word3", 3, NGramUnit.word), ("word2", 2, .word), ("char4", 4, .char)] {
            let estimate = try build(order: order, unit: unit).estimate()
            let ref = reference[name]!
            let refDiscounts = ref["discounts"] as! [[Double]]
            for n in 0..<order { assertClose(estimate.discounts[n], refDiscounts[n], absolute: 1e-12, "\(name) order \(n + 1)") }
            let refNgrams = ref["ngrams"] as! [String: [Any]]
            var ours: [String: (log10Prob: Double, log10Backoff: Double?)] = [:]
            for table in estimate.probabilities { for (g, v) in table { ours[g.joined(separator: " ")] = v } }
            XCTAssertEqual(Set(ours.keys), Set(refNgrams.keys), name)
            for (g, v) in refNgrams {
                guard let mine = ours[g] else { continue }
                assertClose([mine.log10Prob], [v[0] as! Double], absolute: 1e-9, "\(name) \(g)")
                let refBackoff = v[1] as? Double
                XCTAssertEqual(mine.log10Backoff == nil, refBackoff == nil, "\(name) \(g) back-off presence")
                if let a = mine.log10Backoff, let b = refBackoff { assertClose([a], [b], absolute: 1e-9, "\(name) \(g) back-off") }
            }
        }
    }

    /// Read back through the ARPA reader, p(· | h) sums to 1 over the vocabulary for every context
    /// the model lists (and the empty one). ARPA keeps 7 significant digits: tolerance 1e-5.
    func testWrittenModelDistributionsSumToOne() throws {
        for (order, unit) in [(3, NGramUnit.word), (4, .char)] {
            let builder = try build(order: order, unit: unit)
            let model = try NGramModel(arpa: builder.arpa(), file: "built.arpa")
            XCTAssertEqual(model.order, order)
            let predicted = model.words.indices.filter { model.words[$0] != "<s>" }.map(Int32.init)
            var contexts: [[String]] = [[]]
            for table in builder.estimate().probabilities.dropLast() {
                contexts += table.keys.filter { $0.last != "</s>" }
            }
            for h in contexts {
                var state: Int32 = 0
                for w in h { state = model.score(state: state, word: model.wordID(w)).next }
                var sum = 0.0
                for w in predicted { sum += exp(Double(model.score(state: state, word: w).logProb)) }
                XCTAssertEqual(sum, 1, accuracy: 1e-5, "context \(h) order \(order)")
            }
        }
    }

    /// Unigrams of "a a b" by hand: adjusted counts a 2, b 1, </s> 1; counts-of-counts n3 = 0, so
    /// the fallback discounts (0.5, 1, 1.5) apply; γ = (0.5·2 + 1·1)/4 = 0.5; |V| = 4 (a b </s> <unk>).
    func testUnigramsByHand() throws {
        var b = NGramBuilder(order: 1, unit: .word)
        try b.add(line: "a a b")
        let p = b.estimate().probabilities[0]
        let expected: [String: Double] = ["a": 1.0 / 4, "b": 0.125, "</s>": 0.125, "<unk>": 0]
        for (w, a) in expected { XCTAssertEqual(pow(10, p[[w]]!.log10Prob), a + 0.125, accuracy: 1e-12, w) }
        XCTAssertEqual(p[["<s>"]]!.log10Prob, -99)
    }

    func testCharacterUnits() {
        let b = NGramBuilder(order: 2, unit: .char)
        XCTAssertEqual(b.units(of: "  ab  c "), ["a", "b", "<space>", "c"])
        XCTAssertEqual(NGramBuilder(order: 2, unit: .word).units(of: " ab\tc "), ["ab", "c"])
    }

    /// The builder pads every line as <s> … </s> itself: a line with either marker among its words
    /// is refused and leaves the counts as they were (counted, "a <s> b" made <s> a predicted word
    /// and "c </s> d" a context after </s>). <unk> is an ordinary word of the text. In char mode
    /// "<s>" is three characters.
    func testSentenceMarkersInTheTextAreRefused() throws {
        var b = NGramBuilder(order: 2, unit: .word)
        try b.add(line: "a b")
        XCTAssertThrowsError(try b.add(line: "a <s> b")) { XCTAssertEqual($0 as? NGramBuilder.SentenceMarkerError, .init(marker: "<s>")) }
        XCTAssertThrowsError(try b.add(line: "c </s> d")) { XCTAssertEqual($0 as? NGramBuilder.SentenceMarkerError, .init(marker: "</s>")) }
        XCTAssertThrowsError(try b.add(line: "<s> a b </s>")) { XCTAssertEqual($0 as? NGramBuilder.SentenceMarkerError, .init(marker: "<s>")) }
        XCTAssertEqual(b.sentenceCount, 1)
        var clean = NGramBuilder(order: 2, unit: .word)
        try clean.add(line: "a b")
        XCTAssertEqual(b.arpa(), clean.arpa())
        try b.add(line: "<unk> b")
        XCTAssertNotNil(b.estimate().probabilities[1][["<unk>", "b"]])
        var chars = NGramBuilder(order: 2, unit: .char)
        try chars.add(line: "<s>")
        XCTAssertEqual(chars.sentenceCount, 1)
        XCTAssertNotNil(chars.estimate().probabilities[1][["<", "s"]])
    }

    /// The ARPA text is byte for byte what the builder wrote before its n-grams were stored as a
    /// trie of indices (seqlab at commit ac74e6d, whose builder keyed every n-gram by an array of
    /// word ids): its length and FNV-1a 64 hash, for words and characters, orders 1 to 6, over
    /// a corpus drawn here with a fixed generator (Zipf-like words, some not ASCII, 1 to 20 a line).
    func testARPAIsTheSameAsBeforeTheTrie() throws {
        var state: UInt64 = 20_251_203
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let words = (0..<300).map { $0 % 7 == 0 ? "wörd\($0)" : $0 % 11 == 0 ? "字\($0)" : "w\($0)" }
        let lines = (0..<400).map { _ in
            (0...next(20)).map { _ in words[min(next(300), next(300), next(300))] }.joined(separator: " ")
        }
        let expected: [(NGramUnit, Int, Int, String)] = [
            (.word, 1, 3963, "771b0bbcf25e96c3"), (.word, 2, 82128, "daf7ead381ebca59"), (.word, 3, 219327, "a99be6904aafa5f6"),
            (.word, 4, 365295, "c3e19723c19f6a29"), (.word, 6, 664661, "db44d22a69946f2"), (.char, 5, 144445, "aa17c6c115109e74"),
        ]
        for (unit, order, length, hash) in expected {
            var b = NGramBuilder(order: order, unit: unit)
            for line in lines { try b.add(line: line) }
            let (text, counts) = b.arpaWithCounts()
            XCTAssertEqual(text.utf8.count, length, "\(unit) order \(order)")
            XCTAssertEqual(String(FNV1a64.hash(text), radix: 16), hash, "\(unit) order \(order)")
            XCTAssertEqual(counts, try NGramModel(arpa: text, file: "built.arpa").counts, "\(unit) order \(order)")
        }
    }
}
