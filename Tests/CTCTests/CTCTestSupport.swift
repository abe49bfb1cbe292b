// Helpers for the CTC tests: log-softmax, seeded random outputs, and the brute-force path enumeration oracle.
import Foundation
import Tensors
import TestSupport

/// Row-wise log-softmax of a T × K row-major array, in Double.
func logSoftmax(_ u: [Double], classes K: Int) -> [Double] {
    var out = u
    for r in 0..<(u.count / K) {
        let row = u[(r * K)..<((r + 1) * K)]
        let m = row.max()!
        let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
        for k in 0..<K { out[r * K + k] = u[r * K + k] - lse }
    }
    return out
}

/// Seeded Gaussian logits, T × K, scaled by `scale`.
func randomLogits(frames T: Int, classes K: Int, scale: Double = 1.5, _ g: inout SeededGenerator) -> [Double] {
    (0..<(T * K)).map { _ in scale * g.normal() }
}

/// The CTC collapse map B with the blank at 0 (TestSupport's `ctcCollapse`).
func collapse(_ path: [Int]) -> [Int] { ctcCollapse(path) }

/// p(l|x) for every labelling l, by enumerating all K^T paths (TestSupport's exhaustive oracle).
func bruteForceLabellingProbabilities(logProbs: [Double], frames T: Int, classes K: Int) -> [[Int]: Double] {
    exhaustiveCTCLogProbabilities(logProbs: logProbs, frames: T, classes: K).mapValues { exp($0) }
}

/// The most probable single path that collapses to `labels`, by enumeration (nil if none exists).
func bruteForceBestPath(logProbs: [Double], frames T: Int, classes K: Int, labels: [Int]) -> (path: [Int], logP: Double)? {
    var best: (path: [Int], logP: Double)?
    forEachCTCPath(logProbs: logProbs, frames: T, classes: K) { path, logP in
        if collapse(path) == labels, logP > (best?.logP ?? -.infinity) { best = (path, logP) }
    }
    return best
}

/// Seeded random labels of length `length` in 1..<K.
func randomLabels(_ length: Int, classes K: Int, _ g: inout SeededGenerator) -> [Int] {
    (0..<length).map { _ in 1 + Int(g.next() % UInt64(K - 1)) }
}
