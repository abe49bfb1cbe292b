// SmallGemm: a prepared small matrix product by libxsmm's JIT kernels, for recurrent time steps.

import CBLAS
import CSmallGemm

/// C = A·B + β·C for Float in row-major terms (C m × n with row stride ldc, A m × k with row
/// stride lda, B k × n with row stride ldb; β 0 or 1), by kernels libxsmm compiles for this CPU
/// once per shape (CSmallGemm). Made for the per-frame products of recurrent layers, a batch of
/// rows times a weight matrix (16 × 256 · 256 × 1024), where OpenBLAS's sgemm packs the weight
/// matrix on every call: with AVX-512 these kernels are 1.5–2.3× faster (a Zen 5, docs/RESULTS.md,
/// "Speed"); with AVX2 alone libxsmm 1.17's run at half OpenBLAS's rate (a Zen 3), so there
/// `init` gives nil and every caller multiplies with BLAS (`isUsed`). Large products stay with
/// OpenBLAS. Runs on the caller's thread.
struct SmallGemm {
    private var kernel = seqlab_small_gemm()

    /// Whether the products run on libxsmm here: by default where the CPU has AVX-512.
    static var isUsed: Bool { seqlab_small_gemm_enabled() != 0 }

    /// For tests and benchmarks: libxsmm always (true), never (false), or as the CPU decides (nil).
    /// Products prepared before keep their kind.
    static func force(_ use: Bool?) { seqlab_small_gemm_set_policy(use.map { $0 ? 1 : 0 } ?? -1) }

    /// nil when libxsmm has no kernel for the shape on this CPU or is not used here (the caller
    /// falls back to BLAS).
    init?(m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, beta: Float) {
        // Row-major C = A·B is column-major Cᵀ (n × m) = Bᵀ (n × k) · Aᵀ (k × m): same memory.
        guard m > 0, n > 0, k > 0, max(m, n, k, lda, ldb, ldc) <= Int(Int32.max),
              seqlab_small_gemm_prepare(&kernel, Int32(n), Int32(m), Int32(k), Int32(ldb), Int32(lda),
                                        Int32(ldc), beta) == 1 else { return nil }
    }

    func run(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        withUnsafePointer(to: kernel) { seqlab_small_gemm_run($0, b, a, c) }
    }
}

/// What runs the per-frame products of recurrent layers here: "libxsmm" or "OpenBLAS" (`SmallGemm`).
public var perFrameProductLibrary: String { SmallGemm.isUsed ? "libxsmm" : "OpenBLAS" }

/// Runs the per-frame products on libxsmm (true) or OpenBLAS (false) whatever the CPU, or (nil) as
/// it decides: for benchmarks that compare the two. Products prepared before keep their kind.
public func forcePerFrameProductLibrary(libxsmm: Bool?) { SmallGemm.force(libxsmm) }

/// The forward per-frame product of an LSTM layer in Float, a_t (B × 4H) += h_{t−1} (B × H, row
/// stride ldh) · W_hhᵀ (and any other rows × in · Wᵀ product of that kind: the input product
/// frame by frame, the output layer's forward), on W_hhᵀ (H × 4H) transposed once per pass by OpenBLAS's
/// `cblas_somatcopy` (6–12× faster here than a tiled loop, whose power-of-two strides land every
/// write of a tile in one cache set): by libxsmm (`SmallGemm`) for two or more rows, by sgemv down
/// the columns of W_hhᵀ for one. nil when libxsmm has no kernel for the shape (the caller then
/// multiplies with `rowsGemm`).
struct RecurrentProduct {
    private let transposed: ScratchBuffer<Float>
    private let small: SmallGemm?
    private let rows: Int, outputs: Int, inputs: Int, ldh: Int

    /// weights: W_hh, `outputs` (4H) × `inputs` (H), row-major; `rows` (B) rows of h a frame.
    /// With `overwrite`, `add` writes a = h·Wᵀ instead of adding to a (libxsmm only: two or more rows).
    init?(weights: UnsafePointer<Float>, outputs: Int, inputs: Int, rows: Int, ldh: Int, overwrite: Bool = false) {
        precondition(!overwrite || rows > 1, "RecurrentProduct: overwrite needs two or more rows")
        small = rows > 1 ? SmallGemm(m: rows, n: outputs, k: inputs, lda: ldh, ldb: outputs, ldc: outputs, beta: overwrite ? 0 : 1) : nil
        guard rows == 1 || small != nil else { return nil }
        transposed = ScratchBuffer<Float>(count: inputs * outputs, zeroed: false)
        cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(outputs), Int32(inputs), 1, weights, Int32(inputs),
                        transposed.pointer, Int32(outputs))
        self.rows = rows; self.outputs = outputs; self.inputs = inputs; self.ldh = ldh
    }

    /// a (rows × outputs, contiguous) += h (rows × inputs, row stride ldh) · W_hhᵀ.
    func add(_ h: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>) {
        if let small {
            small.run(h, transposed.pointer, a)
        } else {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(inputs), Int32(outputs), 1, transposed.pointer, Int32(outputs),
                        h, 1, 1, a, 1)
        }
    }
}

