// Best-path decoding on hand-built posteriors: collapse, blanks, timings and confidences.
import XCTest
import Tensors
import TestSupport
@testable import Decoding

final class BestPathTests: XCTestCase {
    /// Frames with given argmax classes and the posterior of that class.
    private func peaked(_ labels: [Int], classes k: Int, top: Float = 0.9) -> Matrix {
        var m = Matrix(rows: labels.count, cols: k)
        for (t, c) in labels.enumerated() {
            for j in 0..<k { m[t, j] = log(j == c ? top : (1 - top) / Float(k - 1)) }
        }
        return m
    }

    func testCollapsesRepeatsDropsBlanksAndTimesTokens() throws {
        // argmax: a a - b b b - a   (a repeated across a blank is two tokens)
        let lp = peaked([1, 1, 0, 2, 2, 2, 0, 1], classes: 3)
        let decoder = CTCDecoder(alphabet: ["-", "a", "b"])
        let h = try decoder.bestPath(logProbs: lp)
        XCTAssertEqual(h.tokens, [1, 2, 1])
        XCTAssertEqual(h.text, ["a", "b", "a"])
        XCTAssertEqual(h.tokenStartFrames, [0, 3, 7])
        XCTAssertEqual(h.tokenEndFrames, [1, 5, 7])
        assertClose(h.confidences, [0.9, 0.9, 0.9], absolute: 1e-6)
        assertClose([h.score], [8 * log(0.9)], absolute: 1e-5)
    }

    func testRepeatWithoutBlankIsOneToken() {
        let h = bestPathDecode(logProbs: peaked([2, 2, 2], classes: 3))
        XCTAssertEqual(h.tokens, [2])
        XCTAssertEqual(h.tokenEndFrames, [2])
    }

    func testConfidenceIsMeanPosteriorOverTheRun() {
        var lp = peaked([1, 1], classes: 3)
        for (t, p) in [(0, Float(0.6)), (1, Float(0.8))] {
            lp[t, 1] = log(p); lp[t, 0] = log((1 - p) / 2); lp[t, 2] = log((1 - p) / 2)
        }
        let h = bestPathDecode(logProbs: lp)
        assertClose(h.confidences, [0.7], absolute: 1e-6)
    }

    func testEmptyAndAllBlank() {
        XCTAssertEqual(bestPathDecode(logProbs: Matrix(rows: 0, cols: 3)).tokens, [])
        XCTAssertEqual(bestPathDecode(logProbs: peaked([0, 0, 0], classes: 3)).tokens, [])
    }

    func testRejectsWrongColumnCount() {
        let decoder = CTCDecoder(alphabet: ["-", "a"])
        XCTAssertThrowsError(try decoder.bestPath(logProbs: Matrix(rows: 2, cols: 3))) { error in
            XCTAssertTrue(error is InputError, "\(error)")
            XCTAssertTrue("\(error)".contains("expected 2 columns"), "\(error)")
        }
    }
}
