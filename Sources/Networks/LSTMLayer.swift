// LSTMLayer: one direction of one LSTM layer (Graves 2012, ch. 4), forward and backward through time.

import CBLAS
import CKernels
import Tensors

/// One direction of an LSTM layer with optional peepholes (Graves 2012, "Supervised Sequence
/// Labelling with Recurrent Neural Networks", §4.5–4.6), over a padded time-major batch.
///
/// For each frame, with a = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh split into four H-blocks in
/// the order **i, f, g, o** (PyTorch's):
///
///     i_t = σ(a_i + p_i ⊙ s_{t−1})          input gate
///     f_t = σ(a_f + p_f ⊙ s_{t−1})          forget gate
///     g_t = tanh(a_g)                        cell input
///     s_t = f_t ⊙ s_{t−1} + i_t ⊙ g_t        cell state
///     o_t = σ(a_o + p_o ⊙ s_t)              output gate
///     h_t = o_t ⊙ tanh(s_t)                  output
///
/// "t−1" is the previous frame in processing order: t+1 when `reversed`. State starts at zero
/// at each sequence's own first frame — for the reverse direction, frame lengths[b]−1 —
/// because padded frames hold h = s = 0. With peepholes off this is exactly `torch.nn.LSTM`.
///
/// Parameters (names in docs/MODEL.md): W_ih (4H × in), W_hh (4H × H), b_ih and b_hh (4H),
/// and, with peepholes, P (3 × H, rows p_i, p_f, p_o). Initialisation: weights and peepholes
/// uniform in ±1/√H (PyTorch's default); biases 0 except the forget-gate block of b_ih = 1
/// (Gers et al. 2000), so the cell remembers by default.
///
/// Speed: the input projection of ALL frames of the batch is one gemm before the time loop
/// (for Float batches of `perFrameInputRows` or more, one B×in · in×4H product per frame instead);
/// each step adds one B×H · H×4H gemm for the recurrent part (`rowsGemm`: sgemv for one row)
/// and runs one fused loop over the gates (for Float, CKernels' vectorised `seqlab_lstm_forward`).
/// For Float the per-step products run, for two or more rows, on CKernels' panel product over
/// weights packed once per pass (`PanelMatrix`, AVX-512 or AVX2, when BLAS has one thread: faster
/// than libxsmm's kernels and than OpenBLAS, which packs the weights on every call), else on
/// libxsmm on CPUs with AVX-512 (`SmallGemm`) (all in `RecurrentProduct.usesPanels`; backward's
/// dA_t·W_hh likewise); at batch 1 both products run on the panel product whatever BLAS's threads
/// (with neither AVX2 nor AVX-512, sgemv and one gemm). Backward is BPTT, the bias gradient summed
/// frame by frame in the loop and the weight gradients after it over all frames: for Float with
/// AVX-512 as dAᵀ·X and dAᵀ·H_prev by libxsmm reading dA transposed, into the gradients
/// (`WeightGradientProduct`), otherwise in one product over [x_t | h_{t−1}]; and, for Float with
/// AVX-512, the input gradient dA·W_ih by the panel
/// product in blocks of rows (`InputGradientProduct`). With bfloat16 weights (inference, and mixed-precision
/// training) both forward products are `BFloat16Matrix` products, and in mixed-precision training
/// the backward's three products too.
public struct LSTMLayer<S: NetworkScalar>: Sendable {
    public let inputs: Int
    public let hidden: Int
    public let reversed: Bool
    public let peepholes: Bool
    /// W_ih, 4H × inputs.
    public let weightIH: Parameter<S>
    /// W_hh, 4H × H.
    public let weightHH: Parameter<S>
    /// b_ih, 4H.
    public let biasIH: Parameter<S>
    /// b_hh, 4H.
    public let biasHH: Parameter<S>
    /// P, 3 × H (rows: input, forget, output gate), present when `peepholes`.
    public let peephole: Parameter<S>?

