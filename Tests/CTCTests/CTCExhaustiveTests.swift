// CTC loss against enumeration of all K^T paths and the collapse map, on every small shape.
import XCTest
import Networks
import Tensors
import TestSupport

final class CTCExhaustiveTests: XCTestCase {
    func testLossMatchesSumOverAllCollapsingPaths() throws {
        for method in [CTCMethod.automatic, .logSpace] { try checkAllLabellings(method) }
    }

    func checkAllLabellings(_ method: CTCMethod) throws {
        var g = SeededGenerator(seed: 11)
        for T in 1...5 {
            for K in 2...3 {
                let lp = logSoftmax(randomLogits(frames: T, classes: K, &g), classes: K)
                let oracle = bruteForceLabellingProbabilities(logProbs: lp, frames: T, classes: K)
                // Every labelling that some path produces (this includes all repeats patterns that fit in T).
                var total = 0.0
                for (labels, p) in oracle {
                    let r = try ctcLoss(logProbs: lp, frames: T, classes: K, labels: labels, method: method)
                    XCTAssertTrue(r.feasible)
                    // Relative agreement: both sides are sums of ≤ 3⁵ positive terms in Double.
                    XCTAssertEqual(exp(-r.loss), p, accuracy: 1e-12 * max(p, 1e-300) + 1e-300, "T=\(T) K=\(K) l=\(labels) \(method)")
                    total += exp(-r.loss)
                }
                XCTAssertEqual(total, 1, accuracy: 1e-12, "the labellings' probabilities sum to 1: T=\(T) K=\(K)")
                // Labellings no path produces: too long, or with repeats that do not fit.
                for labels in [[Int](repeating: 1, count: T + 1), [1, 1] + [Int](repeating: K - 1, count: max(0, T - 2))]
                where oracle[labels] == nil {
                    let r = try ctcLoss(logProbs: lp, frames: T, classes: K, labels: labels, method: method)
                    XCTAssertEqual(r.loss, .infinity, "T=\(T) K=\(K) l=\(labels)")
                    XCTAssertFalse(r.feasible)
                }
            }
        }
    }

    func testFloatInputAgreesWithDouble() throws {
        var g = SeededGenerator(seed: 12)
        let (T, K) = (5, 3)
        let lp = logSoftmax(randomLogits(frames: T, classes: K, &g), classes: K)
        let oracle = bruteForceLabellingProbabilities(logProbs: lp.map { Double(Float($0)) }, frames: T, classes: K)
        for (labels, p) in oracle {
            let r = try ctcLoss(logProbs: lp.map { Float($0) }, frames: T, classes: K, labels: labels)
            // Float output: 1e-5 relative covers rounding the loss and the inputs to Float.
            XCTAssertEqual(Double(r.loss), -log(p), accuracy: 1e-5 * max(1, -log(p)), "l=\(labels)")
        }
    }
}
