// Parameter: a named trainable tensor with its gradient and optimizer slots; helpers over parameter lists.

/// A named trainable tensor: its value, the gradient accumulated by `backward`, and the
/// optimizer's per-parameter state ("slots": momentum, squared-gradient averages, …).
///
/// Layers own their parameters and expose them as `parameters: [Parameter<S>]` in a fixed
/// order with stable names (the tensor names of the saved safetensors model, docs/MODEL.md).
/// `backward` *adds* into `gradient`, so gradients of several batches or time steps
/// accumulate until `zeroGradients()`. It is a class so that an optimizer can update the
/// tensors a layer holds; use `copyValues(from:)` to make an independent copy (e.g. a DQN
/// target network).
public final class Parameter<S: NetworkScalar>: @unchecked Sendable {
    /// Stable tensor name, e.g. `lstm.weight_ih_l0` or `dense0.weight`.
    public let name: String
    /// Logical shape as saved: `[rows, cols]` for matrices, `[n]` for vectors (stored 1 × n).
    public let shape: [Int]
    public var value: Array2D<S>
    /// ∂loss/∂value, same shape as `value`.
    public var gradient: Array2D<S>
    /// Optimizer state, keyed by slot name, each the size of `value`.
    public var slots: [String: [S]] = [:]

    /// A matrix parameter.
    public init(name: String, value: Array2D<S>) {
        self.name = name
        self.shape = [value.rows, value.cols]
        self.value = value
        self.gradient = Array2D(rows: value.rows, cols: value.cols)
    }

    /// A vector parameter of `values.count` elements (held as 1 × n).
    public init(name: String, vector values: [S]) {
        self.name = name
        self.shape = [values.count]
        self.value = Array2D(rows: 1, cols: values.count, data: values)
        self.gradient = Array2D(rows: 1, cols: values.count)
    }

    /// Number of scalars.
    public var count: Int { value.count }
}

extension Array {
    /// Sets every parameter's gradient to zero.
    @_specialize(where Element == Parameter<Float>, S == Float)
    public func zeroGradients<S>() where Element == Parameter<S> {
        for p in self { p.gradient.zero() }
    }

    /// The global L2 norm of all gradients, ‖(g₁, g₂, …)‖₂, accumulated in Double.
    @_specialize(where Element == Parameter<Float>, S == Float)
    public func gradientNorm<S>() -> Double where Element == Parameter<S> {
        var sum = 0.0
        for p in self {
            p.gradient.data.withUnsafeBufferPointer { g in
                // Per-tensor sum in S, then in Double across tensors. Eight running sums, so that
                // the additions do not wait on one another: over a 2×256 BLSTM's 2.2 million
                // weights 0.23 ms instead of 1.8 ms with one (timed alone, -Ounchecked). The order
                // is fixed, so is the result.
                var s0: S = 0, s1: S = 0, s2: S = 0, s3: S = 0, s4: S = 0, s5: S = 0, s6: S = 0, s7: S = 0
                var i = 0
                while i + 8 <= g.count {
                    s0 += g[i] * g[i]; s1 += g[i + 1] * g[i + 1]; s2 += g[i + 2] * g[i + 2]; s3 += g[i + 3] * g[i + 3]
                    s4 += g[i + 4] * g[i + 4]; s5 += g[i + 5] * g[i + 5]; s6 += g[i + 6] * g[i + 6]; s7 += g[i + 7] * g[i + 7]
                    i += 8
                }
                while i < g.count { s0 += g[i] * g[i]; i += 1 }
                sum += Double(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)))
            }
        }
        return sum.squareRoot()
    }

    /// Gradient clipping by global norm (Pascanu et al. 2013): if ‖g‖ > maxNorm, every
    /// gradient is scaled by maxNorm/‖g‖. Returns the norm before clipping.
    @_specialize(where Element == Parameter<Float>, S == Float)
    @discardableResult
    public func clipGradientNorm<S>(maxNorm: Double) -> Double where Element == Parameter<S> {
        let norm = gradientNorm()
        if norm > maxNorm && norm.isFinite {
            let scale = S(maxNorm / norm)
            for p in self {
                p.gradient.data.withUnsafeMutableBufferPointer { g in
                    for i in g.indices { g[i] *= scale }
                }
            }
        }
        return norm
    }

    /// Total number of scalars.
    public func parameterCount<S>() -> Int where Element == Parameter<S> { reduce(0) { $0 + $1.count } }

    /// Copies the values of the same-named parameters of `source` into these (shapes must match).
    /// Gradients and optimizer slots are left alone.
    public func copyValues<S>(from source: [Parameter<S>]) where Element == Parameter<S> {
        let byName = Dictionary(source.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for p in self {
            guard let q = byName[p.name] else { preconditionFailure("copyValues: no parameter named \(p.name)") }
            precondition(q.shape == p.shape, "copyValues: \(p.name) has shape \(q.shape), expected \(p.shape)")
            p.value = q.value
        }
    }
}