    /// A layer whose parameters are named `<prefix>weight_ih_l<layer><suffix>` and so on,
    /// with suffix `_reverse` when `reversed`.
    public init(inputs: Int, hidden: Int, layer: Int, reversed: Bool, peepholes: Bool,
                prefix: String = "lstm.", rng: inout some RandomNumberGenerator) {
        precondition(inputs > 0 && hidden > 0, "LSTMLayer needs positive sizes, got \(inputs)→\(hidden)")
        self.inputs = inputs
        self.hidden = hidden
        self.reversed = reversed
        self.peepholes = peepholes
        let suffix = "_l\(layer)" + (reversed ? "_reverse" : ""), scale = 1 / Double(hidden).squareRoot()
        weightIH = Parameter(name: prefix + "weight_ih" + suffix,
                             value: Array2D(rows: 4 * hidden, cols: inputs, uniformScale: scale, rng: &rng))
        weightHH = Parameter(name: prefix + "weight_hh" + suffix,
                             value: Array2D(rows: 4 * hidden, cols: hidden, uniformScale: scale, rng: &rng))
        var bias = [S](repeating: 0, count: 4 * hidden)
        for j in hidden..<(2 * hidden) { bias[j] = 1 }
        biasIH = Parameter(name: prefix + "bias_ih" + suffix, vector: bias)
        biasHH = Parameter(name: prefix + "bias_hh" + suffix, vector: [S](repeating: 0, count: 4 * hidden))
        peephole = peepholes
            ? Parameter(name: prefix + "peephole" + suffix,
                        value: Array2D(rows: 3, cols: hidden, uniformScale: scale, rng: &rng))
            : nil
    }

    /// The parameters in saved order: W_ih, W_hh, b_ih, b_hh, then P if present.
    public var parameters: [Parameter<S>] {
        [weightIH, weightHH, biasIH, biasHH] + (peephole.map { [$0] } ?? [])
    }

    /// Activations kept from forward for backward: gates (T·B × 4H, after the nonlinearity,
    /// order i f g o), cell states s (T·B × H) and tanh(s) (T·B × H).
    /// With an initial state (truncated BPTT over a stream), its h₀ and s₀ (B × H each) too.
    final class Cache: @unchecked Sendable {
        let gates: ScratchBuffer<S>, cells: ScratchBuffer<S>, tanhCells: ScratchBuffer<S>
        var initialHidden: ScratchBuffer<S>?, initialCells: ScratchBuffer<S>?
        /// Uninitialised: `forward` writes every row, padding included.
        init(rows: Int, hidden: Int) {
            gates = ScratchBuffer(count: rows * 4 * hidden, zeroed: false)
            cells = ScratchBuffer(count: rows * hidden, zeroed: false)
            tanhCells = ScratchBuffer(count: rows * hidden, zeroed: false)
        }
    }

    /// The smallest batch whose Float forward makes a_t's input part frame by frame, beside the
    /// recurrent part (`RecurrentProduct`, B × in · in × 4H), instead of in one gemm over all frames
    /// first: a_t is then made and consumed while in cache (with libxsmm, 8–9% less forward time at
    /// batch 16 with 1×128 and 2×256 BLSTMs, docs/RESULTS.md; with the panel product on a Zen 3,
    /// the same as one OpenBLAS gemm within the noise of four alternating runs). Smaller batches
    /// keep the one big gemm, where the per-frame kernels would have too few rows to use the
    /// weights they load.
    static var perFrameInputRows: Int { 4 }

    /// Frames of dA packed at a time for the bfloat16 weight gradient (`seqlab_bf16_gemm_unpacked`):
    /// 4H × 256 bfloat16 values, 512 KB for H = 256, stay in a Zen 5's 1 MB L2 while every row of
    /// [X | H_prev]ᵀ passes over them.
    static var weightGradientFrameBlock: Int { 256 }

    /// The row stride of the backward's ∂L/∂a, `outputs` (4H) columns and 16 floats (64 bytes) of
    /// padding, so that successive rows do not start at the same offset in a 4 KB page. Unpadded
    /// (4H = 1,024 floats, rows 4 KB apart), the rows a product reads together all fall in the same
    /// few cache sets: libxsmm's weight gradient [X | H_prev | 1]ᵀ·dA (over transposed copies, as
    /// it was then) over 3,200 frames ran at 209–211 GFLOP/s on one Zen 5 core with input 512 and
    /// 212–215 with input 40, padded at 238–247 and 246–251 (timed in C).
    static func gradientRowStride(_ outputs: Int) -> Int { outputs + 16 }

