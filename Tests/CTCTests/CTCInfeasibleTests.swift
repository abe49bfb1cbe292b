// Impossible alignments give +∞ loss and zero gradients (never NaN); malformed input is rejected with a clear error.
import XCTest
import Networks
import Tensors
import TestSupport

final class CTCInfeasibleTests: XCTestCase {
    func assertInfeasible<T: CTCScalar>(_ r: CTCResult<T>, required: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.feasible, file: file, line: line)
        XCTAssertEqual(r.loss, .infinity, file: file, line: line)
        XCTAssertEqual(r.requiredFrames, required, file: file, line: line)
        XCTAssertTrue(r.gradient.allSatisfy { $0 == 0 }, "gradient \(r.gradient)", file: file, line: line)
        XCTAssertTrue(r.logProbGradient.allSatisfy { $0 == 0 }, "logProbGradient \(r.logProbGradient)", file: file, line: line)
    }

    func testTooFewFramesGiveInfiniteLossAndZeroGradient() throws {
        var g = SeededGenerator(seed: 31)
        let lp = logSoftmax(randomLogits(frames: 4, classes: 4, &g), classes: 4)
        // (1,1,2,2): 4 labels + 2 repeats = 6 frames needed, 4 given.
        assertInfeasible(try ctcLoss(logProbs: lp, frames: 4, classes: 4, labels: [1, 1, 2, 2]), required: 6)
        // More labels than frames.
        assertInfeasible(try ctcLoss(logProbs: lp, frames: 4, classes: 4, labels: [1, 2, 3, 1, 2]), required: 5)
        // The same in Float.
        assertInfeasible(try ctcLoss(logProbs: lp.map { Float($0) }, frames: 4, classes: 4, labels: [3, 3, 3]), required: 5)
        // Zero frames with a label; zero frames and no label is certain (loss 0).
        assertInfeasible(try ctcLoss(logProbs: [Double](), frames: 0, classes: 4, labels: [1]), required: 1)
        XCTAssertEqual(try ctcLoss(logProbs: [Double](), frames: 0, classes: 4, labels: []).loss, 0)
        // One frame fewer than a tight fit is infeasible, the tight fit itself is not.
        XCTAssertTrue(try ctcLoss(logProbs: lp, frames: 4, classes: 4, labels: [1, 1, 2]).feasible)
        assertInfeasible(try ctcLoss(logProbs: Array(lp.prefix(12)), frames: 3, classes: 4, labels: [1, 1, 2]), required: 4)
    }

    func testZeroProbabilityOutputsGiveInfiniteLossNotNaN() throws {
        // Class 1 has probability 0 at every frame: no path can emit label 1.
        let lp: [Double] = [log(0.5), -.infinity, log(0.5), log(0.2), -.infinity, log(0.8)]
        assertInfeasible(try ctcLoss(logProbs: lp, frames: 2, classes: 3, labels: [1]), required: 1)
        // −∞ entries off the useful paths are fine: label 2 still has a finite, exact loss.
        let r = try ctcLoss(logProbs: lp, frames: 2, classes: 3, labels: [2])
        let p = 0.5 * 0.8 + 0.5 * 0.2 + 0.5 * 0.8  // 2 2, 2 ∅, ∅ 2
        XCTAssertEqual(r.loss, -log(p), accuracy: 1e-14)
        XCTAssertTrue(r.gradient.allSatisfy { $0.isFinite } && r.logProbGradient.allSatisfy { $0.isFinite })
    }

    func testMalformedInputIsRejected() {
        let lp = [Double](repeating: log(1.0 / 3), count: 6)
        XCTAssertThrowsError(try ctcLoss(logProbs: lp, frames: 2, classes: 3, labels: [0])) {
            XCTAssertEqual($0 as? CTCError, .labelOutOfRange(position: 0, label: 0, classes: 3))
            XCTAssertEqual("\($0)", "CTC label 0 at position 0 is outside 1..<3 (class 0 is the blank)")
        }
        XCTAssertThrowsError(try ctcLoss(logProbs: lp, frames: 2, classes: 3, labels: [1, 3])) {
            XCTAssertEqual($0 as? CTCError, .labelOutOfRange(position: 1, label: 3, classes: 3))
        }
        XCTAssertThrowsError(try ctcLoss(logProbs: lp, frames: 2, classes: 3, labels: [-1])) {
            XCTAssertEqual($0 as? CTCError, .labelOutOfRange(position: 0, label: -1, classes: 3))
        }
        XCTAssertThrowsError(try ctcLoss(logProbs: lp, frames: 3, classes: 3, labels: [1])) {
            XCTAssertEqual($0 as? CTCError, .shapeMismatch(count: 6, frames: 3, classes: 3))
        }
        XCTAssertThrowsError(try ctcLoss(logProbs: lp, frames: -2, classes: -3, labels: [1])) {
            XCTAssertEqual($0 as? CTCError, .shapeMismatch(count: 6, frames: -2, classes: -3))
        }
        var bad = lp
        bad[4] = .nan
        XCTAssertThrowsError(try ctcLoss(logProbs: bad, frames: 2, classes: 3, labels: [1])) {
            guard case let .nonFiniteInput(frame, classIndex, _)? = $0 as? CTCError else { return XCTFail("\($0)") }
            XCTAssertEqual([frame, classIndex], [1, 1])
        }
        bad[4] = .infinity
        XCTAssertThrowsError(try ctcLoss(logProbs: bad.map { Float($0) }, frames: 2, classes: 3, labels: [1]))
    }
}
