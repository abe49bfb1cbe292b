// The fast rescaled recursions against the log-space ones, including inputs that must make them fall back.
import XCTest
import Networks
import Tensors
import TestSupport

final class CTCMethodAgreementTests: XCTestCase {
    func assertAgree(_ lp: [Double], _ T: Int, _ K: Int, _ labels: [Int], _ note: String,
                     file: StaticString = #filePath, line: UInt = #line) throws -> CTCResult<Double> {
        let fast = try ctcLoss(logProbs: lp, frames: T, classes: K, labels: labels)
        let exact = try ctcLoss(logProbs: lp, frames: T, classes: K, labels: labels, method: .logSpace)
        XCTAssertTrue(exact.computedInLogSpace, file: file, line: line)
        // Both are Double computations of the same sums; relative 1e-11 allows for rounding over T ≤ 200 frames.
        XCTAssertEqual(fast.loss, exact.loss, accuracy: 1e-11 * max(1, abs(exact.loss)), note, file: file, line: line)
        assertClose(fast.gradient, exact.gradient, absolute: 1e-10, note, file: file, line: line)
        assertClose(fast.logProbGradient, exact.logProbGradient, absolute: 1e-10, note, file: file, line: line)
        return fast
    }

    func testRandomShapesAgreeWithoutFallingBack() throws {
        var g = SeededGenerator(seed: 61)
        for trial in 0..<40 {
            let T = 1 + Int(g.next() % 80), K = 2 + Int(g.next() % 29)
            let U = Int(g.next() % UInt64(T / 2 + 1))
            // Few classes make repeats frequent; drop labels until the sequence fits.
            var labels = randomLabels(U, classes: min(K, 2 + trial % 4), &g)
            while CTCTopology(labels: labels).minimumFrames > T { labels.removeLast() }
            let lp = logSoftmax(randomLogits(frames: T, classes: K, scale: 2, &g), classes: K)
            let r = try assertAgree(lp, T, K, labels, "trial \(trial) T=\(T) K=\(K) l=\(labels)")
            XCTAssertFalse(r.computedInLogSpace, "trial \(trial): ordinary outputs should not need log space")
        }
    }

    func testConfidentOutputsAgree() throws {
        // Logits with standard deviation 30: outputs near 0 or 1, as from a trained network, right or wrong.
        var g = SeededGenerator(seed: 62)
        for trial in 0..<10 {
            let T = 50 + Int(g.next() % 150), K = 10
            let labels = randomLabels(10, classes: K, &g)
            let lp = logSoftmax(randomLogits(frames: T, classes: K, scale: 30, &g), classes: K)
            _ = try assertAgree(lp, T, K, labels, "trial \(trial)")
        }
    }

    func testUnderflowingRowFallsBackToLogSpace() throws {
        // Frame 1 gives the blank and label 1 probability e⁻⁸⁰⁰ (0 in Double's linear domain).
        let (T, K) = (3, 3)
        var lp = [Double](repeating: log(1.0 / 3), count: T * K)
        lp[1 * K + 0] = -800
        lp[1 * K + 1] = -800
        lp[1 * K + 2] = log1p(-2 * exp(-800.0))
        let r = try assertAgree(lp, T, K, [1], "underflowing frame")
        XCTAssertTrue(r.computedInLogSpace)
        // The six paths over {∅, 1} that collapse to (1) — ∅∅1, ∅1∅, 1∅∅, ∅11, 11∅, 111 — each cross
        // frame 1 with probability e⁻⁸⁰⁰ and frames 0 and 2 with 1/3 each: p = 6 · e⁻⁸⁰⁰ / 9.
        XCTAssertEqual(r.loss, 800 - log(6.0 / 9), accuracy: 1e-9)
        XCTAssertTrue(r.feasible)
    }

    func testDisjointForwardAndBackwardMassFallsBack() throws {
        // Labels (1, 2) but the outputs say 2 2 2 … then 1 1 1 … with certainty e⁻³⁰⁰ elsewhere:
        // forward mass sits before label 1, backward mass after label 2, so their overlap underflows.
        let (T, K) = (40, 3)
        var lp = [Double](repeating: -300, count: T * K)
        for t in 0..<T { lp[t * K + (t < T / 2 ? 2 : 1)] = 0 }
        let r = try assertAgree(lp, T, K, [1, 2], "reversed outputs")
        XCTAssertTrue(r.computedInLogSpace)
        XCTAssertTrue(r.loss.isFinite && r.loss > 300)
    }
}