    /// Forward through time. x: (T·B) × inputs with row stride ldx; writes h into y, a
    /// (T·B) × H block with row stride ldy (a column slice of the layer output). The state
    /// before the first frame is zero, or `cache.initialHidden`/`initialCells` (B × H) when set.
    /// With `bfloat16` (Float layers: `ProductPrecision.bfloat16` inference, or mixed-precision
    /// training, `LSTMNetwork.trainsInBFloat16`) both products come from those rounded weights: a_t = bf16(x_t)·bf16(W_ih)ᵀ + bf16(h_{t−1})·bf16(W_hh)ᵀ
    /// summed in float, the cell arithmetic unchanged.
    /// With `panels` (Float inference, `LSTMNetwork.setPrecision(.float32)`), the panel products use
    /// those weights packed before instead of packing them again (not with `bfloat16`).
    @_specialize(where S == Float)
    func forward(x: UnsafePointer<S>, ldx: Int, time T: Int, lengths: [Int],
                 y: UnsafeMutablePointer<S>, ldy: Int, cache: Cache, bfloat16: LSTMBFloat16Weights? = nil,
                 panels: LSTMPanelWeights? = nil) {
        let B = lengths.count, H = hidden, G = 4 * hidden, rows = T * B
        guard rows > 0 else { return }
        let reduced = S.self == Float.self ? bfloat16 : nil
        // Rows of bfloat16 pairs for `BFloat16Matrix.multiply`, at most `chunkRows` at a time.
        let scratch = reduced.map { UnsafeMutablePointer<UInt32>.allocate(
            capacity: min(rows, BFloat16Matrix.chunkRows) * max($0.input.pairsPerRow, $0.recurrent.pairsPerRow)) }
        defer { scratch?.deallocate() }
        let gates = cache.gates.pointer, cells = cache.cells.pointer, tanhCells = cache.tanhCells.pointer
        let zeros = [S](repeating: 0, count: H)
        let peep = peephole?.value.data ?? zeros + zeros + zeros
        let initialH = cache.initialHidden?.pointer, initialS = cache.initialCells?.pointer
        weightIH.value.data.withUnsafeBufferPointer { wih in
        weightHH.value.data.withUnsafeBufferPointer { whh in
        zeros.withUnsafeBufferPointer { zeroState in
        peep.withUnsafeBufferPointer { p in
            // a = x·W_ihᵀ + b_ih + b_hh for all T·B frames at once; for Float the Float cell kernel
            // adds the biases instead, saving a pass over the T·B × 4H block.
            let bih = biasIH.value.data, bhh = biasHH.value.data
            let fused = S.self == Float.self
            var bias = [S](repeating: 0, count: G)
            for j in 0..<G { bias[j] = bih[j] + bhh[j] }
            if !fused {
                for r in 0..<rows { (gates + r * G).update(from: bias, count: G) }
            }
            // Float batches of `perFrameInputRows` or more: the input product too runs frame by frame.
            let inputProduct = fused && reduced == nil && B >= LSTMLayer.perFrameInputRows
                ? RecurrentProduct(weights: floats(wih.baseAddress!), outputs: G, inputs: inputs, rows: B, ldh: ldx, overwrite: true,
                                   packed: panels?.input)
                : nil
            if let reduced {
                reduced.input.multiply(m: rows, x: floats(x), ldx: ldx, into: mutableFloats(gates), ldc: G, accumulate: false,
                                       scratch: scratch!)
            } else if fused && B == 1 && rows > 1 && RecurrentProduct.batchOneOnPanels {
                // Batch 1 (inference): all frames' input products in one pass of the panel product, as the
                // recurrent steps (`RecurrentProduct`), whatever BLAS's threads, so the bits do not depend on them.
                (panels?.input ?? PanelMatrix(n: G, k: inputs, weights: floats(wih.baseAddress!), rowStride: inputs, colStride: 1))
                    .multiply(m: rows, x: floats(x), ldx: ldx, into: mutableFloats(gates), ldc: G, accumulate: false)
            } else if inputProduct == nil {
                S.gemm(.none, .transposed, m: rows, n: G, k: inputs, alpha: 1, x, lda: ldx,
                       wih.baseAddress!, ldb: inputs, beta: fused ? 0 : 1, gates, ldc: G)
            }
            let pi = p.baseAddress!, pf = pi + H, po = pi + 2 * H
            let usePeepholes = peepholes
            // Float: the per-frame product h_{t−1}·W_hhᵀ (RecurrentProduct: libxsmm, the panel product, sgemm or sgemv).
            let product = S.self == Float.self && reduced == nil
                ? RecurrentProduct(weights: floats(whh.baseAddress!), outputs: G, inputs: H, rows: B, ldh: ldy, packed: panels?.recurrent,
                                   stream: panels?.recurrentStream) : nil
            bias.withUnsafeBufferPointer { biasBuffer in
            let biasPointer = biasBuffer.baseAddress!
            for step in 0..<T {
                let t = reversed ? T - 1 - step : step, tp = reversed ? t + 1 : t - 1
                if let inputProduct {
                    // a_t = x_t·W_ihᵀ (B × in · in × 4H); the biases come in the cell kernel.
                    inputProduct.add(floats(x + t * B * ldx), into: mutableFloats(gates + t * B * G), step: step)
                }
                if let reduced, step > 0 || initialH != nil {
                    // a_t += bf16(h_{t−1})·bf16(W_hh)ᵀ, from the previous frame or the initial state.
                    reduced.recurrent.multiply(m: B, x: step > 0 ? floats(UnsafePointer(y + tp * B * ldy)) : floats(UnsafePointer(initialH!)),
                                               ldx: step > 0 ? ldy : H, into: mutableFloats(gates + t * B * G), ldc: G, accumulate: true,
                                               scratch: scratch!)
                } else if step > 0, let product {
                    // a_t += h_{t−1}·W_hhᵀ for the whole batch (B × H · H × 4H).
                    product.add(UnsafePointer(mutableFloats(y + tp * B * ldy)), into: mutableFloats(gates + t * B * G), step: step)
                } else if step > 0 {
                    S.rowsGemm(.transposed, m: B, n: G, k: H, y + tp * B * ldy, lda: ldy,
                               whh.baseAddress!, ldb: H, beta: 1, gates + t * B * G, ldc: G)
                } else if let initialH {
                    S.rowsGemm(.transposed, m: B, n: G, k: H, initialH, lda: H,
                               whh.baseAddress!, ldb: H, beta: 1, gates + t * B * G, ldc: G)
                }
                for b in 0..<B {
                    let r = t * B + b
                    let a = gates + r * G, s = cells + r * H, c = tanhCells + r * H, h = y + r * ldy
                    if t >= lengths[b] {
                        a.update(repeating: 0, count: G)
                        s.update(repeating: 0, count: H)
                        c.update(repeating: 0, count: H)
                        h.update(repeating: 0, count: H)
                        continue
                    }
                    let sPrev = step > 0 ? UnsafePointer(cells + (tp * B + b) * H)
                        : initialS.map { UnsafePointer($0 + b * H) } ?? zeroState.baseAddress!
                    if S.self == Float.self {
                        // The same arithmetic as the loops below, one fused loop vectorised for this CPU.
                        seqlab_lstm_forward(Int32(H), floats(a), floats(biasPointer), floats(sPrev), usePeepholes ? floats(pi) : nil,
                                            usePeepholes ? floats(pf) : nil, usePeepholes ? floats(po) : nil,
                                            floats(s), floats(c), floats(h))
                        continue
                    }
                    // The gate nonlinearities in phases of simple loops over contiguous memory,
                    // which the compiler vectorises (Float's exp, σ and tanh are branch-free).
                    let ai = a, af = a + H, ag = a + 2 * H, ao = a + 3 * H
                    if usePeepholes {
                        for j in 0..<H { ai[j] += pi[j] * sPrev[j] }
                        for j in 0..<H { af[j] += pf[j] * sPrev[j] }
                    }
                    for j in 0..<(2 * H) { a[j] = S.logistic(a[j]) }             // i, f
                    for j in 0..<H { ag[j] = S.tanh(ag[j]) }                      // g
                    for j in 0..<H { s[j] = af[j] * sPrev[j] + ai[j] * ag[j] }    // s_t
                    if usePeepholes { for j in 0..<H { ao[j] += po[j] * s[j] } }
                    for j in 0..<H { ao[j] = S.logistic(ao[j]) }                  // o
                    for j in 0..<H { c[j] = S.tanh(s[j]) }
                    for j in 0..<H { h[j] = ao[j] * c[j] }
                }
            }
            }
        }}}}
    }

