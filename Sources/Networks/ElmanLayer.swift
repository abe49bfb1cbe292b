// ElmanLayer: the simple recurrent layer h_t = f(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh), with BPTT.

/// A simple recurrent ("Elman") layer (Elman 1990, "Finding structure in time"): the hidden
/// state is fed back as context for the next frame,
///
///     h_t = f(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh),   h_{−1} = 0,
///
/// with f = tanh (or any `Activation`), over a padded time-major batch (`SequenceBatch`
/// layout; padding holds h = 0 and gets no gradient). With f = tanh the parameters are
/// `torch.nn.RNN`'s: `<prefix>weight_ih_l<k>` (H × in), `weight_hh_l<k>` (H × H), `bias_ih_l<k>`,
/// `bias_hh_l<k>` (H), suffix `_reverse` for the reverse direction. Initialisation: uniform ±1/√H.
///
/// `backward` is backpropagation through time (Werbos 1990; Rumelhart et al. 1986): with
/// δ_t = (∂L/∂h_t + W_hhᵀ·δ_{t+1}) ⊙ f′(a_t), the weight gradients are Σ_t δ_t·x_tᵀ and
/// Σ_t δ_t·h_{t−1}ᵀ. The input projection and the weight gradients are single gemms over all frames.
/// `RTRL` computes the same gradient forward in time (Williams & Zipser 1989).
public struct ElmanLayer<S: NetworkScalar>: Sendable {
    public let inputs: Int
    public let hidden: Int
    public let reversed: Bool
    public let activation: Activation
    /// W_ih, H × inputs.
    public let weightIH: Parameter<S>
    /// W_hh, H × H.
    public let weightHH: Parameter<S>
    /// b_ih, H.
    public let biasIH: Parameter<S>
    /// b_hh, H.
    public let biasHH: Parameter<S>

    public init(inputs: Int, hidden: Int, layer: Int = 0, reversed: Bool = false, activation: Activation = .tanh,
                prefix: String = "elman.", rng: inout some RandomNumberGenerator) {
        precondition(inputs > 0 && hidden > 0, "ElmanLayer needs positive sizes, got \(inputs)→\(hidden)")
        self.inputs = inputs
        self.hidden = hidden
        self.reversed = reversed
        self.activation = activation
        let suffix = "_l\(layer)" + (reversed ? "_reverse" : ""), scale = 1 / Double(hidden).squareRoot()
        weightIH = Parameter(name: prefix + "weight_ih" + suffix, value: Array2D(rows: hidden, cols: inputs, uniformScale: scale, rng: &rng))
        weightHH = Parameter(name: prefix + "weight_hh" + suffix, value: Array2D(rows: hidden, cols: hidden, uniformScale: scale, rng: &rng))
        biasIH = Parameter(name: prefix + "bias_ih" + suffix, vector: Array2D<S>(rows: 1, cols: hidden, uniformScale: scale, rng: &rng).data)
        biasHH = Parameter(name: prefix + "bias_hh" + suffix, vector: Array2D<S>(rows: 1, cols: hidden, uniformScale: scale, rng: &rng).data)
    }

    /// The parameters in saved order: W_ih, W_hh, b_ih, b_hh.
    public var parameters: [Parameter<S>] { [weightIH, weightHH, biasIH, biasHH] }

    /// h for every frame of `batch`, (T·B) × H (zero on padding).
    @_specialize(where S == Float)
    public func forward(_ batch: SequenceBatch<S>) -> Array2D<S> {
        precondition(batch.dimension == inputs, "ElmanLayer.forward: frames have \(batch.dimension) dimensions, the layer expects \(inputs)")
        let T = batch.maxLength, B = batch.batchSize, H = hidden, rows = T * B
        var h = Array2D<S>(rows: rows, cols: H)
        guard rows > 0 else { return h }
        let bias = zip(biasIH.value.data, biasHH.value.data).map { $0 + $1 }
        batch.frames.data.withUnsafeBufferPointer { x in
        weightIH.value.data.withUnsafeBufferPointer { wih in
        weightHH.value.data.withUnsafeBufferPointer { whh in
        h.data.withUnsafeMutableBufferPointer { hp in
            let out = hp.baseAddress!
            for r in 0..<rows { for j in 0..<H { out[r * H + j] = bias[j] } }
            // a = x·W_ihᵀ + b for all frames at once; then per step a_t += h_{t−1}·W_hhᵀ and h_t = f(a_t).
            S.gemm(.none, .transposed, m: rows, n: H, k: inputs, alpha: 1, x.baseAddress!, lda: inputs,
                   wih.baseAddress!, ldb: inputs, beta: 1, out, ldc: H)
            for step in 0..<T {
                let t = reversed ? T - 1 - step : step, tp = reversed ? t + 1 : t - 1
                if step > 0 {
                    S.gemm(.none, .transposed, m: B, n: H, k: H, alpha: 1, out + tp * B * H, lda: H,
                           whh.baseAddress!, ldb: H, beta: 1, out + t * B * H, ldc: H)
                }
                for b in 0..<B {
                    let row = out + (t * B + b) * H
                    if t >= batch.lengths[b] { row.update(repeating: 0, count: H); continue }
                    for j in 0..<H { row[j] = activation.apply(row[j]) }
                }
            }
        }}}}
        return h
    }

