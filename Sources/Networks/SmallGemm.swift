// SmallGemm: a prepared small matrix product by libxsmm's JIT kernels, for recurrent time steps.

import CSmallGemm

/// C = A·B + β·C for Float in row-major terms (C m × n with row stride ldc, A m × k with row
/// stride lda, B k × n with row stride ldb; β 0 or 1), by kernels libxsmm compiles for this CPU
/// once per shape (CSmallGemm). Made for the per-frame products of recurrent layers, a batch of
/// rows times a weight matrix (16 × 256 · 256 × 1024), where OpenBLAS's sgemm packs the weight
/// matrix on every call: there these kernels are 1.5–2.3× faster on this project's machine
/// (docs/RESULTS.md, "Speed"). Large products stay with OpenBLAS. Runs on the caller's thread.
struct SmallGemm {
    private var kernel = seqlab_small_gemm()

    /// nil when libxsmm has no kernel for the shape on this CPU (the caller falls back to BLAS).
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
