// Shallow fusion and the lexicon constraint: the exact search equals exhaustive enumeration of
// label sequences scored by log p_ctc + α · log p_lm + β · units with an independent LM oracle.
import XCTest
import Tensors
import TestSupport
@testable import Decoding

final class FusionTests: XCTestCase {
    /// Checks that the exact search's n-best equals the exhaustive ranking under `combined`
    /// (label sequences for which it returns nil are not allowed). `shown` maps a label sequence to
    /// what is output; sequences shown alike count once, with the best score among them.
    private func checkAgainstExhaustive(alphabet: [String], options: BeamSearchOptions, lm: NGramModel?,
                                        lexicon: [String]? = nil, frames: Int, seeds: Range<UInt64>,
                                        shown: ([Int]) -> [Int] = { $0 },
                                        combined: ([Int], Double) -> Double?, file: StaticString = #filePath, line: UInt = #line) throws {
        let decoder = CTCDecoder(alphabet: alphabet, options: options, languageModel: lm, lexicon: lexicon)
        for seed in seeds {
            let lp = randomLogProbs(frames: frames, classes: alphabet.count, seed: seed)
            var seen = Set<[Int]>()
            let ranked = exhaustiveLabelLogProbs(lp).compactMap { labels, p in combined(labels, p).map { (labels, $0) } }
                .sorted { $0.1 > $1.1 }.map { (shown($0.0), $0.1) }.filter { seen.insert($0.0).inserted }
            let hyps = try decoder.decode(logProbs: lp)
            XCTAssertEqual(hyps.count, min(options.nBest, ranked.count), file: file, line: line)
            for (h, r) in zip(hyps, ranked) {
                XCTAssertEqual(h.tokens, r.0, "seed \(seed)", file: file, line: line)
                assertClose([h.score], [r.1], absolute: 2e-4, "seed \(seed)", file: file, line: line)
            }
        }
    }

    private func exactOptions(_ level: LanguageModelLevel, boundary: Int? = nil, alpha: Float, beta: Float) -> BeamSearchOptions {
        var o = BeamSearchOptions.exact(beamWidth: 512, nBest: 3)
        o.lmLevel = level
        o.wordBoundary = boundary
        o.lmWeight = alpha
        o.wordBonus = beta
        return o
    }

    func testCharacterLevelFusion() throws {
        let lm = try NGramModel(arpa: bigramARPA, file: "bigram.arpa")
        let oracle = PlainBackoffModel(arpa: bigramARPA)
        let alphabet = ["-", "a", "b"]
        try checkAgainstExhaustive(alphabet: alphabet, options: exactOptions(.token, alpha: 0.8, beta: 0.3), lm: lm,
                                   frames: 6, seeds: 0..<8) { labels, p in
            p + 0.8 * oracle.sentenceLogProb(labels.map { alphabet[$0] }) + 0.3 * Double(labels.count)
        }
    }

    func testWordLevelFusionWithBoundaryToken() throws {
        let arpa = """
        \\data\\
        ngram 1=6
        ngram 2=3

        \\1-grams:
        -0.6 </s>
        -99 <s> -0.4
        -0.5 a -0.2
        -0.7 b -0.3
        -0.9 ab -0.1
        -1.2 <unk>

        \\2-grams:
        -0.1 <s> ab
        -0.2 ab b
        -0.3 a </s>

        \\end\\
        """
        let lm = try NGramModel(arpa: arpa, file: "words.arpa")
        let oracle = PlainBackoffModel(arpa: arpa)
        let alphabet = ["-", " ", "a", "b"]
        func words(_ labels: [Int]) -> [String] {
            labels.map { alphabet[$0] }.joined().split(separator: " ").map(String.init)
        }
        try checkAgainstExhaustive(alphabet: alphabet, options: exactOptions(.word, boundary: 1, alpha: 1.2, beta: 0.5),
                                   lm: lm, frames: 5, seeds: 0..<6) { labels, p in
            let w = words(labels)
            return p + 1.2 * oracle.sentenceLogProb(w) + 0.5 * Double(w.count)
        }
        // Word-token mode: every token is a word of the LM.
        let wordAlphabet = ["-", "a", "ab"]
        try checkAgainstExhaustive(alphabet: wordAlphabet, options: exactOptions(.word, alpha: 0.7, beta: 0.2), lm: lm,
                                   frames: 5, seeds: 10..<14) { labels, p in
            p + 0.7 * oracle.sentenceLogProb(labels.map { wordAlphabet[$0] }) + 0.2 * Double(labels.count)
        }
    }

