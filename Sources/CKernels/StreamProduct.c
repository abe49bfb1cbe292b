// StreamProduct: one row against a matrix packed as one stream, blocks of 64 outputs (CKernels.h),
// for batch-1 recurrent steps: the split recurrence's halves (SplitRecurrence.c) and a direction's
// whole W_hh (`StreamMatrix`). The panel product's single row reads four panels at a time, four
// streams k·64 bytes apart; a block here is one stream. A pass of 200 frames of 1 × H · H × 4H in
// alternating order on a Zen 5 core, the panel product against the stream, µs a frame: AVX-512
// H = 128 1.72 → 1.38, 192 3.60 → 2.35, 256 6.81 → 5.61; AVX2 1.70 → 1.40, 3.94 → 2.85, 7.32 → 6.42
// (timed in C; docs/RESULTS.md). The same sums.
#include "CKernels.h"

enum { BLOCK = 64 };   // outputs a block holds

long seqlab_stream_count(int n, int k) { return (long)n * k; }

int seqlab_stream_supported(int n) { return n > 0 && n % BLOCK == 0; }

int seqlab_stream_pays(int n) { return seqlab_stream_supported(n) && seqlab_kernel_family_id() >= 1; }

void seqlab_stream_pack(int n, int k, const float *w, long ldw, float *packed) {
    for (int o = 0; o < n; o++) {
        float *block = packed + (long)(o / BLOCK) * k * BLOCK + o % BLOCK;
        for (int q = 0; q < k; q++) block[(long)q * BLOCK] = w[(long)o * ldw + q];
    }
}

/// The loop the vector kernels run, for CPUs without AVX2.
static void stream_generic(int n, int k, const float *x, const float *packed, float *c, int descending) {
    const int blocks = n / BLOCK;
    for (int i = 0; i < blocks; i++) {
        const int b = descending ? blocks - 1 - i : i;
        const float *w = packed + (long)b * k * BLOCK;
        for (int j = 0; j < BLOCK; j++) {
            float acc = c[b * BLOCK + j];
            for (int q = 0; q < k; q++) acc = __builtin_fmaf(x[q], w[(long)q * BLOCK + j], acc);
            c[b * BLOCK + j] = acc;
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
/// A vector kernel: a block's 64 outputs in 64 / LANES registers of VEC, one FMA chain each, every
/// q's weights times x[q] broadcast; the blocks first to last, or last to first.
#define DEFINE_STREAM_KERNEL(NAME, TARGET, VEC, LANES, LOAD, STORE, BROADCAST, FMA)                                  \
    __attribute__((target(TARGET))) static void NAME(int n, int k, const float *x, const float *packed, float *c,      \
                                                     int descending) {                                                 \
        const int blocks = n / BLOCK;                                                                                  \
        for (int i = 0; i < blocks; i++) {                                                                             \
            const int b = descending ? blocks - 1 - i : i;                                                             \
            const float *w = packed + (long)b * k * BLOCK;                                                             \
            float *cb = c + b * BLOCK;                                                                                 \
            VEC acc[BLOCK / LANES];                                                                                    \
            for (int j = 0; j < BLOCK / LANES; j++) acc[j] = LOAD(cb + LANES * j);                                     \
            for (int q = 0; q < k; q++) {                                                                              \
                const VEC xq = BROADCAST(x[q]);                                                                        \
                const float *p = w + (long)q * BLOCK;                                                                  \
                for (int j = 0; j < BLOCK / LANES; j++) acc[j] = FMA(xq, LOAD(p + LANES * j), acc[j]);                 \
            }                                                                                                          \
            for (int j = 0; j < BLOCK / LANES; j++) STORE(cb + LANES * j, acc[j]);                                     \
        }                                                                                                              \
    }

DEFINE_STREAM_KERNEL(stream_avx512, "avx512f", __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_fmadd_ps)
DEFINE_STREAM_KERNEL(stream_avx2, "avx2,fma", __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_fmadd_ps)
#endif

void seqlab_stream_product_with(int family, int n, int k, const float *x, const float *packed, float *c, int descending) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    const int best = seqlab_kernel_family_id(), chosen = family < 0 || family > best ? best : family;
    if (chosen == 2) {
        stream_avx512(n, k, x, packed, c, descending);
        return;
    }
    if (chosen == 1) {
        stream_avx2(n, k, x, packed, c, descending);
        return;
    }
#endif
    (void)family;
    stream_generic(n, k, x, packed, c, descending);
}

void seqlab_stream_product(int n, int k, const float *x, const float *packed, float *c, int descending) {
    seqlab_stream_product_with(-1, n, k, x, packed, c, descending);
}
