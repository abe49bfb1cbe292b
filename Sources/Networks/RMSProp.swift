// RMSProp: gradient steps scaled by a moving RMS of past gradients, plain, with momentum, or centred.

/// RMSProp (Tieleman & Hinton 2012, lecture 6e), in the three forms used in the course:
///
/// plain (momentum 0, not centred), the lecture's form:
///
///     r ← ρ·r + (1 − ρ)·g²
///     w ← w − η·g / √(r + ε)
///
/// with momentum μ:
///
///     Δ ← μ·Δ − η·g / √(r + ε);  w ← w + Δ
///
/// centred (Graves 2013, "Generating sequences with recurrent neural networks", eq. 38–41;
/// the form DeepMind's Nature DQN used):
///
///     n ← ρ·n + (1 − ρ)·g²
///     ḡ ← ρ·ḡ + (1 − ρ)·g
///     Δ ← μ·Δ − η·g / √(n − ḡ² + ε)
///     w ← w + Δ
///
/// ε sits inside the square root, as in the lecture and in Graves (2013). g includes the
/// weight-decay term λ·w when λ > 0. All accumulators start at 0.
public struct RMSProp: Optimizer {
    /// η, the step size.
    public var learningRate: Double
    /// ρ in [0, 1), the decay of the moving averages.
    public var decay: Double
    /// ε > 0, added to the mean square under the root.
    public var epsilon: Double
    /// μ in [0, 1), momentum of the update Δ (0: no momentum).
    public var momentum: Double
    /// Subtract the squared mean gradient ḡ² from the mean square (Graves 2013).
    public var centered: Bool
    /// λ ≥ 0, the L2 coefficient added to the gradient.
    public var weightDecay: Double

    public init(learningRate: Double, decay: Double = 0.95, epsilon: Double = 1e-6,
                momentum: Double = 0, centered: Bool = false, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.decay = decay
        self.epsilon = epsilon
        self.momentum = momentum
        self.centered = centered
        self.weightDecay = weightDecay
    }

    /// Graves (2013) settings: ρ = 0.95, μ = 0.9, η = 10⁻⁴, ε = 10⁻⁴, centred.
    public static func graves2013(learningRate: Double = 1e-4) -> RMSProp {
        RMSProp(learningRate: learningRate, decay: 0.95, epsilon: 1e-4, momentum: 0.9, centered: true)
    }

    /// Nature DQN (Mnih et al. 2015) settings: η = 0.00025, ρ = 0.95, ε = 0.01, centred, no momentum.
    public static func natureDQN(learningRate: Double = 0.00025) -> RMSProp {
        RMSProp(learningRate: learningRate, decay: 0.95, epsilon: 0.01, momentum: 0, centered: true)
    }

    @_specialize(where S == Float)
    public mutating func step<S: NetworkScalar>(_ parameters: [Parameter<S>]) {
        let eta = S(learningRate), rho = S(decay), eps = S(epsilon), mu = S(momentum), lambda = S(weightDecay)
        for p in parameters {
            p.withValueAndGradient { w, g in
                p.withSlot("rmsprop.meanSquare") { n in
                    p.withSlot("rmsprop.mean", enabled: centered) { gbar in
                        p.withSlot("rmsprop.delta", enabled: momentum != 0) { delta in
                            for i in w.indices {
                                let gi = g[i] + lambda * w[i]
                                n[i] = rho * n[i] + (1 - rho) * gi * gi
                                var denominator = n[i] + eps
                                if centered {
                                    gbar[i] = rho * gbar[i] + (1 - rho) * gi
                                    denominator -= gbar[i] * gbar[i]
                                }
                                let update = eta * gi / denominator.squareRoot()
                                if mu != 0 {
                                    delta[i] = mu * delta[i] - update
                                    w[i] += delta[i]
                                } else {
                                    w[i] -= update
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
