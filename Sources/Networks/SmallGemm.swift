// SmallGemm: a prepared small matrix product by libxsmm's JIT kernels, for recurrent time steps.

import CBLAS
import CKernels
import CSmallGemm
import Tensors

/// C = A·B + β·C for Float in row-major terms (C m × n with row stride ldc, A m × k with row
/// stride lda, B k × n with row stride ldb; β 0 or 1), by kernels libxsmm compiles for this CPU
/// once per shape (CSmallGemm). Made for the per-frame products of recurrent layers, a batch of
/// rows times a weight matrix (16 × 256 · 256 × 1024), where OpenBLAS's sgemm packs the weight
/// matrix on every call: with AVX-512 these kernels are 1.5–2.3× faster (a Zen 5, docs/RESULTS.md,
/// "Speed"), though the panel product is faster still and runs them when BLAS has one thread
/// (`RecurrentProduct.usesPanels`); with AVX2 alone libxsmm 1.17's run at half OpenBLAS's rate (a
/// Zen 3), so there `init` gives nil (`isUsed`) and the callers use the panel product
/// (`PanelMatrix`) or BLAS. With AVX-512 libxsmm also runs the backward's large products in blocks
/// (`WeightGradientProduct`). Runs on the caller's thread.
struct SmallGemm {
    private var kernel = seqlab_small_gemm()

    /// Whether the products run on libxsmm here: by default where the CPU has AVX-512.
    static var isUsed: Bool { seqlab_small_gemm_enabled() != 0 }

    /// For tests and benchmarks: libxsmm always (true), never (false), or as the CPU decides (nil).
    /// Products prepared before keep their kind.
    static func force(_ use: Bool?) { seqlab_small_gemm_set_policy(use.map { $0 ? 1 : 0 } ?? -1) }

    /// nil when libxsmm has no kernel for the shape on this CPU or is not used here (the caller
    /// falls back to BLAS). With `transposedA`, C = Aᵀ·B, A stored k × m (row stride lda ≥ m) and
    /// read transposed by the kernel.
    init?(m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, beta: Float, transposedA: Bool = false) {
        // Row-major C = A·B is column-major Cᵀ (n × m) = Bᵀ (n × k) · Aᵀ (k × m): same memory; Aᵀ
        // stored row-major is A column-major, libxsmm's transposed B.
        guard m > 0, n > 0, k > 0, max(m, n, k, lda, ldb, ldc) <= Int(Int32.max),
              seqlab_small_gemm_prepare(&kernel, Int32(n), Int32(m), Int32(k), Int32(ldb), Int32(lda),
                                        Int32(ldc), beta, transposedA ? 1 : 0) == 1 else { return nil }
    }

    func run(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        withUnsafePointer(to: kernel) { seqlab_small_gemm_run($0, b, a, c) }
    }
}

/// What runs the per-frame products of recurrent layers here with BLAS's present thread count
/// (`RecurrentProduct`): "libxsmm", the panel product with "AVX2" or in portable "C"
/// (`PanelMatrix`), or "OpenBLAS".
public var perFrameProductLibrary: String {
    RecurrentProduct.usesPanels ? "panel product, " + ["C", "AVX2", "AVX-512"][Int(seqlab_panels_family_id())]
        : SmallGemm.isUsed ? "libxsmm" : "OpenBLAS"
}

/// Runs the per-frame products on libxsmm (true) or the panel product (false) whatever the CPU, or (nil) as
/// it decides: for benchmarks that compare the two. Products prepared before keep their kind.
public func forcePerFrameProductLibrary(libxsmm: Bool?) { SmallGemm.force(libxsmm) }

/// A weight matrix W (n × k) packed once into panels of 16 outputs for CKernels' panel product,
/// c (+)= x·Wᵀ (`seqlab_panels_gemm`: an 8 × 3-panel register-blocked AVX-512 kernel, a 6 × 16
/// AVX2 one, portable C without either). For the per-frame products of recurrent layers where
/// libxsmm is not used (`SmallGemm`): there OpenBLAS's sgemm packs the weights again on every call; on a Zen 3 core, 16 × 256 ·
/// 256 × 1,024 took 88 µs this way (95 GFLOP/s, the core's FMA peak being 100) against OpenBLAS's
/// 137 µs, and 16 × 1,024 · 1,024 × 256 83 against 145 µs (timed in C). Immutable; shared
/// between threads.
final class PanelMatrix: @unchecked Sendable {
    let n: Int, k: Int
    private let packed: UnsafeMutablePointer<Float>

