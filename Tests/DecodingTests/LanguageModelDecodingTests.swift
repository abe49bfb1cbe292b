// The pieces together: a word LM built by NGramBuilder, or a lexicon, corrects an acoustic confusion.
import XCTest
import Tensors
import TestSupport
@testable import Decoding

final class LanguageModelDecodingTests: XCTestCase {
    private let alphabet = ["-", " ", "a", "c", "d", "e", "g", "h", "k", "n", "o", "r", "s", "t"]

    /// Posteriors spelling "the cat" with a blank after each letter, except that the frame of
    /// "c" says k (0.5) rather than c (0.4): best path reads "the kat".
    private func confusedPosteriors() -> Matrix {
        let spelled = Array("the cat")
        var rows: [[Float]] = []
        for ch in spelled {
            let index = alphabet.firstIndex(of: String(ch))!
            var row = [Float](repeating: 0.1 / Float(alphabet.count - 1), count: alphabet.count)
            row[index] = 0.9
            if ch == "c" {
                row = [Float](repeating: 0.1 / Float(alphabet.count - 2), count: alphabet.count)
                row[alphabet.firstIndex(of: "k")!] = 0.5
                row[index] = 0.4
            }
            rows.append(row)
            var blank = [Float](repeating: 0.1 / Float(alphabet.count - 1), count: alphabet.count)
            blank[0] = 0.9
            rows.append(blank)
        }
        return Matrix(rows.map { $0.map { log($0) } })
    }

    func testWordLanguageModelAndLexiconCorrectTheConfusion() throws {
        let lp = confusedPosteriors()
        XCTAssertEqual(bestPathDecode(logProbs: lp, alphabet: alphabet).text.joined(), "the kat")
        let plain = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: 16, wordBoundary: 1))
        XCTAssertEqual(try plain.decode(logProbs: lp)[0].text.joined(), "the kat")

        var builder = NGramBuilder(order: 2, unit: .word)
        for line in ["the cat sat", "the cat ran", "a cat sat", "the dog sat", "a dog ran"] { try builder.add(line: line) }
        let lm = try NGramModel(arpa: builder.arpa(), file: "built.arpa")
        let fused = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: 16, lmWeight: 1, wordBoundary: 1), languageModel: lm)
        let best = try fused.decode(logProbs: lp)[0]
        XCTAssertEqual(best.text.joined(), "the cat")
        XCTAssertEqual(best.wordCount, 2)
        assertClose([best.lmScore], [lm.sentenceLogProb(["the", "cat"])], absolute: 1e-5)
        assertClose([best.score], [best.acousticScore + best.lmScore], absolute: 1e-5)
        // Frames: letters at even rows; "c" is the fifth letter (row 8).
        XCTAssertEqual(best.tokenStartFrames, [0, 2, 4, 6, 8, 10, 12])
        XCTAssertEqual(best.tokenEndFrames, [0, 2, 4, 6, 8, 10, 12])
        assertClose(best.confidences, [0.9, 0.9, 0.9, 0.9, 0.4, 0.9, 0.9], absolute: 1e-5)

        let constrained = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: 16, wordBoundary: 1),
                                     lexicon: ["the", "cat", "sat", "dog"])
        XCTAssertEqual(try constrained.decode(logProbs: lp)[0].text.joined(), "the cat")
        XCTAssertEqual(constrained.unspellableLexiconWords, [])
        let misspelt = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: 16, wordBoundary: 1), lexicon: ["the", "zoo", "Cat"])
        XCTAssertEqual(misspelt.unspellableLexiconWords, ["zoo", "Cat"])
        // An alphabet of word tokens (no boundary): a lexicon word that is no token can never be output; nor the blank.
        let words = CTCDecoder(alphabet: ["<blk>", "one", "two"], options: BeamSearchOptions(beamWidth: 4), lexicon: ["two", "three", "<blk>", "one two"])
        XCTAssertEqual(words.unspellableLexiconWords, ["three", "<blk>", "one two"])

        let characterLM = try NGramModel(arpa: {
            var b = NGramBuilder(order: 3, unit: .char)
            for line in ["the cat sat", "the cat ran", "a cat sat"] { try b.add(line: line) }
            return b.arpa()
        }(), file: "chars.arpa")
        let charFused = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: 16, lmWeight: 0.5, lmLevel: .token),
                                   languageModel: characterLM)
        XCTAssertEqual(try charFused.decode(logProbs: lp)[0].text.joined(), "the cat")
    }
}
