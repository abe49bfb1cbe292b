// Fast CTC loss and gradients by rescaled linear-domain recursions, with a certificate that decides when to trust them.
//
// Graves et al. (2006), §4.1 (and Rabiner's HMM scaling) keep αₜ and β̂ₜ in the linear domain and divide
// each frame's row by its sum; ln p(l|x) is then the sum of the logs of the divisors. This needs only
// multiply-adds in the recursions, where log space needs an exp and a log per state and frame.
//
// The one risk is underflow: a state whose α (or β̂) falls below ~1e-300 of its row is dropped. Dropped
// prefixes through (t′, s′) carry at most 1e-300·Aₜ′·βₜ′(s′) of p, and p = Aₜ′·Bₜ′·Dₜ′ with
// Aₜ = Σₛ αₜ(s), Bₜ = Σₛ β̂ₜ(s) and Dₜ = Σₛ α̂ₜ(s)β̂ₜ(s) over the sum-normalised rows (·̂). So when every row's
// sum before normalisation is ≥ 1e-200 (no row lost, no subnormal arithmetic that matters) and every
// Dₜ ≥ 1e-100, each dropped part is < 1e-200 of p and of every occupancy γ — far below Double rounding.
// When a check fails (outputs of probability 0, or α and β̂ concentrated on disjoint states, as when a
// confident network contradicts the labels), `ctcLossRescaled` returns nil and the caller uses the
// log-space recursions (`CTCForwardBackward`), which hold for any input.
import Foundation

/// Smallest row sum (before normalisation) the rescaled recursions accept.
let rescaledMinimumRowSum = 1e-200
/// Smallest Σₛ α̂ₜ(s)β̂ₜ(s) (normalised rows) the rescaled gradient accepts.
let rescaledMinimumOverlap = 1e-100

/// Σ x[lo...hi] with four running sums (a single running sum is a chain of dependent additions).
@inline(__always)
private func sum(_ x: UnsafePointer<Double>, _ band: ClosedRange<Int>) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var i = band.lowerBound
    while i + 3 <= band.upperBound {
        s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]
        i += 4
    }
    while i <= band.upperBound { s0 += x[i]; i += 1 }
    return (s0 + s1) + (s2 + s3)
}

/// Σ x[i]·y[i] over `band`, with four running sums.
@inline(__always)
private func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ band: ClosedRange<Int>) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var i = band.lowerBound
    while i + 3 <= band.upperBound {
        s0 += x[i] * y[i]; s1 += x[i + 1] * y[i + 1]; s2 += x[i + 2] * y[i + 2]; s3 += x[i + 3] * y[i + 3]
        i += 4
    }
    while i <= band.upperBound { s0 += x[i] * y[i]; i += 1 }
    return (s0 + s1) + (s2 + s3)
}

