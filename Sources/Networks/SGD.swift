// SGD: stochastic gradient descent with classical momentum and optional L2 weight decay.

/// Stochastic gradient descent with momentum (Rumelhart, Hinton & Williams 1986; Sutskever et al. 2013):
///
///     g ← ∇w + λ·w          (weight decay λ, optional)
///     v ← μ·v − η·g         (momentum μ; v starts at 0)
///     w ← w + v
///
/// With μ = 0 this is plain SGD, w ← w − η·g.
public struct SGD: Optimizer {
    /// η, the step size.
    public var learningRate: Double
    /// μ in [0, 1), the fraction of the previous update kept.
    public var momentum: Double
    /// λ ≥ 0, the L2 coefficient added to the gradient.
    public var weightDecay: Double

    public init(learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    @_specialize(where S == Float)
    public mutating func step<S: NetworkScalar>(_ parameters: [Parameter<S>]) {
        let eta = S(learningRate), mu = S(momentum), lambda = S(weightDecay)
        for p in parameters {
            p.withValueAndGradient { w, g in
                p.withSlot("sgd.velocity") { v in
                    for i in w.indices {
                        let gi = g[i] + lambda * w[i]
                        v[i] = mu * v[i] - eta * gi
                        w[i] += v[i]
                    }
                }
            }
        }
    }
}
