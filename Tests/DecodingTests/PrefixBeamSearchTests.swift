// Prefix beam search against exhaustive enumeration of all CTC alignments on tiny cases.
import XCTest
import Tensors
import TestSupport
@testable import Decoding

final class PrefixBeamSearchTests: XCTestCase {
    /// The exact search (wide beam, no pruning) returns the most probable label sequences, in order,
    /// with scores equal to the exhaustive log p(ℓ | x). Float accumulation: tolerance 1e-4.
    func testExactSearchMatchesExhaustiveEnumeration() throws {
        var cases = 0
        for k in 2...3 {
            for t in 1...6 {
                for seed in 0..<6 {
                    let lp = randomLogProbs(frames: t, classes: k, seed: UInt64(100 * k + 10 * t + seed))
                    let exact = exhaustiveLabelLogProbs(lp)
                    let ranked = exact.sorted { $0.value > $1.value }
                    let alphabet = ["-", "a", "b"].prefix(k).map { $0 }
                    let decoder = CTCDecoder(alphabet: alphabet, options: .exact(beamWidth: 256, nBest: 4))
                    let hyps = try decoder.decode(logProbs: lp)
                    XCTAssertEqual(hyps.count, min(4, ranked.count))
                    for (h, r) in zip(hyps, ranked) {
                        XCTAssertEqual(h.tokens, r.key, "T=\(t) K=\(k) seed \(seed)")
                        assertClose([h.score, h.acousticScore], [r.value, r.value], absolute: 1e-4, "T=\(t) K=\(k) seed \(seed)")
                    }
                    cases += 1
                }
            }
        }
        XCTAssertEqual(cases, 72)
    }

    /// A beam narrower than the number of prefixes still returns a label sequence whose score is
    /// its exact probability or less (pruned alignments only remove mass).
    func testNarrowBeamScoresAreLowerBounds() throws {
        for seed in 0..<10 {
            let lp = randomLogProbs(frames: 6, classes: 3, seed: UInt64(seed))
            let exact = exhaustiveLabelLogProbs(lp)
            let hyps = try CTCDecoder(alphabet: ["-", "a", "b"], options: .exact(beamWidth: 2, nBest: 2)).decode(logProbs: lp)
            for h in hyps { XCTAssertLessThanOrEqual(Double(h.acousticScore), exact[h.tokens]! + 1e-4) }
        }
    }

    /// Token and beam pruning leave a peaked case's answer unchanged.
    func testPrunedSearchAgreesOnPeakedPosteriors() throws {
        for seed in 0..<10 {
            let lp = randomLogProbs(frames: 6, classes: 3, seed: UInt64(seed), scale: 1, peak: 6)
            let exact = exhaustiveLabelLogProbs(lp).max { $0.value < $1.value }!
            let h = try CTCDecoder(alphabet: ["-", "a", "b"], options: BeamSearchOptions(beamWidth: 8)).decode(logProbs: lp)[0]
            XCTAssertEqual(h.tokens, exact.key, "seed \(seed)")
        }
    }

    func testTimingAndConfidenceOnClearPosteriors() throws {
        // argmax: a a - b b b - -
        let labels = [1, 1, 0, 2, 2, 2, 0, 0]
        var lp = Matrix(rows: labels.count, cols: 3)
        for (t, c) in labels.enumerated() { for j in 0..<3 { lp[t, j] = log(j == c ? 0.98 : 0.01) } }
        let h = try CTCDecoder(alphabet: ["-", "a", "b"], options: .exact(beamWidth: 16)).decode(logProbs: lp)[0]
        XCTAssertEqual(h.text, ["a", "b"])
        XCTAssertEqual(h.tokenStartFrames, [0, 3])
        XCTAssertEqual(h.tokenEndFrames, [1, 5])
        assertClose(h.confidences, [0.98, 0.98], absolute: 1e-5)
        let greedy = bestPathDecode(logProbs: lp)
        XCTAssertEqual(greedy.tokenStartFrames, h.tokenStartFrames)
        XCTAssertEqual(greedy.tokenEndFrames, h.tokenEndFrames)
    }

    func testStreamingEqualsWholeMatrix() throws {
        let lp = randomLogProbs(frames: 40, classes: 5, seed: 7, peak: 3)
        let decoder = CTCDecoder(alphabet: ["-", "a", "b", "c", "d"], options: BeamSearchOptions(beamWidth: 8, nBest: 3))
        let whole = try decoder.decode(logProbs: lp)
        var search = decoder.makeSearch()
        for r in 0..<lp.rows { search.advance(frame: lp.row(r)) }
        XCTAssertEqual(search.frameCount, 40)
        XCTAssertEqual(search.finish(), whole)
        XCTAssertEqual(search.bestSoFar().tokens, whole[0].tokens)
    }

    func testEmptyInputGivesEmptyHypothesis() throws {
        let hyps = try CTCDecoder(alphabet: ["-", "a"]).decode(logProbs: Matrix(rows: 0, cols: 2))
        XCTAssertEqual(hyps.count, 1)
        XCTAssertEqual(hyps[0].tokens, [])
        XCTAssertEqual(hyps[0].score, 0)
    }

    func testBlankAtAnotherIndex() throws {
        // Same posteriors with the blank moved to the last column give the same labels (renamed).
        let lp = randomLogProbs(frames: 5, classes: 3, seed: 3)
        var moved = Matrix(rows: 5, cols: 3)
        for t in 0..<5 { moved[t, 2] = lp[t, 0]; moved[t, 0] = lp[t, 1]; moved[t, 1] = lp[t, 2] }
        let a = try CTCDecoder(alphabet: ["-", "a", "b"], options: .exact(beamWidth: 64)).decode(logProbs: lp)[0]
        let b = try CTCDecoder(alphabet: ["a", "b", "-"], blank: 2, options: .exact(beamWidth: 64)).decode(logProbs: moved)[0]
        XCTAssertEqual(a.text, b.text)
        assertClose([a.score], [b.score], absolute: 1e-5)
    }
}
