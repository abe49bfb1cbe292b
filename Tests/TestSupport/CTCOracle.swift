// The exhaustive CTC oracle shared by the loss and decoder tests: every path enumerated.
import Foundation

/// The CTC collapse map B (Graves et al. 2006, §3): merge repeated classes, then remove blanks.
public func ctcCollapse(_ path: [Int], blank: Int = 0) -> [Int] {
    var out: [Int] = []
    var previous = -1
    for k in path {
        if k != previous && k != blank { out.append(k) }
        previous = k
    }
    return out
}

/// Calls `body(path, ln p(path))` for every one of the K^T paths through T × K row-major
/// natural-log outputs (ln p(π) = Σₜ ln yₜ(πₜ)). Only for tiny T and K. The path array is reused.
public func forEachCTCPath(logProbs: [Double], frames T: Int, classes K: Int, _ body: ([Int], Double) -> Void) {
    var path = [Int](repeating: 0, count: T)
    let total = Int(pow(Double(K), Double(T)))
    for n in 0..<total {
        var rest = n
        var logP = 0.0
        for t in 0..<T {
            path[t] = rest % K
            rest /= K
            logP += logProbs[t * K + path[t]]
        }
        body(path, logP)
    }
}

/// ln p(ℓ | x) for every labelling ℓ, by summing the probabilities of all paths π in each B⁻¹(ℓ)
/// (Graves et al. 2006, eq. 2–3) with log-sum-exp. Only for tiny T and K: the work is K^T.
public func exhaustiveCTCLogProbabilities(logProbs: [Double], frames T: Int, classes K: Int, blank: Int = 0) -> [[Int]: Double] {
    var result: [[Int]: Double] = [:]
    forEachCTCPath(logProbs: logProbs, frames: T, classes: K) { path, logP in
        let key = ctcCollapse(path, blank: blank)
        let old = result[key] ?? -.infinity
        let m = max(old, logP)
        result[key] = m == -.infinity ? -.infinity : m + log(exp(old - m) + exp(logP - m))
    }
    return result
}