    /// Backpropagation through time. Given the forward's x, y (= h) and cache, and dy = ∂L/∂h
    /// (row stride lddy), adds ∂L/∂(every parameter) into the gradients and writes ∂L/∂x into
    /// dx (row stride lddx), adding to it when `accumulate` (the other direction's share); with
    /// dx nil, ∂L/∂x is not computed (the first layer in training).
    /// Padded frames get zero dx and contribute nothing, whatever dy holds there. An initial
    /// state is a constant: its gradient is not computed (truncated BPTT).
    /// With `bfloat16` (Float layers; mixed-precision training, after a forward in bfloat16) the
    /// three products of the pass take both operands rounded to bfloat16 and sum in float, as the
    /// forward's do: dh_{t−1} = bf16(dA_t)·bf16(W_hh), [dW_ih | dW_hh] = bf16(dA)ᵀ·bf16([X | H_prev])
    /// and dX = bf16(dA)·bf16(W_ih); the cell's arithmetic, the bias and peephole gradients stay in
    /// float.
    @_specialize(where S == Float)
    func backward(x: UnsafePointer<S>, ldx: Int, time T: Int, lengths: [Int],
                  y: UnsafePointer<S>, ldy: Int, dy: UnsafePointer<S>, lddy: Int,
                  dx: UnsafeMutablePointer<S>?, lddx: Int, accumulate: Bool, cache: Cache, bfloat16: Bool = false) {
        let B = lengths.count, H = hidden, G = 4 * hidden, rows = T * B
        guard rows > 0 else { return }
        let ldA = LSTMLayer.gradientRowStride(G)
        let reduced = S.self == Float.self && bfloat16
        // Rows of dA rounded to bfloat16 pairs for `BFloat16Matrix.multiply` (both products have 4H columns).
        let scratch = reduced ? UnsafeMutablePointer<UInt32>.allocate(capacity: min(rows, BFloat16Matrix.chunkRows) * ((G + 1) / 2)) : nil
        defer { scratch?.deallocate() }
        let gates = cache.gates.pointer, cells = cache.cells.pointer, tanhCells = cache.tanhCells.pointer
        // Each written before it is read: dA row by row, dhRec by the product after each step,
        // dsCarry at every frame (and read only from the second step on).
        let dA = ScratchBuffer<S>(count: rows * ldA, zeroed: false)     // ∂L/∂a, (T·B) × 4H, row stride ldA
        let dhRec = ScratchBuffer<S>(count: B * H, zeroed: false)       // ∂L/∂h_{t} from step t+1's gates
        let dsCarry = ScratchBuffer<S>(count: B * H, zeroed: false)     // ∂L/∂s_{t} from step t+1
        let da = dA.pointer, dhr = dhRec.pointer, dsc = dsCarry.pointer
        let zeros = [S](repeating: 0, count: H)
        let peep = peephole?.value.data ?? zeros + zeros + zeros
        var dPeep = [S](repeating: 0, count: 3 * H)
        let usePeepholes = peepholes
        let initialH = cache.initialHidden?.pointer, initialS = cache.initialCells?.pointer
        weightIH.value.data.withUnsafeBufferPointer { wih in
        weightHH.value.data.withUnsafeBufferPointer { whh in
        zeros.withUnsafeBufferPointer { zeroState in
        peep.withUnsafeBufferPointer { p in
        dPeep.withUnsafeMutableBufferPointer { dp in
            let pi = p.baseAddress!, pf = pi + H, po = pi + 2 * H
            let dpi = dp.baseAddress!, dpf = dpi + H, dpo = dpi + 2 * H
            // Float, two or more rows: dA_t·W_hh by the panel product on W_hhᵀ packed once
            // (`PanelMatrix`, where `RecurrentProduct.usesPanels`), else by libxsmm (AVX-512), else
            // BLAS. In bfloat16, by W_hhᵀ rounded and packed once.
            let recurrentT = reduced ? BFloat16Matrix(rows: H, cols: G, transposing: floats(whh.baseAddress!), ld: H) : nil
            let panels = S.self == Float.self && !reduced && B > 1 && RecurrentProduct.usesPanels
                ? PanelMatrix(n: H, k: G, weights: floats(whh.baseAddress!), rowStride: 1, colStride: H) : nil
            let small = S.self == Float.self && !reduced && B > 1 && panels == nil
                ? SmallGemm(m: B, n: H, k: G, lda: ldA, ldb: H, ldc: H, beta: 0) : nil
            // Σ_rows dA, the gradient of both biases, summed frame by frame while the rows are in cache.
            let dBias = ScratchBuffer<S>(count: G, zeroed: true)
            let db = dBias.pointer
            for step in stride(from: T - 1, through: 0, by: -1) {
                let t = reversed ? T - 1 - step : step, tp = reversed ? t + 1 : t - 1
                for b in 0..<B {
                    let r = t * B + b
                    let d = da + r * ldA, ds = dsc + b * H
                    if t >= lengths[b] {
                        d.update(repeating: 0, count: G)
                        ds.update(repeating: 0, count: H)
                        continue
                    }
                    let a = gates + r * G, s = cells + r * H, c = tanhCells + r * H
                    let dh = dy + r * lddy, dhNext = dhr + b * H
                    let hasNext = step < T - 1
                    let sPrev = step > 0 ? UnsafePointer(cells + (tp * B + b) * H)
                        : initialS.map { UnsafePointer($0 + b * H) } ?? zeroState.baseAddress!
                    if S.self == Float.self {
                        // The loop below, vectorised for this CPU (CKernels).
                        seqlab_lstm_backward(Int32(H), floats(a), floats(sPrev), floats(s), floats(c), floats(dh),
                                             hasNext ? UnsafePointer(mutableFloats(dhNext)) : nil, floats(ds), floats(d),
                                             usePeepholes ? floats(pi) : nil, usePeepholes ? floats(pf) : nil,
                                             usePeepholes ? floats(po) : nil, floats(dpi), floats(dpf), floats(dpo))
                        continue
                    }
                    for j in 0..<H {
                        let i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j]
                        let sp = sPrev[j], tj = c[j]
                        let dhj = dh[j] + (hasNext ? dhNext[j] : 0)
                        let dao = dhj * tj * o * (1 - o)
                        var dsj = dhj * o * (1 - tj * tj) + (hasNext ? ds[j] : 0)
                        if usePeepholes { dsj += dao * po[j] }
                        let dai = dsj * g * i * (1 - i)
                        let dag = dsj * i * (1 - g * g)
                        let daf = dsj * sp * f * (1 - f)
                        var carry = dsj * f
                        if usePeepholes {
                            carry += dai * pi[j] + daf * pf[j]
                            dpi[j] += dai * sp
                            dpf[j] += daf * sp
                            dpo[j] += dao * s[j]
                        }
                        ds[j] = carry
                        d[j] = dai; d[H + j] = daf; d[2 * H + j] = dag; d[3 * H + j] = dao
                    }
                }
                for b in 0..<B where t < lengths[b] {
                    let d = da + (t * B + b) * ldA
                    for j in 0..<G { db[j] += d[j] }
                }
                if step > 0, let recurrentT {
                    recurrentT.multiply(m: B, x: floats(UnsafePointer(da + t * B * ldA)), ldx: ldA, into: mutableFloats(dhr), ldc: H,
                                        accumulate: false, scratch: scratch!)
                } else if step > 0, let small {
                    // ∂L/∂h_{t−1} through the recurrent weights: dA_t (B × 4H) · W_hh (4H × H).
                    small.run(UnsafePointer(mutableFloats(da + t * B * ldA)), floats(whh.baseAddress!), mutableFloats(dhr))
                } else if step > 0, let panels {
                    panels.multiply(m: B, x: UnsafePointer(mutableFloats(da + t * B * ldA)), ldx: ldA, into: mutableFloats(dhr), ldc: H,
                                    accumulate: false, descending: PanelMatrix.alternatesPanels(step))
                } else if step > 0 {
                    S.rowsGemm(.none, m: B, n: H, k: G, da + t * B * ldA, lda: ldA, whh.baseAddress!, ldb: H,
                               beta: 0, dhr, ldc: H)
                }
            }
            // [dW_ih | dW_hh] += dAᵀ·[X | H_prev] over all T·B frames, H_prev's row r holding h_{t−1} of
            // r's frame: y's row one frame (B rows) back in processing order (the frame before for the
            // forward direction, the frame after for the reverse one), zero before a direction's first
            // frame (padded frames hold h = 0 too, and their dA is 0), or the given initial state there.
            let width = inputs + H, firstFrame = reversed ? T - 1 : 0
            // Float: the weight and input gradients by this thread's own products (libxsmm, the panel
            // product), the faster when BLAS has one thread too (both directions side by side, or one
            // thread in all); with more, BLAS's threads are.
            let ownProducts = S.self == Float.self && blasThreads() == 1 && !reduced
            let inputPart = ownProducts ? WeightGradientProduct(columns: inputs, outputs: G, ldx: ldx, ldA: ldA, rows: rows) : nil
            let recurrentPart = inputPart != nil && rows > B
                ? WeightGradientProduct(columns: H, outputs: G, ldx: ldy, ldA: ldA, rows: rows - B) : nil
            if let inputPart, rows == B || recurrentPart != nil {
                // Float: dW_ih += dAᵀ·X and dW_hh += dAᵀ·H_prev by libxsmm, into the gradients themselves.
                weightIH.gradient.data.withUnsafeMutableBufferPointer { g in
                    inputPart.run(x: floats(x), dA: floats(UnsafePointer(da)), into: mutableFloats(g.baseAddress!))
                }
                weightHH.gradient.data.withUnsafeMutableBufferPointer { g in
                    // Forward: dA's rows from B on with y's from 0; reverse: dA's first rows − B with y's from B.
                    recurrentPart?.run(x: floats(reversed ? y + B * ldy : y), dA: floats(UnsafePointer(reversed ? da : da + B * ldA)),
                                       into: mutableFloats(g.baseAddress!))
                    if let initialH {   // the first frame's rows against the given state
                        S.gemm(.transposed, .none, m: G, n: H, k: B, alpha: 1, da + firstFrame * B * ldA, lda: ldA, initialH, ldb: H,
                               beta: 1, g.baseAddress!, ldc: H)
                    }
                }
            } else {
                // dW = [dW_ih | dW_hh] (G × width), then added to the gradients.
                let dW = ScratchBuffer<S>(count: G * width, zeroed: false)
                if reduced {
                    // [dW_ih | dW_hh]ᵀ (width × 4H) = bf16([X | H_prev]ᵀ) · bf16(dA), dA packed a block of
                    // frames at a time (`seqlab_bf16_gemm_unpacked`), [X | H_prev]ᵀ by OpenBLAS's somatcopy.
                    let xhT = ScratchBuffer<Float>(count: width * rows, zeroed: false)
                    let hT = xhT.pointer + inputs * rows
                    cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(rows), Int32(inputs), 1, floats(x), Int32(ldx),
                                    xhT.pointer, Int32(rows))
                    if rows > B {
                        cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(rows - B), Int32(H), 1, floats(reversed ? y + B * ldy : y),
                                        Int32(ldy), hT + (reversed ? 0 : B), Int32(rows))
                    }
                    for j in 0..<H {
                        for b in 0..<B { hT[j * rows + firstFrame * B + b] = initialH.map { floats($0)[b * H + j] } ?? 0 }
                    }
                    let pairs = (rows + 1) / 2
                    let block = LSTMLayer.weightGradientFrameBlock
                    let xPairs = UnsafeMutablePointer<UInt32>.allocate(capacity: width * pairs)
                    let packed = UnsafeMutablePointer<UInt16>.allocate(capacity: seqlab_bf16_packed_count(Int32(G), Int32(block)))
                    defer { xPairs.deallocate(); packed.deallocate() }
                    for j in 0..<width { seqlab_bf16_round(Int32(rows), xhT.pointer + j * rows, xPairs + j * pairs) }
                    let dWt = ScratchBuffer<Float>(count: width * G, zeroed: false)
                    seqlab_bf16_gemm_unpacked(Int32(width), Int32(G), Int32(rows), xPairs, Int32(pairs), floats(UnsafePointer(da)),
                                              Int32(ldA), Int32(block), packed, dWt.pointer, Int32(G), 0)
                    cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(width), Int32(G), 1, dWt.pointer, Int32(G),
                                    mutableFloats(dW.pointer), Int32(width))
                } else {
                    let xh = ScratchBuffer<S>(count: rows * width, zeroed: false)
                    for step in 0..<T {
                        let t = reversed ? T - 1 - step : step, tp = reversed ? t + 1 : t - 1
                        for b in 0..<B {
                            let row = xh.pointer + (t * B + b) * width
                            row.update(from: x + (t * B + b) * ldx, count: inputs)
                            if step > 0 {
                                (row + inputs).update(from: y + (tp * B + b) * ldy, count: H)
                            } else if let initialH {
                                (row + inputs).update(from: initialH + b * H, count: H)
                            } else {
                                (row + inputs).update(repeating: 0, count: H)
                            }
                        }
                    }
                    S.gemm(.transposed, .none, m: G, n: width, k: rows, alpha: 1, da, lda: ldA, xh.pointer, ldb: width,
                           beta: 0, dW.pointer, ldc: width)
                }
                weightIH.gradient.data.withUnsafeMutableBufferPointer { g in
                    for j in 0..<G { for i in 0..<inputs { g[j * inputs + i] += dW.pointer[j * width + i] } }
                }
                weightHH.gradient.data.withUnsafeMutableBufferPointer { g in
                    for j in 0..<G { for i in 0..<H { g[j * H + i] += dW.pointer[j * width + inputs + i] } }
                }
            }
            for j in 0..<G { biasIH.gradient.data[j] += db[j]; biasHH.gradient.data[j] += db[j] }
            // dX (+)= dA · W_ih.
            if let dx {
                if reduced {
                    let inputT = BFloat16Matrix(rows: inputs, cols: G, transposing: floats(wih.baseAddress!), ld: inputs)
                    inputT.multiply(m: rows, x: floats(UnsafePointer(da)), ldx: ldA, into: mutableFloats(dx), ldc: lddx,
                                    accumulate: accumulate, scratch: scratch!)
                } else if ownProducts, let product = InputGradientProduct(weights: floats(wih.baseAddress!), outputs: G, inputs: inputs) {
                    product.run(dA: floats(UnsafePointer(da)), ldA: ldA, rows: rows, into: mutableFloats(dx), lddx: lddx, accumulate: accumulate)
                } else {
                    S.gemm(.none, .none, m: rows, n: inputs, k: G, alpha: 1, da, lda: ldA, wih.baseAddress!, ldb: inputs,
                           beta: accumulate ? 1 : 0, dx, ldc: lddx)
                }
            }
        }}}}}
        if let peephole {
            for j in 0..<(3 * H) { peephole.gradient.data[j] += dPeep[j] }
        }
    }
}

/// A scalar buffer seen as Float (callers check `S.self == Float.self` first; LSTMLayer, Dense).
@inline(__always) func floats<S>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

@inline(__always) private func mutableFloats<S>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> { floats(p) }

@inline(__always) func floats<S>(_ p: UnsafePointer<S>) -> UnsafePointer<Float> {
    UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
}
