// CTC loss −ln p(l|x) and its two gradients, for one utterance (Graves et al. 2006; Graves 2012, ch. 7).
//
// Input: `logProbs`, T × K row-major, the natural-log outputs ln yₜ(k) of a log-softmax over K classes
// per frame, class 0 the blank; `labels`, the target classes in 1..<K (length U, may be empty).
//
// Output (`CTCResult`), with γₜ(k) = Σ_{s : l′ₛ = k} αₜ(s)β̂ₜ(s) / p(l|x) the posterior probability that
// a path of the labelling emits class k at frame t (`CTCForwardBackward`):
// - `loss` = −ln p(l|x)                                             (§4.2 of the 2006 paper)
// - `gradient[t·K + k]`        = ∂loss/∂uₜ(k) = yₜ(k) − γₜ(k)       (eq. 16): w.r.t. the LOGITS u, the
//   unnormalised activations that went into the log-softmax. This is what a network feeds back into
//   its output layer; it already includes the log-softmax's own derivative.
// - `logProbGradient[t·K + k]` = ∂loss/∂ln yₜ(k) = −γₜ(k): w.r.t. the LOG-PROBABILITY inputs taken as
//   independent variables (use it when the log-probabilities come from something other than a
//   log-softmax of logits the caller backpropagates through).
// (PyTorch's `ctc_loss` returns y − γ as the gradient of its log_probs argument, i.e. our `gradient`.)
//
// All recursions run in Double, whatever the input precision. `CTCMethod.logSpace` runs them in log
// space (log-sum-exp) for every input; the default `.automatic` first tries the rescaled linear-domain
// recursions (`CTCRescaled.swift`, several times faster), which certify their own accuracy and hand
// over to log space when they cannot.
import Foundation

/// How the CTC recursions are computed. Both give the same values to Double rounding (tested).
public enum CTCMethod: Sendable {
    /// Rescaled linear-domain recursions when their underflow certificate holds, log space otherwise.
    case automatic
    /// Log-space recursions (log-sum-exp) always.
    case logSpace
}

/// Floating-point types the CTC code accepts; the arithmetic always runs in Double.
public protocol CTCScalar: BinaryFloatingPoint, Sendable {
    /// The values as Double (no copy for Double).
    static func doubles(_ values: [Self]) -> [Double]
    /// Values of this type from Double (no copy for Double).
    static func fromDoubles(_ values: [Double]) -> [Self]
}

extension Double: CTCScalar {
    public static func doubles(_ values: [Double]) -> [Double] { values }
    public static func fromDoubles(_ values: [Double]) -> [Double] { values }
}

extension Float: CTCScalar {
    public static func doubles(_ values: [Float]) -> [Double] {
        [Double](unsafeUninitializedCapacity: values.count) { out, count in
            values.withUnsafeBufferPointer { v in for i in v.indices { out[i] = Double(v[i]) } }
            count = values.count
        }
    }

    public static func fromDoubles(_ values: [Double]) -> [Float] {
        [Float](unsafeUninitializedCapacity: values.count) { out, count in
            values.withUnsafeBufferPointer { v in for i in v.indices { out[i] = Float(v[i]) } }
            count = values.count
        }
    }
}

/// The CTC loss of one utterance and its gradients (Graves et al. 2006, §4.2, eq. 16).
/// Shapes: `gradient` and `logProbGradient` are T × K row-major, like the input.
public struct CTCResult<T: CTCScalar>: Sendable {
    /// −ln p(l|x); +∞ when no path can emit the labels (`feasible == false`).
    public var loss: T
    /// ∂loss/∂uₜ(k) = yₜ(k) − γₜ(k), w.r.t. the logits before the log-softmax. Feed this back into the network.
    /// All zero when the utterance is infeasible.
    public var gradient: [T]
    /// ∂loss/∂ln yₜ(k) = −γₜ(k), w.r.t. the log-probability inputs taken as independent variables.
    /// All zero when the utterance is infeasible.
    public var logProbGradient: [T]
    /// False when no path has non-zero probability: too few frames (`frames < requiredFrames`), or
    /// every valid path passes through an output of probability zero. The loss is then +∞.
    public var feasible: Bool
    /// The fewest frames the label sequence needs: its length plus the number of equal adjacent labels.
    public var requiredFrames: Int
    /// True when the log-space recursions produced this result (`.logSpace`, or `.automatic` fell back).
    public var computedInLogSpace: Bool
}