    /// W with element (j, q) at w[j·rowStride + q·colStride]: (k, 1) for W row-major, (1, ld) for
    /// the transpose of a matrix stored k × n with row stride ld.
    init(n: Int, k: Int, weights w: UnsafePointer<Float>, rowStride: Int, colStride: Int) {
        precondition(n > 0 && k > 0 && max(n, k) <= Int(Int32.max), "PanelMatrix: bad shape \(n) × \(k)")
        self.n = n
        self.k = k
        let count = seqlab_panels_count(Int32(n), Int32(k))
        packed = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        seqlab_panels_pack(Int32(n), Int32(k), w, rowStride, colStride, packed)
    }

    deinit { packed.deallocate() }

    /// c (m × n, row stride ldc) = x (m × k, row stride ldx) · Wᵀ, plus c when `accumulate`. With
    /// `descending` the panels are read last to first, with the same bits: recurrences alternate it
    /// frame by frame (`alternatesPanels`).
    func multiply(m: Int, x: UnsafePointer<Float>, ldx: Int, into c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
                  descending: Bool = false) {
        seqlab_panels_gemm(Int32(m), Int32(n), Int32(k), x, Int32(ldx), packed, c, Int32(ldc), accumulate ? 1 : 0,
                           descending ? 1 : 0)
    }

    /// The order of the panels at a recurrence's `step`-th frame: alternately first to last and last
    /// to first, so that each frame starts on the weights the frame before read last, still in
    /// cache. Where W_hh fills the L2 (H = 256, 1 MB, on a Zen 5 core with 1 MB), a batch-1 step
    /// read in one order throughout takes 7.5–7.8 µs, alternating 6.4–6.6 (timed in C).
    static func alternatesPanels(_ step: Int) -> Bool { step % 2 == 1 }
}

/// A weight matrix W (n × k, row-major) packed once as one stream, blocks of 64 outputs
/// (`seqlab_stream_pack`), for one row at a time: c += x · Wᵀ, the panel product's sums. A batch-1
/// recurrent step reads W_hh (16·H² bytes) at every frame; one stream runs where the panel
/// product's four panels at a time run 14–53% slower (H = 128–256 on a Zen 5, AVX-512 and AVX2,
/// timed in C), so float inference at batch 1 keeps W_hh packed this way too (`LSTMPanelWeights`).
/// nil where it does not pay (`seqlab_stream_pays`: n a multiple of 64, a vector kernel).
final class StreamMatrix: @unchecked Sendable {
    let n: Int, k: Int
    private let packed: UnsafeMutablePointer<Float>

    /// W with row stride `ldw` (≥ k).
    init?(n: Int, k: Int, weights w: UnsafePointer<Float>, ldw: Int) {
        guard n > 0 && k > 0 && max(n, k) <= Int(Int32.max) && seqlab_stream_pays(Int32(n)) != 0 else { return nil }
        self.n = n
        self.k = k
        let count = seqlab_stream_count(Int32(n), Int32(k))
        packed = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        seqlab_stream_pack(Int32(n), Int32(k), w, ldw, packed)
    }

    deinit { packed.deallocate() }

    /// c (n) += x (k) · Wᵀ, the blocks read last to first when `descending` (the same bits; a
    /// recurrence alternates it frame by frame, `PanelMatrix.alternatesPanels`).
    func multiply(x: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, descending: Bool) {
        seqlab_stream_product(Int32(n), Int32(k), x, packed, c, descending ? 1 : 0)
    }
}

/// The forward per-frame product of an LSTM layer in Float, a_t (B × 4H) += h_{t−1} (B × H, row
/// stride ldh) · W_hhᵀ (and any other rows × in · Wᵀ product of that kind: the input product
/// frame by frame, the output layer's forward). For two or more rows: by libxsmm (`SmallGemm`, on
/// CPUs with AVX-512) on W_hhᵀ (H × 4H), transposed once per pass by OpenBLAS's `cblas_somatcopy`
/// (6–12× faster here than a tiled loop, whose power-of-two strides land every write of a tile in
/// one cache set), else by the panel product on W_hh packed once per pass (`PanelMatrix`) when BLAS
/// has one thread (`panelsPay`), else by OpenBLAS's sgemm. For one row (batch-1 inference): on W_hh
/// packed as one stream when given (`StreamMatrix`), else by the panel product too where
/// `batchOneOnPanels`, else by sgemv down the columns of W_hhᵀ.
struct RecurrentProduct {
    private enum Kernel {
        case small(SmallGemm, ScratchBuffer<Float>), panels(PanelMatrix), stream(StreamMatrix), sgemv(ScratchBuffer<Float>)
        /// sgemm on W as given (valid while the product is used).
        case blas(UnsafePointer<Float>)
    }
    private let kernel: Kernel
    private let rows: Int, outputs: Int, inputs: Int, ldh: Int, overwrite: Bool

