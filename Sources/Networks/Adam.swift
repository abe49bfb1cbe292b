// Adam: adaptive moment estimation with bias correction (Kingma & Ba 2015).
import CKernels
import Foundation

/// Adam (Kingma & Ba 2015, Algorithm 1):
///
///     t ← t + 1
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
///     w ← w − η·m̂ / (√v̂ + ε)
///
/// g includes the L2 term λ·w when `weightDecay` λ > 0 (coupled, as PyTorch's `Adam`).
/// The step count t is shared by all parameters of one `step` call; keep one Adam per model.
public struct Adam: Optimizer {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// t, the number of steps taken (restore it with the slots when resuming).
    public var stepCount: Int = 0
    /// Threads for the update of large tensors (≥ `Adam.blockMinimum` elements, in that many
    /// disjoint blocks). The update is elementwise, so the result is the same for any count.
    public var threads: Int = 1
    /// The smallest tensor whose update is split between threads.
    public static let blockMinimum = 16_384

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    @_specialize(where S == Float)
    public mutating func step<S: NetworkScalar>(_ parameters: [Parameter<S>]) {
        stepCount += 1
        let t = Double(stepCount)
        let c1 = 1 - pow(beta1, t), c2 = 1 - pow(beta2, t)
        let b1 = S(beta1), b2 = S(beta2), eps = S(epsilon), lambda = S(weightDecay)
        // Fold the bias corrections into the step: w ← w − (η/c₁)·m / (√v/√c₂ + ε).
        let stepSize = S(learningRate / c1), rootC2 = S(c2.squareRoot())
        // Float runs the same arithmetic in CKernels, vectorised for this CPU, with these constants.
        let floatConstants = S.self == Float.self
            ? [b1, 1 - b1, b2, 1 - b2, lambda, stepSize, rootC2, eps].map { $0 as! Float } : nil
        for p in parameters {
            p.withValueAndGradient { w, g in
                p.withSlot("adam.m") { m in
                    p.withSlot("adam.v") { v in
                        let parts = w.count >= Adam.blockMinimum ? threads : 1
                        forEachBlock(of: w.count, parts: parts) { block in
                            if let floatConstants {
                                let f = { (p: UnsafeMutablePointer<S>) in UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self) + block.lowerBound }
                                seqlab_adam_update(block.count, f(w.baseAddress!), f(g.baseAddress!), f(m.baseAddress!), f(v.baseAddress!), floatConstants)
                                return
                            }
                            for i in block {
                                let gi = g[i] + lambda * w[i]
                                m[i] = b1 * m[i] + (1 - b1) * gi
                                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                w[i] -= stepSize * m[i] / (v[i].squareRoot() / rootC2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
