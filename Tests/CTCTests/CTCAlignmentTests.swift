// Viterbi forced alignment through the CTC topology: hand-built cases and the brute-force best path.
import XCTest
import Networks
import Tensors
import TestSupport

final class CTCAlignmentTests: XCTestCase {
    /// Log-probabilities where frame t gives `peak[t]` probability 0.9 and spreads 0.1 over the rest.
    func peaked(_ peak: [Int], classes K: Int) -> [Double] {
        peak.flatMap { p in (0..<K).map { $0 == p ? log(0.9) : log(0.1 / Double(K - 1)) } }
    }

    func testHandBuiltAlignments() throws {
        // Frames: ∅ 1 1 ∅ 2 2 2 ∅ → label 1 on frames 1–2, label 2 on frames 4–6.
        let a = try ctcForcedAlignment(logProbs: peaked([0, 1, 1, 0, 2, 2, 2, 0], classes: 3), frames: 8, classes: 3, labels: [1, 2])
        XCTAssertEqual(a.spans, [CTCLabelSpan(label: 1, start: 1, end: 2), CTCLabelSpan(label: 2, start: 4, end: 6)])
        XCTAssertEqual(a.path, [0, 1, 1, 0, 2, 2, 2, 0])
        XCTAssertEqual(a.states, [0, 1, 1, 2, 3, 3, 3, 4])
        XCTAssertEqual(a.logProbability, 8 * log(0.9), accuracy: 1e-12)

        // Repeats: the outputs say 1 1 1 1, but (1,1) forces a blank in between somewhere.
        let r = try ctcForcedAlignment(logProbs: peaked([1, 1, 1, 1], classes: 3), frames: 4, classes: 3, labels: [1, 1])
        XCTAssertEqual(r.spans.count, 2)
        XCTAssertEqual(r.path.filter { $0 == 0 }.count, 1)
        XCTAssertEqual(collapse(r.path), [1, 1])
        XCTAssertEqual(r.logProbability, 3 * log(0.9) + log(0.05), accuracy: 1e-12)

        // The labels are forced even where the outputs disagree: label 2 must take one frame.
        let f = try ctcForcedAlignment(logProbs: peaked([1, 1, 1], classes: 3), frames: 3, classes: 3, labels: [1, 2])
        XCTAssertEqual(f.spans, [CTCLabelSpan(label: 1, start: 0, end: 1), CTCLabelSpan(label: 2, start: 2, end: 2)])

        // No labels: all blank.
        let e = try ctcForcedAlignment(logProbs: peaked([1, 0], classes: 3), frames: 2, classes: 3, labels: [])
        XCTAssertEqual(e.path, [0, 0])
        XCTAssertEqual(e.spans, [])
    }

    func testViterbiMatchesBruteForceBestPath() throws {
        var g = SeededGenerator(seed: 51)
        for (T, K) in [(1, 3), (3, 3), (5, 3), (6, 2), (4, 4)] {
            let lp = logSoftmax(randomLogits(frames: T, classes: K, scale: 2, &g), classes: K)
            for labels in [[1], [1, 1], [K - 1, 1], [1, K - 1, 1], []] where labels.count <= T {
                let best = bruteForceBestPath(logProbs: lp, frames: T, classes: K, labels: labels)
                if let best {
                    let a = try ctcForcedAlignment(logProbs: lp, frames: T, classes: K, labels: labels)
                    XCTAssertEqual(a.logProbability, best.logP, accuracy: 1e-12, "T=\(T) K=\(K) l=\(labels)")
                    XCTAssertEqual(collapse(a.path), labels)
                    // With continuous random outputs the best path is unique.
                    XCTAssertEqual(a.path, best.path, "T=\(T) K=\(K) l=\(labels)")
                    // Spans agree with the path, in order, without overlap.
                    for (i, span) in a.spans.enumerated() {
                        XCTAssertTrue((span.start...span.end).allSatisfy { a.path[$0] == span.label })
                        if i > 0 { XCTAssertGreaterThan(span.start, a.spans[i - 1].end) }
                    }
                } else {
                    XCTAssertThrowsError(try ctcForcedAlignment(logProbs: lp, frames: T, classes: K, labels: labels))
                }
            }
        }
    }

    func testInfeasibleAlignmentThrows() {
        let lp = peaked([1, 1], classes: 3)
        XCTAssertThrowsError(try ctcForcedAlignment(logProbs: lp, frames: 2, classes: 3, labels: [1, 1])) {
            XCTAssertEqual($0 as? CTCError, .infeasible(frames: 2, required: 3))
        }
        XCTAssertThrowsError(try ctcForcedAlignment(logProbs: lp, frames: 2, classes: 3, labels: [3])) {
            XCTAssertEqual($0 as? CTCError, .labelOutOfRange(position: 0, label: 3, classes: 3))
        }
    }

    /// Viterbi over the whole T × S table of l′ (blank, l₁, blank, …, blank) without a band: the textbook
    /// recursion that `ctcForcedAlignment` must match while it keeps only two frames of scores.
    func fullTableBestPath(logProbs lp: [Double], frames T: Int, classes K: Int, labels: [Int]) -> (path: [Int], logP: Double) {
        let extended = labels.flatMap { [0, $0] } + [0], S = extended.count
        var delta = [[Double]](repeating: [Double](repeating: -.infinity, count: S), count: T)
        var from = [[Int]](repeating: [Int](repeating: 0, count: S), count: T)
        delta[0][0] = lp[extended[0]]
        if S > 1 { delta[0][1] = lp[extended[1]] }
        for t in 1..<T {
            for s in 0..<S {
                var score = delta[t - 1][s], step = 0
                if s >= 1, delta[t - 1][s - 1] > score { score = delta[t - 1][s - 1]; step = 1 }
                if s >= 2, extended[s] != 0, extended[s] != extended[s - 2], delta[t - 1][s - 2] > score {
                    score = delta[t - 1][s - 2]; step = 2
                }
                delta[t][s] = score + lp[t * K + extended[s]]
                from[t][s] = step
            }
        }
        var state = S - 1, best = delta[T - 1][S - 1]
        if S > 1, delta[T - 1][S - 2] > best { best = delta[T - 1][S - 2]; state = S - 2 }
        var path = [Int](repeating: 0, count: T)
        for t in stride(from: T - 1, through: 0, by: -1) {
            path[t] = extended[state]
            state -= from[t][state]
        }
        return (path, best)
    }

    func testLongAlignmentsMatchTheFullTable() throws {
        var g = SeededGenerator(seed: 52)
        let K = 5
        // Long utterances with many labels (repeats included), down to the fewest frames the labels need
        // (T nil: one frame a label and one more a repeat).
        for (frames, U) in [(600, 40), (400, 150), (nil, 120), (1, 0), (2, 1)] as [(Int?, Int)] {
            var labels = randomLabels(U, classes: K, &g)
            if U > 3 { labels[2] = labels[1] }
            let T = frames ?? U + zip(labels, labels.dropFirst()).filter { $0 == $1 }.count
            let lp = logSoftmax(randomLogits(frames: T, classes: K, scale: 2, &g), classes: K)
            let reference = fullTableBestPath(logProbs: lp, frames: T, classes: K, labels: labels)
            let a = try ctcForcedAlignment(logProbs: lp, frames: T, classes: K, labels: labels)
            XCTAssertEqual(a.path, reference.path, "T=\(T) U=\(U)")
            XCTAssertEqual(a.logProbability, reference.logP, accuracy: 1e-9, "T=\(T) U=\(U)")
            XCTAssertEqual(collapse(a.path), labels)
        }
    }
}
