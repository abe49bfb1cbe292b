// BestPathStream: after every frame, exactly bestPathDecode of the frames so far.
import XCTest
import Tensors
import TestSupport
@testable import Decoding

final class BestPathStreamTests: XCTestCase {
    func testEveryPrefixEqualsBestPathOfThatPrefix() {
        let alphabet = ["-", "a", "b", "c"]
        for (seed, blank) in [(UInt64(1), 0), (2, 0), (3, 2)] {
            let lp = randomLogProbs(frames: 37, classes: 4, seed: seed, peak: 2)
            var stream = BestPathStream(blank: blank, alphabet: alphabet)
            XCTAssertEqual(stream.hypothesis, bestPathDecode(logProbs: Matrix(rows: 0, cols: 4), blank: blank, alphabet: alphabet))
            for t in 0..<lp.rows {
                stream.advance(frame: lp.row(t))
                XCTAssertEqual(stream.frameCount, t + 1)
                XCTAssertEqual(stream.hypothesis, bestPathDecode(logProbs: lp.rows(0..<(t + 1)), blank: blank, alphabet: alphabet),
                               "seed \(seed), after frame \(t)")
            }
            var whole = BestPathStream(blank: blank, alphabet: alphabet)
            whole.advance(logProbs: lp)
            XCTAssertEqual(whole.hypothesis, bestPathDecode(logProbs: lp, blank: blank, alphabet: alphabet))
            XCTAssertFalse(whole.hypothesis.tokens.isEmpty, "a test that decodes nothing checks little")
        }
    }

    func testTiesAndRunsAcrossFrames() {
        // Ties go to the lowest class; a run continued in the next frame extends the open token.
        let lp = Matrix([[-1, -1, -5], [-5, -0.1, -5], [-5, -0.2, -5], [-0.1, -5, -5], [-5, -5, -0.3]])
        var stream = BestPathStream(blank: 0, alphabet: ["-", "x", "y"])
        stream.advance(frame: lp.row(0))
        XCTAssertEqual(stream.hypothesis.tokens, [])
        stream.advance(frame: lp.row(1))
        XCTAssertEqual(stream.hypothesis.tokenEndFrames, [1])
        stream.advance(frame: lp.row(2))
        XCTAssertEqual(stream.hypothesis.tokenEndFrames, [2])
        stream.advance(frame: lp.row(3))
        stream.advance(frame: lp.row(4))
        XCTAssertEqual(stream.hypothesis.text, ["x", "y"])
        XCTAssertEqual(stream.hypothesis, bestPathDecode(logProbs: lp, alphabet: ["-", "x", "y"]))
    }
}