/// Loss and gradients of one checked, length-feasible utterance (T ≥ 1, T ≥ `topology.minimumFrames`)
/// by rescaled recursions. Writes `gradient` (yₜ(k) − γₜ(k)) and `logProbGradient` (−γₜ(k)), both T × K
/// and zero on entry, and returns −ln p(l|x); returns nil, with the outputs in an unspecified state,
/// when the certificate above fails.
func ctcLossRescaled(_ lp: UnsafePointer<Double>, frames T: Int, classes K: Int, topology: CTCTopology,
                     gradient gu: UnsafeMutablePointer<Double>, logProbGradient glp: UnsafeMutablePointer<Double>) -> Double? {
    let S = topology.count, W = S + 2   // rows carry two zero pads before state 0 (α) or after state S−1 (β̂ terms)
    // y = exp(ln y): the outputs, kept in `gradient` (the gradient is y − γ, so γ is subtracted at the end).
    for i in 0..<(T * K) { gu[i] = exp(lp[i]) }
    var alphaStore = [Double](repeating: 0, count: T * W)   // T × (2 + S): α̂ₜ(s) at [t·W + 2 + s]
    var betaStore = [Double](repeating: 0, count: T * W)    // T × (S + 2): β̂ₜ(s) at [t·W + s]
    var termStore = [Double](repeating: 0, count: W)        // β̂ₜ₊₁(s)·yₜ₊₁(l′ₛ), padded with two zeros
    var maskStore = [Double](repeating: 0, count: W)        // 1 where s−2 → s is allowed; zero pads after S−1
    for s in 0..<S where topology.canSkip[s] { maskStore[s] = 1 }

    return topology.states.withUnsafeBufferPointer { statesBuffer -> Double? in
        alphaStore.withUnsafeMutableBufferPointer { alphaBuffer -> Double? in
            betaStore.withUnsafeMutableBufferPointer { betaBuffer -> Double? in
                termStore.withUnsafeMutableBufferPointer { termBuffer -> Double? in
                    maskStore.withUnsafeMutableBufferPointer { maskBuffer -> Double? in
                        let states = statesBuffer.baseAddress!, alpha = alphaBuffer.baseAddress! + 2
                        let beta = betaBuffer.baseAddress!, term = termBuffer.baseAddress!, mask = maskBuffer.baseAddress!

                        // Forward (§4.1), each row divided by its sum; ln p = Σ ln(sums) + ln(final states).
                        var logP = 0.0
                        alpha[0] = gu[states[0]]
                        if S > 1 { alpha[1] = gu[states[1]] }
                        for t in 0..<T {
                            let cur = alpha + t * W
                            let band = topology.band(frame: t, frames: T)
                            if t > 0 {
                                let prev = cur - W, y = gu + t * K
                                for s in band {
                                    cur[s] = (prev[s] + prev[s - 1] + mask[s] * prev[s - 2]) * y[states[s]]
                                }
                            }
                            let total = sum(cur, band)
                            guard total >= rescaledMinimumRowSum else { return nil }
                            let inverse = 1 / total
                            for s in band { cur[s] *= inverse }
                            logP += log(total)
                        }
                        let last = alpha + (T - 1) * W
                        let final = last[S - 1] + (S > 1 ? last[S - 2] : 0)
                        guard final > 0 else { return nil }
                        logP += log(final)

                        // Backward (§4.1, for β̂ₜ(s) = βₜ(s)/yₜ(l′ₛ)), each row divided by its sum.
                        let lastBeta = beta + (T - 1) * W
                        lastBeta[S - 1] = 1
                        if S > 1 { lastBeta[S - 2] = 1 }
                        for t in stride(from: T - 1, through: 0, by: -1) {
                            let cur = beta + t * W
                            let band = topology.band(frame: t, frames: T)
                            if t < T - 1 {
                                let next = cur + W, y = gu + (t + 1) * K
                                for s in band.lowerBound...min(S - 1, band.upperBound + 2) { term[s] = next[s] * y[states[s]] }
                                for s in band { cur[s] = term[s] + term[s + 1] + mask[s + 2] * term[s + 2] }
                            }
                            let total = sum(cur, band)
                            guard total >= rescaledMinimumRowSum else { return nil }
                            let inverse = 1 / total
                            for s in band { cur[s] *= inverse }
                        }

                        // Occupancies γₜ(s) = α̂ₜ(s)β̂ₜ(s) / Σₛ′ α̂ₜ(s′)β̂ₜ(s′) (the row scales cancel), summed per class.
                        for t in 0..<T {
                            let a = alpha + t * W, b = beta + t * W
                            let band = topology.band(frame: t, frames: T)
                            let overlap = dot(a, b, band)
                            guard overlap >= rescaledMinimumOverlap else { return nil }
                            let inverse = 1 / overlap
                            let g = glp + t * K
                            // Blanks (even s) summed in a register; labels (odd s) scattered to their classes.
                            var blank = 0.0
                            for s in stride(from: band.lowerBound + (band.lowerBound & 1), through: band.upperBound, by: 2) {
                                blank += a[s] * b[s]
                            }
                            g[CTCTopology.blank] -= blank * inverse
                            for s in stride(from: band.lowerBound | 1, through: band.upperBound, by: 2) {
                                g[states[s]] -= a[s] * b[s] * inverse
                            }
                            let u = gu + t * K
                            for k in 0..<K { u[k] += g[k] }   // yₜ(k) − γₜ(k), eq. 16
                        }
                        return -logP
                    }
                }
            }
        }
    }
}
