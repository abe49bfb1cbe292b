// The per-time-step products of recurrent layers by libxsmm's JIT kernels (see CSmallGemm.h).
// OpenBLAS packs both operands on every call; at a batch of 16 rows, one call per frame, that
// packing of the weight matrix costs about as much as the arithmetic (docs/RESULTS.md, "Speed").
#include "CSmallGemm.h"
#include "CKernels.h"
#include <libxsmm.h>

enum { BLOCK_ROWS = 128 };

// -1 automatic, 0 never, 1 always (seqlab_small_gemm_set_policy). A plain int: set before use, by
// tests and benchmarks, and read by prepare.
static volatile int policy = -1;

void seqlab_small_gemm_set_policy(int p) { policy = p < 0 ? -1 : (p > 0); }

int seqlab_small_gemm_enabled(void) {
    if (policy >= 0) return policy;
    // libxsmm 1.17's AVX-512 kernels beat OpenBLAS on the recurrent products (1.5-2.3x on a Zen 5);
    // its AVX2 ones run at half OpenBLAS's rate (29 against 65-69 GFLOP/s, 16 x 768 . 768 x 1,024 on
    // one Zen 3 core), so below AVX-512 the products stay with BLAS.
    return libxsmm_get_target_archid() >= LIBXSMM_X86_AVX512_CORE && seqlab_isa_cap(2) == 2;
}

int seqlab_small_gemm_prepare(seqlab_small_gemm *g, int m, int n, int k, int lda, int ldb, int ldc, float beta,
                              int transpose_b) {
    g->block = g->tail = 0;
    g->m = m; g->lda = lda; g->ldc = ldc;
    // B is k × n, or with transpose_b stored as its transpose, n × k.
    if (m <= 0 || n <= 0 || k <= 0 || lda < m || ldb < (transpose_b ? n : k) || ldc < m || (beta != 0 && beta != 1)) return 0;
    if (!seqlab_small_gemm_enabled()) return 0;
    const float alpha = 1;
    const libxsmm_blasint la = lda, lb = ldb, lc = ldc;
    const int flags = transpose_b ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
    const int rows = m < BLOCK_ROWS ? m : BLOCK_ROWS, rest = m % rows;
    g->block_rows = rows;
    libxsmm_smmfunction block = libxsmm_smmdispatch(rows, n, k, &la, &lb, &lc, &alpha, &beta, &flags, 0);
    if (!block) return 0;
    libxsmm_smmfunction tail = 0;
    if (rest) {
        tail = libxsmm_smmdispatch(rest, n, k, &la, &lb, &lc, &alpha, &beta, &flags, 0);
        if (!tail) return 0;
    }
    g->block = (void *)block;
    g->tail = (void *)tail;
    return 1;
}

// libxsmm's JIT code returns with the upper halves of the vector registers dirty (no vzeroupper),
// which made the Swift code after it slow: the output layer's log-softmax after a libxsmm product
// took 1.1 ms instead of 0.3 ms a training step (1×128 BLSTM, batch 16 × 200 frames). Every run
// therefore ends with vzeroupper, as compiled AVX code does.
#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx"))) static void clear_upper(void) { _mm256_zeroupper(); }
#else
static void clear_upper(void) {}
#endif

void seqlab_small_gemm_run(const seqlab_small_gemm *g, const float *a, const float *b, float *c) {
    const libxsmm_smmfunction block = (libxsmm_smmfunction)g->block;
    int r = 0;
    for (; r + g->block_rows <= g->m; r += g->block_rows) block(a + r, b, c + r);
    if (r < g->m) ((libxsmm_smmfunction)g->tail)(a + r, b, c + r);
    clear_upper();
}