    /// weights: W_hh, `outputs` (4H) × `inputs` (H), row-major; `rows` (B) rows of h a frame.
    /// With `overwrite`, `add` writes a = h·Wᵀ instead of adding to a (two or more rows). `packed`:
    /// the same W already packed (`LSTMPanelWeights`), used where the panel product runs; `stream`,
    /// packed as one stream, used for one row.
    init(weights: UnsafePointer<Float>, outputs: Int, inputs: Int, rows: Int, ldh: Int, overwrite: Bool = false,
         packed: PanelMatrix? = nil, stream: StreamMatrix? = nil) {
        precondition(!overwrite || rows > 1, "RecurrentProduct: overwrite needs two or more rows")
        func transposed() -> ScratchBuffer<Float> {
            let t = ScratchBuffer<Float>(count: inputs * outputs, zeroed: false)
            cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(outputs), Int32(inputs), 1, weights, Int32(inputs),
                            t.pointer, Int32(outputs))
            return t
        }
        if rows == 1, !overwrite, let stream {
            precondition(stream.n == outputs && stream.k == inputs, "RecurrentProduct: stream-packed weights of another shape")
            kernel = .stream(stream)
        } else if rows == 1 && !RecurrentProduct.batchOneOnPanels {
            kernel = .sgemv(transposed())
        } else if rows == 1 || RecurrentProduct.usesPanels {
            precondition(packed.map { $0.n == outputs && $0.k == inputs } ?? true, "RecurrentProduct: packed weights of another shape")
            kernel = .panels(packed ?? PanelMatrix(n: outputs, k: inputs, weights: weights, rowStride: inputs, colStride: 1))
        } else if let small = SmallGemm(m: rows, n: outputs, k: inputs, lda: ldh, ldb: outputs, ldc: outputs, beta: overwrite ? 0 : 1) {
            kernel = .small(small, transposed())
        } else {
            kernel = .blas(weights)
        }
        self.rows = rows; self.outputs = outputs; self.inputs = inputs; self.ldh = ldh; self.overwrite = overwrite
    }

    /// a (rows × outputs, contiguous) += h (rows × inputs, row stride ldh) · W_hhᵀ; `step`, the frame's
    /// place in the recurrence, sets the order the panel product reads W in
    /// (`PanelMatrix.alternatesPanels`).
    func add(_ h: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, step: Int = 0) {
        switch kernel {
        case .small(let small, let transposed):
            small.run(h, transposed.pointer, a)
        case .panels(let panels):
            panels.multiply(m: rows, x: h, ldx: ldh, into: a, ldc: outputs, accumulate: !overwrite,
                            descending: PanelMatrix.alternatesPanels(step))
        case .stream(let stream):
            stream.multiply(x: h, into: a, descending: PanelMatrix.alternatesPanels(step))
        case .sgemv(let transposed):
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(inputs), Int32(outputs), 1, transposed.pointer, Int32(outputs),
                        h, 1, 1, a, 1)
        case .blas(let weights):
            Float.gemm(.none, .transposed, m: rows, n: outputs, k: inputs, alpha: 1, h, lda: ldh, weights, ldb: inputs,
                       beta: overwrite ? 0 : 1, a, ldc: outputs)
        }
    }

    /// Whether the panel product could pay here: when BLAS has one thread, as in bidirectional
    /// training on two cores (a direction a core) and anything on one core. With BLAS on two
    /// threads, as in unidirectional training on two cores, OpenBLAS splits each product between
    /// both cores, and the single-threaded panel product trained slower (2×256 on FSDD strings, a
    /// Zen 3: 17,849–18,262 frames/s against 19,299–19,794; on one thread 14,011 against 11,483).
    static var panelsPay: Bool { blasThreads() == 1 }

    /// Whether the per-frame products of two or more rows run on the panel product (`PanelMatrix`)
    /// here: when it pays (`panelsPay`) and either runs vectorised (AVX-512 or AVX2; with AVX-512
    /// faster than libxsmm 1.17, which runs them otherwise: 16 × 256 · 256 × 1,024 at 250 against
    /// 216 GFLOP/s on a Zen 5 core) or libxsmm is not used (`SmallGemm`).
    static var usesPanels: Bool { panelsPay && (seqlab_panels_family_id() >= 1 || !SmallGemm.isUsed) }

    /// Whether batch 1 runs both of an LSTM layer's products on the panel product (the recurrent step
    /// here, the input product of all frames in `LSTMLayer.forward`): wherever it is vectorised (AVX2
    /// or AVX-512), whatever BLAS's threads, so that batch-1 outputs do not depend on them. 2×256
    /// BLSTM batch-1 inference on a Zen 5, against sgemv and one sgemm: 30,609–32,383 → 40,767–42,001
    /// frames/s with OpenBLAS's Haswell kernels, 34,585–37,407 → 41,294–44,251 with its own
    /// (docs/RESULTS.md).
    static var batchOneOnPanels: Bool { seqlab_panels_family_id() >= 1 }
}

