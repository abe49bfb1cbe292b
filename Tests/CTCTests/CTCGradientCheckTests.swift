// Central finite differences in Double of the CTC loss w.r.t. every logit and every log-probability.
import XCTest
import Networks
import Tensors
import TestSupport

final class CTCGradientCheckTests: XCTestCase {
    /// (T, K, labels): T=1, odd T, repeats, an empty labelling, a tight fit (T = U + repeats).
    let shapes: [(Int, Int, [Int])] = [
        (1, 3, [2]), (3, 4, [1, 1]), (7, 5, [2, 2, 3, 1]), (8, 3, []), (9, 6, [1, 2, 3]), (6, 3, [1, 1, 2, 2]),
    ]

    func testGradientWithRespectToLogits() throws {
        for method in [CTCMethod.automatic, .logSpace] { try checkLogits(method) }
    }

    func testGradientWithRespectToLogProbs() throws {
        for method in [CTCMethod.automatic, .logSpace] { try checkLogProbs(method) }
    }

    func checkLogits(_ method: CTCMethod) throws {
        var g = SeededGenerator(seed: 21)
        for (T, K, labels) in shapes {
            var u = randomLogits(frames: T, classes: K, &g)
            let r = try ctcLoss(logProbs: logSoftmax(u, classes: K), frames: T, classes: K, labels: labels, method: method)
            var numeric = [Double](repeating: 0, count: u.count)
            let h = 1e-5
            for i in u.indices {
                let saved = u[i]
                u[i] = saved + h
                let plus = try ctcLoss(logProbs: logSoftmax(u, classes: K), frames: T, classes: K, labels: labels, method: method).loss
                u[i] = saved - h
                let minus = try ctcLoss(logProbs: logSoftmax(u, classes: K), frames: T, classes: K, labels: labels, method: method).loss
                u[i] = saved
                numeric[i] = (plus - minus) / (2 * h)
            }
            // Truncation O(h²)·f‴ ≈ 1e-10 and rounding ≈ 1e-16·loss/h ≈ 1e-10: 1e-7 leaves a wide margin.
            assertClose(r.gradient, numeric, absolute: 1e-7, "logits T=\(T) K=\(K) l=\(labels) \(method)")
        }
    }

    func checkLogProbs(_ method: CTCMethod) throws {
        var g = SeededGenerator(seed: 22)
        for (T, K, labels) in shapes {
            var lp = logSoftmax(randomLogits(frames: T, classes: K, &g), classes: K)
            let r = try ctcLoss(logProbs: lp, frames: T, classes: K, labels: labels, method: method)
            var numeric = [Double](repeating: 0, count: lp.count)
            let h = 1e-5
            for i in lp.indices {
                let saved = lp[i]
                lp[i] = saved + h
                let plus = try ctcLoss(logProbs: lp, frames: T, classes: K, labels: labels, method: method).loss
                lp[i] = saved - h
                let minus = try ctcLoss(logProbs: lp, frames: T, classes: K, labels: labels, method: method).loss
                lp[i] = saved
                numeric[i] = (plus - minus) / (2 * h)
            }
            assertClose(r.logProbGradient, numeric, absolute: 1e-7, "log-probs T=\(T) K=\(K) l=\(labels) \(method)")
        }
    }
}
