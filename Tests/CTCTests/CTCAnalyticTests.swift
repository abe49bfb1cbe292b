// CTC loss on tiny cases whose probability is known in closed form or by counting paths by hand.
import XCTest
import Networks
import Tensors
import TestSupport

final class CTCAnalyticTests: XCTestCase {
    /// y as a T × K row-major array of probabilities → natural logs.
    func logs(_ y: [[Double]]) -> [Double] { y.flatMap { $0.map { log($0) } } }

    /// Every closed-form case runs through both recursions.
    let methods: [CTCMethod] = [.automatic, .logSpace]

    func testOneFrameOneLabelIsMinusLogOfThatOutput() throws {
        for method in methods {
            let y: [[Double]] = [[0.2, 0.5, 0.3]]
            let r = try ctcLoss(logProbs: logs(y), frames: 1, classes: 3, labels: [2], method: method)
            XCTAssertEqual(r.loss, -log(0.3), accuracy: 1e-14)
            XCTAssertTrue(r.feasible)
            // Only the path (2) exists: γ = 1 on class 2, so ∂loss/∂u = y − e₂.
            assertClose(r.gradient, [0.2, 0.5, 0.3 - 1], absolute: 1e-14)
            assertClose(r.logProbGradient, [0, 0, -1], absolute: 1e-14)
        }
    }

    func testTwoFramesOneLabelSumsThreePaths() throws {
        for method in methods {
            let y: [[Double]] = [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1]]
            // Paths collapsing to (1): 11, 10, 01.
            let p = y[0][1] * y[1][1] + y[0][1] * y[1][0] + y[0][0] * y[1][1]
            let r = try ctcLoss(logProbs: logs(y), frames: 2, classes: 3, labels: [1], method: method)
            XCTAssertEqual(r.loss, -log(p), accuracy: 1e-14)
            // γ₀(1) = (y₀(1)y₁(1) + y₀(1)y₁(0)) / p, γ₀(0) = y₀(0)y₁(1) / p.
            let g01 = (y[0][1] * y[1][1] + y[0][1] * y[1][0]) / p, g00 = y[0][0] * y[1][1] / p
            XCTAssertEqual(r.logProbGradient[0], -g00, accuracy: 1e-14)
            XCTAssertEqual(r.logProbGradient[1], -g01, accuracy: 1e-14)
            XCTAssertEqual(r.logProbGradient[2], 0, accuracy: 1e-14)
            XCTAssertEqual(r.gradient[1], y[0][1] - g01, accuracy: 1e-14)
        }
    }

    func testRepeatedLabelsNeedABlankBetween() throws {
        for method in methods {
            let y: [[Double]] = [[0.1, 0.8, 0.1], [0.3, 0.6, 0.1], [0.2, 0.7, 0.1]]
            // (1,1) in 3 frames: only the path 1 ∅ 1 (1 1 1 would collapse to a single 1).
            let r = try ctcLoss(logProbs: logs(y), frames: 3, classes: 3, labels: [1, 1], method: method)
            XCTAssertEqual(r.loss, -log(0.8 * 0.3 * 0.7), accuracy: 1e-14)
            XCTAssertEqual(r.requiredFrames, 3)
            // Different labels (1,2) need no blank: 2 frames suffice.
            let two = try ctcLoss(logProbs: logs(Array(y.prefix(2))), frames: 2, classes: 3, labels: [1, 2], method: method)
            XCTAssertEqual(two.loss, -log(0.8 * 0.1), accuracy: 1e-14)
            XCTAssertEqual(two.requiredFrames, 2)
        }
    }

    func testUniformOutputsCountPaths() throws {
        for method in methods {
            // Uniform yₜ(k) = 1/K: p(l|x) = (number of paths collapsing to l) / K^T.
            func uniform(_ T: Int, _ K: Int) -> [Double] { [Double](repeating: -log(Double(K)), count: T * K) }
            // T=3, K=2, l=(1): one run of 1s, blanks around it: 3 + 2 + 1 = 6 paths.
            XCTAssertEqual(try ctcLoss(logProbs: uniform(3, 2), frames: 3, classes: 2, labels: [1], method: method).loss,
                           -log(6.0 / 8), accuracy: 1e-14)
            // T=4, K=3, l=(1,2): 0^g₁ 1^a 0^g₂ 2^b 0^g₃ with a,b ≥ 1, Σ = 4: C(2+4, 4) = 15 paths.
            XCTAssertEqual(try ctcLoss(logProbs: uniform(4, 3), frames: 4, classes: 3, labels: [1, 2], method: method).loss,
                           -log(15.0 / 81), accuracy: 1e-14)
            // T=4, K=2, l=(1,1): 0^g₁ 1^a 0^m 1^b 0^g₃ with a,b,m ≥ 1, Σ = 4: C(1+4, 4) = 5 paths.
            XCTAssertEqual(try ctcLoss(logProbs: uniform(4, 2), frames: 4, classes: 2, labels: [1, 1], method: method).loss,
                           -log(5.0 / 16), accuracy: 1e-14)
            // Empty labelling: only the all-blank path.
            XCTAssertEqual(try ctcLoss(logProbs: uniform(5, 3), frames: 5, classes: 3, labels: [], method: method).loss,
                           -log(1.0 / 243), accuracy: 1e-12)
        }
    }

    func testForwardBackwardProductIsTheLikelihoodAtEveryFrame() throws {
        // Graves et al. 2006, §4.1: Σₛ αₜ(s)β̂ₜ(s) = p(l|x) for every t, i.e. Σₛ γₜ(s) = 1.
        var g = SeededGenerator(seed: 3)
        for (T, K, labels) in [(6, 4, [1, 2, 2]), (9, 3, [2, 1, 2, 2]), (1, 2, [1]), (4, 3, [])] {
            let lp = logSoftmax(randomLogits(frames: T, classes: K, &g), classes: K)
            let fb = try CTCForwardBackward(logProbs: lp, frames: T, classes: K, labels: labels)
            for t in 0..<T {
                let total = (0..<fb.topology.count).reduce(0.0) { $0 + exp(fb.logOccupancy(frame: t, state: $1)) }
                XCTAssertEqual(total, 1, accuracy: 1e-12, "T=\(T) labels=\(labels) t=\(t)")
            }
            // And the gradient w.r.t. logits sums to zero over classes at each frame (Σ y = Σ γ = 1).
            let r = try ctcLoss(logProbs: lp, frames: T, classes: K, labels: labels)
            for t in 0..<T {
                XCTAssertEqual(r.gradient[(t * K)..<((t + 1) * K)].reduce(0, +), 0, accuracy: 1e-12)
            }
        }
    }

    func testTopologyInterleavesBlanksAndMarksSkips() {
        let top = CTCTopology(labels: [3, 3, 1])
        XCTAssertEqual(top.states, [0, 3, 0, 3, 0, 1, 0])
        XCTAssertEqual(top.canSkip, [false, false, false, false, false, true, false])
        XCTAssertEqual(top.minimumFrames, 4)
    }
}
