// Hypothesis.words: characters between spaces grouped into timed words with their mean posterior.
import XCTest
import Tensors
import TestSupport
@testable import Decoding

final class WordSpansTests: XCTestCase {
    func testGroupsCharactersBetweenSpaces() {
        // " ab  cd " : a 0–1 (0.9), b 3 (0.6), spaces, c 7–9 (0.5), d 10 (1.0), trailing space.
        let h = Hypothesis(tokens: [1, 2, 3, 1, 1, 4, 5, 1], text: [" ", "a", "b", " ", " ", "c", "d", " "], score: 0, acousticScore: 0,
                           tokenStartFrames: [0, 0, 3, 4, 5, 7, 10, 12], tokenEndFrames: [0, 1, 3, 4, 6, 9, 10, 12],
                           confidences: [0.7, 0.9, 0.6, 0.8, 0.8, 0.5, 1.0, 0.9])
        let words = h.words()
        XCTAssertEqual(words.map(\.word), ["ab", "cd"])
        XCTAssertEqual(words.map(\.startFrame), [0, 7])
        XCTAssertEqual(words.map(\.endFrame), [3, 10])
        XCTAssertEqual(words.map(\.tokens), [1..<3, 5..<7])
        assertClose(words.map(\.confidence), [(0.9 * 2 + 0.6) / 3, (0.5 * 3 + 1.0) / 4], absolute: 1e-6)
        // Word models: every token is a word.
        XCTAssertEqual(h.words(separator: nil).map(\.word), [" ", "a", "b", " ", " ", "c", "d", " "])
        XCTAssertEqual(Hypothesis(tokens: [], text: [], score: 0, acousticScore: 0, tokenStartFrames: [], tokenEndFrames: [], confidences: []).words(), [])
    }

    /// For best path, a word's confidence is the mean posterior of the argmax over the frames of its characters.
    func testConfidenceIsTheMeanPosteriorOverTheWordsFrames() throws {
        let alphabet = ["-", " ", "a", "b"]
        let lp = randomLogProbs(frames: 60, classes: 4, seed: 12, peak: 2)
        let h = try CTCDecoder(alphabet: alphabet).bestPath(logProbs: lp)
        let words = h.words()
        XCTAssertGreaterThan(words.count, 1)
        for w in words {
            var sum = 0.0, n = 0
            for i in w.tokens {
                for t in h.tokenStartFrames[i]...h.tokenEndFrames[i] { sum += exp(Double(lp[t, h.tokens[i]])); n += 1 }
            }
            XCTAssertEqual(Double(w.confidence), sum / Double(n), accuracy: 1e-5, w.word)
            XCTAssertFalse(w.word.contains(" "))
            XCTAssertEqual(w.word, h.text[w.tokens].joined())
        }
        XCTAssertEqual(words.map(\.word), h.text.joined().split(separator: " ").map(String.init))
    }
}
