// CTC forward and backward variables in log space (Graves et al. 2006, §4.1), shared by the loss and alignment.
import Foundation

/// ln(eᵃ + eᵇ), exact for −∞ arguments and never NaN for arguments in [−∞, +∞).
@inline(__always)
func logAdd(_ a: Double, _ b: Double) -> Double {
    let m = max(a, b)
    if m == -.infinity { return -.infinity }
    return m + log1p(exp(-abs(a - b)))
}

/// ln(eᵃ + eᵇ + eᶜ) by the log-sum-exp trick around the largest argument (two exps and one log1p).
@inline(__always)
func logAdd3(_ a: Double, _ b: Double, _ c: Double) -> Double {
    // m = the largest, x and y the other two.
    let (m, x, y): (Double, Double, Double) = a >= b ? (a >= c ? (a, b, c) : (c, a, b)) : (b >= c ? (b, a, c) : (c, a, b))
    if m == -.infinity { return -.infinity }
    return m + log1p(exp(x - m) + exp(y - m))
}

/// The CTC forward variables α and backward variables β of one utterance, in natural-log space.
///
/// With y_t(k) the network output at frame t for class k and l′ the extended labels (`CTCTopology`):
/// - `logAlpha[t·S + s]` = ln αₜ(s) = ln Σ over path prefixes π₀…πₜ that end in state s of Π_{t′≤t} y_{t′}(π_{t′})
///   (Graves et al. 2006, §4.1);
/// - `logBeta[t·S + s]` = ln β̂ₜ(s) = ln Σ over path suffixes from state s at t to the end of Π_{t′>t} y_{t′}(π_{t′}).
///   Unlike the β of the 2006 paper this β̂ excludes the output at frame t itself, so
///   αₜ(s)·β̂ₜ(s) is the total probability of the paths that are in state s at frame t, and
///   γₜ(s) = αₜ(s)β̂ₜ(s) / p(l|x) is the posterior occupancy of state s at frame t.
/// Entries outside the reachable band, and all entries of an infeasible utterance, are −∞.
/// Layout: row-major T × S, S = 2U + 1.
public struct CTCForwardBackward: Sendable {
    /// The CTC state graph of the label sequence.
    public let topology: CTCTopology
    /// Number of frames T.
    public let frames: Int
    /// ln αₜ(s), T × S row-major.
    public private(set) var logAlpha: [Double]
    /// ln β̂ₜ(s), T × S row-major (excludes frame t's own output).
    public private(set) var logBeta: [Double]
    /// ln p(l|x); −∞ when no path has non-zero probability.
    public private(set) var logLikelihood: Double

    /// Runs the forward and backward recursions over `logProbs` (T × K row-major, ln yₜ(k), blank = 0).
    /// Throws on a bad shape, a label outside 1..<K, or a NaN/+∞ input. An infeasible utterance is not
    /// an error here: `logLikelihood` is −∞.
    public init<T: CTCScalar>(logProbs: [T], frames: Int, classes: Int, labels: [Int]) throws(CTCError) {
        let lp = T.doubles(logProbs)
        try lp.withUnsafeBufferPointer { buffer throws(CTCError) in
            try checkCTCInput(logProbs: buffer, frames: frames, classes: classes, labels: labels)
        }
        self.init(checked: lp, frames: frames, classes: classes, topology: CTCTopology(labels: labels))
    }

    /// The recursions on input already checked.
    init(checked logProbs: [Double], frames: Int, classes: Int, topology: CTCTopology) {
        self.topology = topology
        self.frames = frames
        let count = frames * topology.count
        logAlpha = [Double](repeating: -.infinity, count: count)
        logBeta = [Double](repeating: -.infinity, count: count)
        logLikelihood = -.infinity
        if frames == 0 {
            logLikelihood = topology.labels.isEmpty ? 0 : -.infinity
            return
        }
        guard frames >= topology.minimumFrames else { return }
        var ll = -Double.infinity
        logProbs.withUnsafeBufferPointer { lp in
            logAlpha.withUnsafeMutableBufferPointer { alpha in
                logBeta.withUnsafeMutableBufferPointer { beta in
                    ll = ctcForward(lp.baseAddress!, frames: frames, classes: classes, topology: topology, alpha: alpha.baseAddress!)
                    ctcBackward(lp.baseAddress!, frames: frames, classes: classes, topology: topology, beta: beta.baseAddress!)
                }
            }
        }
        logLikelihood = ll
    }

    /// ln γₜ(s): the log posterior probability that a path of the label sequence is in state s at frame t
    /// (−∞ when the utterance is infeasible).
    public func logOccupancy(frame t: Int, state s: Int) -> Double {
        guard logLikelihood > -.infinity else { return -.infinity }
        let i = t * topology.count + s
        return logAlpha[i] + logBeta[i] - logLikelihood
    }
}

/// Forward recursion (§4.1): fills `alpha` (T × S, pre-set to −∞) and returns ln p(l|x).
/// Works on raw buffers; allocates nothing.
func ctcForward(_ lp: UnsafePointer<Double>, frames T: Int, classes K: Int, topology: CTCTopology,
                alpha: UnsafeMutablePointer<Double>) -> Double {
    let S = topology.count
    return topology.states.withUnsafeBufferPointer { states in
        topology.canSkip.withUnsafeBufferPointer { canSkip in
            alpha[0] = lp[states[0]]
            if S > 1 { alpha[1] = lp[states[1]] }
            for t in 1..<max(1, T) {
                let prev = alpha + (t - 1) * S, cur = alpha + t * S, row = lp + t * K
                let band = topology.band(frame: t, frames: T)
                for s in band {
                    let a = prev[s]
                    let b = s >= 1 ? prev[s - 1] : -.infinity
                    let sum = canSkip[s] ? logAdd3(a, b, prev[s - 2]) : logAdd(a, b)
                    cur[s] = sum + row[states[s]]  // −∞ stays −∞: inputs are never +∞
                }
            }
            let last = alpha + (T - 1) * S
            return S > 1 ? logAdd(last[S - 1], last[S - 2]) : last[0]
        }
    }
}

/// Backward recursion (§4.1, for β̂ₜ(s) = βₜ(s)/yₜ(l′ₛ)): fills `beta` (T × S, pre-set to −∞).
/// Works on raw buffers; allocates nothing.
func ctcBackward(_ lp: UnsafePointer<Double>, frames T: Int, classes K: Int, topology: CTCTopology,
                 beta: UnsafeMutablePointer<Double>) {
    let S = topology.count
    topology.states.withUnsafeBufferPointer { states in
        topology.canSkip.withUnsafeBufferPointer { canSkip in
            let last = beta + (T - 1) * S
            last[S - 1] = 0
            if S > 1 { last[S - 2] = 0 }
            var t = T - 2
            while t >= 0 {
                let next = beta + (t + 1) * S, cur = beta + t * S, row = lp + (t + 1) * K
                let band = topology.band(frame: t, frames: T)
                for s in band {
                    let a = next[s] + row[states[s]]
                    let b = s + 1 < S ? next[s + 1] + row[states[s + 1]] : -.infinity
                    cur[s] = s + 2 < S && canSkip[s + 2] ? logAdd3(a, b, next[s + 2] + row[states[s + 2]]) : logAdd(a, b)
                }
                t -= 1
            }
        }
    }
}
