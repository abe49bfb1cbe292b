// RTRL: real-time recurrent learning for an Elman layer — the exact gradient, carried forward in time.

/// Real-time recurrent learning (Williams & Zipser 1989) for one `ElmanLayer` on one sequence.
///
/// Instead of storing the sequence and running BPTT backwards, RTRL carries the sensitivities
/// P_t = ∂h_t/∂θ (H × N, N = number of weights) forward with the state:
///
///     a_t = W_ih·x_t + b_ih + b_hh + W_hh·h_{t−1},   h_t = f(a_t)
///     P_t = diag(f′(a_t)) · (∂a_t/∂θ|_direct + W_hh·P_{t−1}),   P_{−1} = 0
///
/// where the direct part has x_t in row k of the columns of W_ih[k, ·], h_{t−1} in those of
/// W_hh[k, ·] and 1 at b[k]. The gradient of a loss L = Σ_t L_t is then accumulated online,
/// ∂L/∂θ += (∂L_t/∂h_t)ᵀ·P_t, the moment ∂L_t/∂h_t is known — the same gradient as BPTT, at a
/// cost of O(H²·N) per frame instead of O(N). Columns of P are ordered W_ih (row-major), W_hh
/// (row-major), then b (shared by b_ih and b_hh, which have the same sensitivity).
public struct RTRL<S: NetworkScalar>: Sendable {
    public let layer: ElmanLayer<S>
    /// h_{t}, the state after the last `step` (zero before the first).
    public private(set) var state: [S]
    /// P_t, H × N.
    public private(set) var sensitivity: Array2D<S>

    public init(layer: ElmanLayer<S>) {
        self.layer = layer
        let h = layer.hidden
        state = [S](repeating: 0, count: h)
        sensitivity = Array2D(rows: h, cols: h * layer.inputs + h * h + h)
    }

    /// Starts a new sequence: h = 0, P = 0.
    public mutating func reset() {
        state = [S](repeating: 0, count: layer.hidden)
        sensitivity.zero()
    }

    /// Advances one frame with input x (inputs values) and returns h_t.
    @_specialize(where S == Float)
    public mutating func step(_ x: [S]) -> [S] {
        let H = layer.hidden, I = layer.inputs, N = sensitivity.cols
        precondition(x.count == I, "RTRL.step: input has \(x.count) values, the layer expects \(I)")
        let previous = state
        // a_t and h_t.
        var a = zip(layer.biasIH.value.data, layer.biasHH.value.data).map { $0 + $1 }
        for k in 0..<H {
            for j in 0..<I { a[k] += layer.weightIH.value[k, j] * x[j] }
            for j in 0..<H { a[k] += layer.weightHH.value[k, j] * previous[j] }
        }
        let h = a.map { layer.activation.apply($0) }
        // P_t = diag(f′)·(direct + W_hh·P_{t−1}).
        var next = layer.weightHH.value.multiplied(by: sensitivity)
        for k in 0..<H {
            for j in 0..<I { next[k, k * I + j] += x[j] }
            for j in 0..<H { next[k, H * I + k * H + j] += previous[j] }
            next[k, H * I + H * H + k] += 1
            let slope = layer.activation.derivative(output: h[k])
            for c in 0..<N { next[k, c] *= slope }
        }
        sensitivity = next
        state = h
        return h
    }

    /// Adds (∂L_t/∂h_t)ᵀ·P_t into the layer's parameter gradients (call after `step`).
    @_specialize(where S == Float)
    public func accumulate(dh: [S]) {
        let H = layer.hidden, I = layer.inputs
        precondition(dh.count == H, "RTRL.accumulate: gradient has \(dh.count) values, the layer has \(H) units")
        let g = Array2D(rows: 1, cols: H, data: dh).multiplied(by: sensitivity).data
        for c in 0..<(H * I) { layer.weightIH.gradient.data[c] += g[c] }
        for c in 0..<(H * H) { layer.weightHH.gradient.data[c] += g[H * I + c] }
        for k in 0..<H {
            layer.biasIH.gradient.data[k] += g[H * I + H * H + k]
            layer.biasHH.gradient.data[k] += g[H * I + H * H + k]
        }
    }
}