    func testLexiconRestrictsOutputToListedWords() throws {
        let alphabet = ["-", " ", "a", "b"]
        let lexicon = ["ab", "b"]
        // Output: the words separated by single spaces (leading, trailing and repeated spaces dropped).
        func singleSpaced(_ labels: [Int]) -> [Int] {
            let words = labels.split(separator: 1).map(Array.init)
            return Array(words.joined(separator: [1]))
        }
        try checkAgainstExhaustive(alphabet: alphabet, options: exactOptions(.word, boundary: 1, alpha: 0, beta: 0),
                                   lm: nil, lexicon: lexicon, frames: 5, seeds: 20..<26, shown: singleSpaced) { labels, p in
            let words = labels.map { alphabet[$0] }.joined().split(separator: " ").map(String.init)
            return words.allSatisfy(lexicon.contains) ? p : nil
        }
        let decoder = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(wordBoundary: 1), lexicon: ["ab", "abc"])
        XCTAssertEqual(decoder.unspellableLexiconWords, ["abc"])
    }

    func testEmptyHypothesisWhenTheLexiconRejectsTheBeam() throws {
        // One frame, "a" at 0.9: with beam 1 only the prefix "a" survives, which is no word of
        // the lexicon; the answer is the empty output, scored by the blank frame alone.
        let lp = Matrix([[log(0.05), log(0.05), log(0.9)]])
        let decoder = CTCDecoder(alphabet: ["-", " ", "a"], options: BeamSearchOptions(beamWidth: 1, wordBoundary: 1),
                                 lexicon: ["aa"])
        let hyps = try decoder.decode(logProbs: lp)
        XCTAssertEqual(hyps.count, 1)
        XCTAssertEqual(hyps[0].tokens, [])
        assertClose([hyps[0].acousticScore], [log(0.05)], absolute: 1e-6)
    }

    func testLexiconWithWordTokens() throws {
        let alphabet = ["-", "yes", "no", "maybe"]
        try checkAgainstExhaustive(alphabet: alphabet, options: exactOptions(.word, alpha: 0, beta: 0), lm: nil,
                                   lexicon: ["yes", "no"], frames: 4, seeds: 30..<34) { labels, p in
            labels.contains(3) ? nil : p
        }
    }
    /// A completed word that is only the start of a vocabulary word ("fo", "fou" of "four") is an
    /// unknown word like any other ("ro"): log10 p = bo(history) + p(<unk>), as SRILM and KenLM score it.
    func testUnknownWordThatPrefixesAVocabularyWordIsBackedOff() throws {
        let arpa = """
        \\data\\
        ngram 1=4
        ngram 2=2

        \\1-grams:
        -0.5 </s>
        -99 <s> -0.3
        -0.4 four -0.2
        -1.5 <unk>

        \\2-grams:
        -0.1 <s> four
        -0.2 four </s>

        \\end\\
        """
        let lm = try NGramModel(arpa: arpa, file: "four.arpa")
        let alphabet = ["-", " ", "f", "o", "u", "r"]
        var options = BeamSearchOptions(beamWidth: 16, wordBoundary: 1)
        options.lmLevel = .word
        options.lmWeight = 0   // the acoustically best path wins; its LM score is still reported
        let decoder = CTCDecoder(alphabet: alphabet, options: options, languageModel: lm)
        // Expected log10 scores, worked out by hand from the ARPA lines above (<unk> has no
        // back-off line, so bo(<unk>) = 0 and p(w | <unk>) = p(w)):
        //   fo        bo(<s>) + p(<unk>) + p(</s>)            = −0.3 − 1.5 − 0.5        = −2.3
        //   ro        the same (not the start of any word)                               = −2.3
        //   four fou  p(four|<s>) + bo(four) + p(<unk>) + p(</s>) = −0.1 − 0.2 − 1.5 − 0.5 = −2.3
        //   fou four  bo(<s>) + p(<unk>) + p(four) + p(</s>|four) = −0.3 − 1.5 − 0.4 − 0.2 = −2.4
        let cases: [(String, Double)] = [("fo", -2.3), ("ro", -2.3), ("four fou", -2.3), ("fou four", -2.4)]
        for (text, log10Expected) in cases {
            // One frame per character, each at probability 0.9 (no character repeats back to back).
            let rows = text.map { ch -> [Float] in
                let hit = alphabet.firstIndex(of: String(ch))!
                return (0..<alphabet.count).map { $0 == hit ? log(0.9) : log(0.02) }
            }
            let best = try decoder.decode(logProbs: Matrix(rows))[0]
            XCTAssertEqual(best.text.joined(), text)
            assertClose([best.lmScore], [Float(log10Expected * log(10.0))], absolute: 1e-4, text)
        }
    }
}