    /// BPTT: given the forward's output h ((T·B) × H) and dh = ∂L/∂h, adds the parameter
    /// gradients and returns ∂L/∂x ((T·B) × inputs, zero on padding).
    @_specialize(where S == Float)
    @discardableResult
    public func backward(_ batch: SequenceBatch<S>, h: Array2D<S>, dh: Array2D<S>) -> Array2D<S> {
        let T = batch.maxLength, B = batch.batchSize, H = hidden, rows = T * B
        precondition(h.rows == rows && dh.rows == rows && h.cols == H && dh.cols == H, "ElmanLayer.backward: shapes do not match the batch")
        var delta = Array2D<S>(rows: rows, cols: H)       // δ_t = ∂L/∂a_t
        var dx = Array2D<S>(rows: rows, cols: inputs)
        guard rows > 0 else { return dx }
        var recurrent = [S](repeating: 0, count: B * H)    // W_hhᵀ·δ_{t+1}, per sequence
        batch.frames.data.withUnsafeBufferPointer { x in
        weightHH.value.data.withUnsafeBufferPointer { whh in
        h.data.withUnsafeBufferPointer { hp in
        dh.data.withUnsafeBufferPointer { dhp in
        delta.data.withUnsafeMutableBufferPointer { dp in
        recurrent.withUnsafeMutableBufferPointer { rec in
            let d = dp.baseAddress!
            for step in stride(from: T - 1, through: 0, by: -1) {
                let t = reversed ? T - 1 - step : step
                for b in 0..<B {
                    let r = t * B + b
                    if t >= batch.lengths[b] { for j in 0..<H { d[r * H + j] = 0 }; continue }
                    for j in 0..<H {
                        let incoming = dhp[r * H + j] + (step < T - 1 ? rec[b * H + j] : 0)
                        d[r * H + j] = incoming * activation.derivative(output: hp[r * H + j])
                    }
                }
                if step > 0 {
                    S.gemm(.none, .none, m: B, n: H, k: H, alpha: 1, d + t * B * H, lda: H,
                           whh.baseAddress!, ldb: H, beta: 0, rec.baseAddress!, ldc: H)
                }
            }
            weightIH.gradient.data.withUnsafeMutableBufferPointer { g in
                S.gemm(.transposed, .none, m: H, n: inputs, k: rows, alpha: 1, d, lda: H, x.baseAddress!, ldb: inputs,
                       beta: 1, g.baseAddress!, ldc: inputs)
            }
            if T > 1 {
                let dStart = reversed ? d : d + B * H, hStart = reversed ? hp.baseAddress! + B * H : hp.baseAddress!
                weightHH.gradient.data.withUnsafeMutableBufferPointer { g in
                    S.gemm(.transposed, .none, m: H, n: H, k: (T - 1) * B, alpha: 1, dStart, lda: H, hStart, ldb: H,
                           beta: 1, g.baseAddress!, ldc: H)
                }
            }
        }}}}}}
        for r in 0..<rows {
            for j in 0..<H {
                biasIH.gradient.data[j] += delta.data[r * H + j]
                biasHH.gradient.data[j] += delta.data[r * H + j]
            }
        }
        delta.data.withUnsafeBufferPointer { d in
            weightIH.value.data.withUnsafeBufferPointer { w in
                dx.data.withUnsafeMutableBufferPointer { out in
                    S.gemm(.none, .none, m: rows, n: inputs, k: H, alpha: 1, d.baseAddress!, lda: H, w.baseAddress!, ldb: inputs,
                           beta: 0, out.baseAddress!, ldc: inputs)
                }
            }
        }
        return dx
    }
}