/// The weight gradient of an LSTM direction over all its frames in Float,
/// [dW_ih | dW_hh]ᵀ (width × 4H, row-major) = [X | H_prev]ᵀ (width × rows, row stride rows) ·
/// dA (rows × 4H), by libxsmm (`SmallGemm`) in blocks of `frameBlock` rows of dA, the first block
/// overwriting and the others adding, so that both operands' blocks stay in cache while the kernel
/// walks 4H. On this project's machine, one thread, 3,200 rows: 4H × width 512 × 168 in 4.8 ms
/// against OpenBLAS's 5.7 ms for dAᵀ·[X | H_prev] (113 against 96 GFLOP/s), 1,024 × 296 18.2 ms
/// against 19.8, 1,024 × 512 31.0 ms against 33.0 (timed in C). nil when libxsmm has no kernel
/// for the shape (the caller multiplies with BLAS).
struct WeightGradientProduct {
    static let frameBlock = 400
    private let overwrite: SmallGemm, add: SmallGemm?, lastAdd: SmallGemm?
    private let rows: Int, outputs: Int

    /// width = inputs + H columns of [X | H_prev]; outputs = 4H; rows = frames of the batch.
    init?(width: Int, outputs: Int, rows: Int) {
        guard rows > 0 else { return nil }
        let block = min(rows, Self.frameBlock), last = rows % block
        func kernel(_ k: Int, _ beta: Float) -> SmallGemm? {
            SmallGemm(m: width, n: outputs, k: k, lda: rows, ldb: outputs, ldc: outputs, beta: beta)
        }
        guard let overwrite = kernel(block, 0) else { return nil }
        self.overwrite = overwrite
        add = rows > block ? kernel(block, 1) : nil
        lastAdd = last > 0 ? kernel(last, 1) : nil
        guard (rows <= block || add != nil) && (last == 0 || lastAdd != nil) else { return nil }
        self.rows = rows
        self.outputs = outputs
    }

    /// dWt (width × outputs) = xhT (width × rows) · dA (rows × outputs).
    func run(xhT: UnsafePointer<Float>, dA: UnsafePointer<Float>, into dWt: UnsafeMutablePointer<Float>) {
        let block = min(rows, Self.frameBlock)
        var first = 0
        while first < rows {
            let count = min(block, rows - first)
            let kernel = first == 0 ? overwrite : (count == block ? add! : lastAdd!)
            kernel.run(xhT + first, dA + first * outputs, dWt)
            first += count
        }
    }
}

/// C (rows × n, row stride ldc) = A (rows × k, row stride lda) · B (k × n, row stride ldb), plus C
/// when `accumulate`, in Float by libxsmm (`SmallGemm`) in blocks of `rowBlock` rows of A, so that
/// each block of A stays in cache while the kernel walks B: an LSTM layer's input gradient
/// dX = dA · W_ih. On this project's machine, one thread, 3,200 rows: 3,200 × 1,024 · 1,024 × 512 in
/// 29.5 ms against OpenBLAS's 32.5, 768 × 384 in 16.7 against 18.6, 384 × 192 in 4.1 against 5.1
/// (timed in C). nil when libxsmm has no kernel for the shape (the caller multiplies with BLAS).
struct RowBlockedProduct {
    static let rowBlock = 64
    private let block: SmallGemm, last: SmallGemm?
    private let rows: Int, lda: Int, ldc: Int

    init?(rows: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, accumulate: Bool) {
        guard rows > 0 else { return nil }
        let size = min(rows, Self.rowBlock), rest = rows % size
        guard let block = SmallGemm(m: size, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, beta: accumulate ? 1 : 0) else { return nil }
        self.block = block
        last = rest > 0 ? SmallGemm(m: rest, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, beta: accumulate ? 1 : 0) : nil
        guard rest == 0 || last != nil else { return nil }
        self.rows = rows; self.lda = lda; self.ldc = ldc
    }

    func run(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        let size = min(rows, Self.rowBlock)
        var first = 0
        while first < rows {
            let kernel = rows - first >= size ? block : last!
            kernel.run(a + first * lda, b, c + first * ldc)
            first += size
        }
    }
}