/// One part of an LSTM direction's weight gradient over all its frames in Float, dW (4H × columns,
/// row-major) += dAᵀ (4H × rows) · X (rows × columns, row stride ldx): with the layer's input it is
/// dW_ih, with each frame's previous output dW_hh. By libxsmm (`SmallGemm`), which reads dA
/// transposed in its kernel, in blocks of `frameBlock` rows adding into the gradient itself: no
/// transposed copies of X, H_prev or dW. On a Zen 5 core, 3,200 rows × 1,024 outputs: 512 columns
/// at 246–248 GFLOP/s and 256 at 245–252 (timed in C), the rate of the one product over the
/// transposed copies; in a 2×256 BLSTM's backward the second layer's weight gradient took
/// 21.7–22.9 ms a direction this way against 24.1–26.6 with the copies. The output layer's dW
/// likewise (`DenseLayer.addWeightGradient`, dy for dA). nil when libxsmm has no kernel for the
/// shape (the caller multiplies with BLAS).
struct WeightGradientProduct {
    static let frameBlock = 400
    private let block: SmallGemm, last: SmallGemm?
    private let rows: Int, ldx: Int, ldA: Int

    /// columns: X's (inputs, or H); outputs = 4H, dA's row stride ldA; rows: frames of the batch;
    /// ldW: dW's row stride (its columns, or more when dW is a column block of a wider matrix).
    init?(columns: Int, outputs: Int, ldx: Int, ldA: Int, rows: Int, ldW: Int? = nil) {
        guard rows > 0 else { return nil }
        let count = min(rows, Self.frameBlock), rest = rows % count
        func kernel(_ k: Int) -> SmallGemm? {
            SmallGemm(m: outputs, n: columns, k: k, lda: ldA, ldb: ldx, ldc: ldW ?? columns, beta: 1, transposedA: true)
        }
        guard let block = kernel(count) else { return nil }
        self.block = block
        last = rest > 0 ? kernel(rest) : nil
        guard rest == 0 || last != nil else { return nil }
        self.rows = rows
        self.ldx = ldx
        self.ldA = ldA
    }

    /// dW (outputs × columns, row-major, row stride ldW) += dAᵀ·X over the rows.
    func run(x: UnsafePointer<Float>, dA: UnsafePointer<Float>, into dW: UnsafeMutablePointer<Float>) {
        let count = min(rows, Self.frameBlock)
        var first = 0
        while first < rows {
            let kernel = rows - first >= count ? block : last!
            kernel.run(dA + first * ldA, x + first * ldx, dW)
            first += min(count, rows - first)
        }
    }
}

/// An LSTM layer's input gradient in Float, dX (rows × inputs, row stride lddx) = dA (rows × 4H) ·
/// W_ih, plus dX when accumulating, by the panel product on W_ih packed once as its transpose
/// (`PanelMatrix`), `rowBlock` rows of dA at a time, so that a block (512 KB for 4H = 1,024) stays
/// in L2 while the panels pass over it. With AVX-512 only: on a Zen 5 core 3,200 × 1,024 · 1,024 ×
/// 512 took 12.4–12.6 ms this way against 12.2–14.8 ms (from run to run) by libxsmm in blocks of 64
/// rows (timed in C), and a 2×256 BLSTM's backward 60.0–62.4 ms a step against 64.5–66.5. The
/// output layer's dx = dy·W likewise (`DenseLayer.inputGradient`). nil elsewhere (the caller
/// multiplies with BLAS).
struct InputGradientProduct {
    static let rowBlock = 128
    private let panels: PanelMatrix

    /// weights: W_ih, `outputs` (4H) × `inputs`, row-major.
    init?(weights: UnsafePointer<Float>, outputs: Int, inputs: Int) {
        guard seqlab_panels_family_id() == 2 else { return nil }
        panels = PanelMatrix(n: inputs, k: outputs, weights: weights, rowStride: 1, colStride: inputs)
    }

    /// dA: rows × 4H with row stride ldA.
    func run(dA: UnsafePointer<Float>, ldA: Int, rows: Int, into dx: UnsafeMutablePointer<Float>, lddx: Int, accumulate: Bool) {
        for first in stride(from: 0, to: rows, by: Self.rowBlock) {
            panels.multiply(m: min(Self.rowBlock, rows - first), x: dA + first * ldA, ldx: ldA,
                            into: dx + first * lddx, ldc: lddx, accumulate: accumulate)
        }
    }
}
