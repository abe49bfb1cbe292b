// Adam: the elementwise update of Networks' Adam in Float, vectorised per CPU (CKernels.h).
#include "CKernels.h"

#include <math.h>

// The arithmetic of Adam.swift's Float loop, operation for operation and without contraction into
// FMAs, so that every family gives the bits of the others (sqrt and division are correctly rounded
// in every instruction set).
#pragma clang fp contract(off)

static void adam_generic(long n, float *w, const float *g, float *m, float *v, const float *k) {
    const float b1 = k[0], c1 = k[1], b2 = k[2], c2 = k[3], lambda = k[4], step = k[5], root = k[6], eps = k[7];
    for (long i = 0; i < n; i++) {
        const float gi = g[i] + lambda * w[i];
        m[i] = b1 * m[i] + c1 * gi;
        v[i] = b2 * v[i] + c2 * gi * gi;
        w[i] -= step * m[i] / (sqrtf(v[i]) / root + eps);
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

__attribute__((target("avx2"))) static void adam_avx2(long n, float *w, const float *g, float *m, float *v, const float *k) {
    const __m256 b1 = _mm256_set1_ps(k[0]), c1 = _mm256_set1_ps(k[1]), b2 = _mm256_set1_ps(k[2]), c2 = _mm256_set1_ps(k[3]);
    const __m256 lambda = _mm256_set1_ps(k[4]), step = _mm256_set1_ps(k[5]), root = _mm256_set1_ps(k[6]), eps = _mm256_set1_ps(k[7]);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 wi = _mm256_loadu_ps(w + i);
        const __m256 gi = _mm256_add_ps(_mm256_loadu_ps(g + i), _mm256_mul_ps(lambda, wi));
        const __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, gi));
        const __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        const __m256 d = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), root), eps);
        _mm256_storeu_ps(w + i, _mm256_sub_ps(wi, _mm256_div_ps(_mm256_mul_ps(step, mi), d)));
    }
    adam_generic(n - i, w + i, g + i, m + i, v + i, k);
}

__attribute__((target("avx512f"))) static void adam_avx512(long n, float *w, const float *g, float *m, float *v, const float *k) {
    const __m512 b1 = _mm512_set1_ps(k[0]), c1 = _mm512_set1_ps(k[1]), b2 = _mm512_set1_ps(k[2]), c2 = _mm512_set1_ps(k[3]);
    const __m512 lambda = _mm512_set1_ps(k[4]), step = _mm512_set1_ps(k[5]), root = _mm512_set1_ps(k[6]), eps = _mm512_set1_ps(k[7]);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 wi = _mm512_loadu_ps(w + i);
        const __m512 gi = _mm512_add_ps(_mm512_loadu_ps(g + i), _mm512_mul_ps(lambda, wi));
        const __m512 mi = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(c1, gi));
        const __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        const __m512 d = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), root), eps);
        _mm512_storeu_ps(w + i, _mm512_sub_ps(wi, _mm512_div_ps(_mm512_mul_ps(step, mi), d)));
    }
    adam_generic(n - i, w + i, g + i, m + i, v + i, k);
}
#endif

void seqlab_adam_update_with(int family, long n, float *w, const float *g, float *m, float *v, const float constants[8]) {
    const int best = seqlab_kernel_family_id();
    const int chosen = family < 0 || family > best ? best : family;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (chosen == 2) { adam_avx512(n, w, g, m, v, constants); return; }
    if (chosen == 1) { adam_avx2(n, w, g, m, v, constants); return; }
#endif
    (void)chosen;
    adam_generic(n, w, g, m, v, constants);
}

void seqlab_adam_update(long n, float *w, const float *g, float *m, float *v, const float constants[8]) {
    seqlab_adam_update_with(-1, n, w, g, m, v, constants);
}
