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

// One vector loop per instruction set: V the vector type, P the intrinsics' prefix, L the lanes.
#define DEFINE_ADAM(suffix, isa, V, P, L)                                                                        \
    __attribute__((target(isa))) static void adam_##suffix(long n, float *w, const float *g, float *m, float *v, \
                                                          const float *k) {                                     \
        const V b1 = P##_set1_ps(k[0]), c1 = P##_set1_ps(k[1]), b2 = P##_set1_ps(k[2]), c2 = P##_set1_ps(k[3]);  \
        const V lambda = P##_set1_ps(k[4]), step = P##_set1_ps(k[5]), root = P##_set1_ps(k[6]);                  \
        const V eps = P##_set1_ps(k[7]);                                                                         \
        long i = 0;                                                                                              \
        for (; i + L <= n; i += L) {                                                                             \
            const V wi = P##_loadu_ps(w + i);                                                                    \
            const V gi = P##_add_ps(P##_loadu_ps(g + i), P##_mul_ps(lambda, wi));                                \
            const V mi = P##_add_ps(P##_mul_ps(b1, P##_loadu_ps(m + i)), P##_mul_ps(c1, gi));                    \
            const V vi = P##_add_ps(P##_mul_ps(b2, P##_loadu_ps(v + i)), P##_mul_ps(P##_mul_ps(c2, gi), gi));    \
            P##_storeu_ps(m + i, mi);                                                                            \
            P##_storeu_ps(v + i, vi);                                                                            \
            const V d = P##_add_ps(P##_div_ps(P##_sqrt_ps(vi), root), eps);                                      \
            P##_storeu_ps(w + i, P##_sub_ps(wi, P##_div_ps(P##_mul_ps(step, mi), d)));                           \
        }                                                                                                        \
        adam_generic(n - i, w + i, g + i, m + i, v + i, k);                                                      \
    }

DEFINE_ADAM(avx2, "avx2", __m256, _mm256, 8)
DEFINE_ADAM(avx512, "avx512f", __m512, _mm512, 16)
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
