// The exposed forward–backward variables: state occupancies against path enumeration, and span confidences.
import XCTest
import Networks
import Tensors
import TestSupport

final class CTCForwardBackwardTests: XCTestCase {
    /// The state of l′ each frame of `path` is in, or nil if the path does not collapse to `labels`.
    func stateSequence(_ path: [Int], labels: [Int]) -> [Int]? {
        var states: [Int] = [], emitted = 0, previous = 0
        for k in path {
            if k == 0 {
                states.append(2 * emitted)
            } else if k == previous {
                states.append(2 * emitted - 1)
            } else {
                guard emitted < labels.count, labels[emitted] == k else { return nil }
                emitted += 1
                states.append(2 * emitted - 1)
            }
            previous = k
        }
        return emitted == labels.count ? states : nil
    }

    func testOccupancyMatchesPathEnumeration() throws {
        var g = SeededGenerator(seed: 71)
        for (T, K, labels) in [(4, 3, [1, 2]), (5, 3, [1, 1]), (5, 2, [1]), (3, 3, []), (5, 3, [2, 2, 1])] {
            let lp = logSoftmax(randomLogits(frames: T, classes: K, &g), classes: K)
            let S = 2 * labels.count + 1
            var occupancy = [Double](repeating: 0, count: T * S), p = 0.0
            for n in 0..<Int(pow(Double(K), Double(T))) {
                var rest = n
                let path = (0..<T).map { _ in defer { rest /= K }; return rest % K }
                guard let states = stateSequence(path, labels: labels) else { continue }
                let prob = exp((0..<T).reduce(0.0) { $0 + lp[$1 * K + path[$1]] })
                p += prob
                for t in 0..<T { occupancy[t * S + states[t]] += prob }
            }
            let fb = try CTCForwardBackward(logProbs: lp, frames: T, classes: K, labels: labels)
            XCTAssertEqual(fb.logLikelihood, log(p), accuracy: 1e-12, "T=\(T) l=\(labels)")
            let computed = (0..<(T * S)).map { exp(fb.logOccupancy(frame: $0 / S, state: $0 % S)) }
            assertClose(computed, occupancy.map { $0 / p }, absolute: 1e-12, "T=\(T) l=\(labels)")
        }
    }

    func testSpanPosteriorsAreConfidences() throws {
        // Clear outputs ∅ 1 1 ∅ 2 ∅: each label's span is almost certainly right.
        let K = 3
        let peak = [0, 1, 1, 0, 2, 0]
        let lp = peak.flatMap { p in (0..<K).map { $0 == p ? log(0.98) : log(0.01) } }
        let a = try ctcForcedAlignment(logProbs: lp, frames: 6, classes: K, labels: [1, 2])
        let fb = try CTCForwardBackward(logProbs: lp, frames: 6, classes: K, labels: [1, 2])
        let c = fb.spanPosteriors(a)
        XCTAssertEqual(c.count, 2)
        XCTAssertTrue(c.allSatisfy { $0 > 0.95 && $0 <= 1 + 1e-12 }, "\(c)")
        // Uniform outputs: the spans are no more likely than others, so confidences are well below 1.
        let flat = [Double](repeating: -log(Double(K)), count: 6 * K)
        let u = try CTCForwardBackward(logProbs: flat, frames: 6, classes: K, labels: [1, 2])
        let uc = u.spanPosteriors(try ctcForcedAlignment(logProbs: flat, frames: 6, classes: K, labels: [1, 2]))
        XCTAssertTrue(uc.allSatisfy { $0 > 0 && $0 < 0.8 }, "\(uc)")
    }
}
