// CSmallGemm: the small matrix products of a recurrent layer's time steps, by libxsmm.
#ifndef SEQLAB_CSMALLGEMM_H
#define SEQLAB_CSMALLGEMM_H

#ifdef __cplusplus
extern "C" {
#endif

/// A prepared product C = A·B + beta·C in column-major storage: C is m × n (leading dimension
/// ldc), A m × k (lda), B k × n (ldb) or, transposed, stored n × k; beta 0 or 1. The kernels are compiled for this CPU by
/// libxsmm's just-in-time code generator, once per shape (libxsmm caches them), and run on the
/// caller's thread. The m rows are done in blocks of `block_rows` and a remainder.
typedef struct {
    void *block;       ///< kernel for block_rows × n
    void *tail;        ///< kernel for the last m mod block_rows rows, or NULL
    int m, block_rows, lda, ldc;
} seqlab_small_gemm;

/// Whether prepare uses libxsmm: by default only on CPUs with AVX-512, where its kernels beat
/// OpenBLAS's on these shapes (with AVX2 alone they run at about half its rate); policy 1 always,
/// 0 never, -1 back to the default (for tests and benchmarks; set it before preparing products).
int seqlab_small_gemm_enabled(void);
void seqlab_small_gemm_set_policy(int policy);

/// Prepares `g`; returns 1, or 0 when libxsmm has no kernel for the shape on this CPU or is not
/// used here (seqlab_small_gemm_enabled; the caller then multiplies another way). Thread-safe. With
/// `transpose_b`, C = A·Bᵀ + beta·C, B stored n × k (leading dimension ldb ≥ n) and read transposed
/// by libxsmm's kernel, with no copy.
int seqlab_small_gemm_prepare(seqlab_small_gemm *g, int m, int n, int k, int lda, int ldb, int ldc, float beta,
                              int transpose_b);

/// Runs a prepared product on a, b, c.
void seqlab_small_gemm_run(const seqlab_small_gemm *g, const float *a, const float *b, float *c);

#ifdef __cplusplus
}
#endif
#endif
