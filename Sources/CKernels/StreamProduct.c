// StreamProduct: one row against a matrix packed as one stream, blocks of 64 outputs (CKernels.h),
// for batch-1 recurrent steps: the split recurrence's halves (SplitRecurrence.c) and a direction's
// whole W_hh (`LSTMStreamMatrix`). The panel product's single row reads four panels at a time,
// four streams k·64 bytes apart; a block here is one stream, which the core's prefetchers follow
// further: a 1 × 128 · 128 × 512 step 1.62 → 1.33 µs, 1 × 192 · 192 × 768 3.57 → 2.41, 1 × 256 · 256 × 1,024
// 7.11 → 5.60 (a Zen 5 core, timed in C, alternating order; docs/RESULTS.md). The same sums.
#include "CKernels.h"

enum { BLOCK = 64 };   // outputs a block holds

long seqlab_stream_count(int n, int k) { return (long)n * k; }

int seqlab_stream_supported(int n) { return n > 0 && n % BLOCK == 0; }

int seqlab_stream_pays(int n) { return seqlab_stream_supported(n) && seqlab_kernel_family_id() == 2; }

void seqlab_stream_pack(int n, int k, const float *w, long ldw, float *packed) {
    for (int o = 0; o < n; o++) {
        float *block = packed + (long)(o / BLOCK) * k * BLOCK + o % BLOCK;
        for (int q = 0; q < k; q++) block[(long)q * BLOCK] = w[(long)o * ldw + q];
    }
}

/// The loop the vector kernel runs, for CPUs without AVX-512.
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
__attribute__((target("avx512f"))) static void stream_avx512(int n, int k, const float *x, const float *packed, float *c,
                                                              int descending) {
    const int blocks = n / BLOCK;
    for (int i = 0; i < blocks; i++) {
        const int b = descending ? blocks - 1 - i : i;
        const float *w = packed + (long)b * k * BLOCK;
        float *cb = c + b * BLOCK;
        __m512 a0 = _mm512_loadu_ps(cb), a1 = _mm512_loadu_ps(cb + 16), a2 = _mm512_loadu_ps(cb + 32), a3 = _mm512_loadu_ps(cb + 48);
        for (int q = 0; q < k; q++) {
            const __m512 xq = _mm512_set1_ps(x[q]);
            const float *p = w + (long)q * BLOCK;
            a0 = _mm512_fmadd_ps(xq, _mm512_loadu_ps(p), a0);
            a1 = _mm512_fmadd_ps(xq, _mm512_loadu_ps(p + 16), a1);
            a2 = _mm512_fmadd_ps(xq, _mm512_loadu_ps(p + 32), a2);
            a3 = _mm512_fmadd_ps(xq, _mm512_loadu_ps(p + 48), a3);
        }
        _mm512_storeu_ps(cb, a0); _mm512_storeu_ps(cb + 16, a1); _mm512_storeu_ps(cb + 32, a2); _mm512_storeu_ps(cb + 48, a3);
    }
}
#endif

void seqlab_stream_product_with(int family, int n, int k, const float *x, const float *packed, float *c, int descending) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if ((family < 0 || family >= 2) && seqlab_kernel_family_id() == 2) {
        stream_avx512(n, k, x, packed, c, descending);
        return;
    }
#endif
    (void)family;
    stream_generic(n, k, x, packed, c, descending);
}

void seqlab_stream_product(int n, int k, const float *x, const float *packed, float *c, int descending) {
    seqlab_stream_product_with(-1, n, k, x, packed, c, descending);
}