/// CTC loss and gradients of one utterance, blank = class 0 (Graves et al. 2006; Graves 2012, ch. 7).
///
/// - Parameters:
///   - logProbs: T × K row-major natural-log probabilities (a log-softmax output).
///   - frames: T ≥ 0.
///   - classes: K ≥ 1, including the blank.
///   - labels: the target sequence, each in 1..<K.
///   - method: how to run the recursions; the default is the fast one, falling back to log space.
/// - Throws: `CTCError` for a shape mismatch, a label outside 1..<K, or a NaN/+∞ log-probability.
///   An utterance too short for its labels is not thrown: it returns `feasible == false`, loss +∞, zero gradients.
public func ctcLoss<T: CTCScalar>(logProbs: [T], frames: Int, classes: Int, labels: [Int],
                                  method: CTCMethod = .automatic) throws(CTCError) -> CTCResult<T> {
    let lp = T.doubles(logProbs)
    try lp.withUnsafeBufferPointer { buffer throws(CTCError) in
        try checkCTCInput(logProbs: buffer, frames: frames, classes: classes, labels: labels)
    }
    return ctcLossChecked(lp, frames: frames, classes: classes, topology: CTCTopology(labels: labels), method: method).converted()
}

extension CTCResult where T == Double {
    /// The same result in another precision.
    func converted<U: CTCScalar>() -> CTCResult<U> {
        CTCResult<U>(loss: U(loss), gradient: U.fromDoubles(gradient), logProbGradient: U.fromDoubles(logProbGradient),
                     feasible: feasible, requiredFrames: requiredFrames, computedInLogSpace: computedInLogSpace)
    }
}

/// The loss and gradients in Double on input already checked.
func ctcLossChecked(_ logProbs: [Double], frames: Int, classes: Int, topology: CTCTopology, method: CTCMethod) -> CTCResult<Double> {
    if method == .automatic, frames > 0, frames >= topology.minimumFrames {
        var gradient = [Double](repeating: 0, count: logProbs.count)
        var logProbGradient = [Double](repeating: 0, count: logProbs.count)
        let loss = logProbs.withUnsafeBufferPointer { lp in
            gradient.withUnsafeMutableBufferPointer { gu in
                logProbGradient.withUnsafeMutableBufferPointer { glp in
                    ctcLossRescaled(lp.baseAddress!, frames: frames, classes: classes, topology: topology,
                                    gradient: gu.baseAddress!, logProbGradient: glp.baseAddress!)
                }
            }
        }
        if let loss {
            return CTCResult(loss: loss, gradient: gradient, logProbGradient: logProbGradient,
                             feasible: true, requiredFrames: topology.minimumFrames, computedInLogSpace: false)
        }
    }
    return ctcLossLogSpace(logProbs, frames: frames, classes: classes, topology: topology)
}

/// The loss and gradients by the log-space forward–backward recursions, on input already checked.
func ctcLossLogSpace(_ logProbs: [Double], frames: Int, classes: Int, topology: CTCTopology) -> CTCResult<Double> {
    let fb = CTCForwardBackward(checked: logProbs, frames: frames, classes: classes, topology: topology)
    var gradient = [Double](repeating: 0, count: logProbs.count)
    var logProbGradient = [Double](repeating: 0, count: logProbs.count)
    let ll = fb.logLikelihood
    guard ll > -.infinity else {
        return CTCResult(loss: .infinity, gradient: gradient, logProbGradient: logProbGradient,
                         feasible: false, requiredFrames: topology.minimumFrames, computedInLogSpace: true)
    }
    let S = topology.count, K = classes
    logProbs.withUnsafeBufferPointer { lp in
        fb.logAlpha.withUnsafeBufferPointer { alpha in
            fb.logBeta.withUnsafeBufferPointer { beta in
                topology.states.withUnsafeBufferPointer { states in
                    gradient.withUnsafeMutableBufferPointer { gu in
                        logProbGradient.withUnsafeMutableBufferPointer { glp in
                            for t in 0..<frames {
                                let a = alpha.baseAddress! + t * S, b = beta.baseAddress! + t * S
                                let gRow = glp.baseAddress! + t * K, uRow = gu.baseAddress! + t * K
                                let lpRow = lp.baseAddress! + t * K
                                // −γₜ(k): the occupancy of every state emitting k, summed.
                                for s in topology.band(frame: t, frames: frames) {
                                    let v = a[s] + b[s] - ll
                                    if v > -.infinity { gRow[states[s]] -= exp(v) }
                                }
                                // eq. 16: ∂loss/∂uₜ(k) = yₜ(k) − γₜ(k).
                                for k in 0..<K { uRow[k] = exp(lpRow[k]) + gRow[k] }
                            }
                        }
                    }
                }
            }
        }
    }
    return CTCResult(loss: -ll, gradient: gradient, logProbGradient: logProbGradient,
                     feasible: true, requiredFrames: topology.minimumFrames, computedInLogSpace: true)
}
