// FMARate: the single-precision multiply-add rate one core sustains, for bench-networks to state
// how close the products come to it. Ten independent chains of FMAs as wide as the panel product's
// (16 lanes with AVX-512, 8 with AVX2 + FMA; the latency of an FMA being four or five cycles, ten
// chains keep two FMA units busy), or, without them, the portable loop the compiler makes of
// 8-lane chains.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

/// Ten chains of `type` vectors a ← a·0.999 + 0.001, returning the sum of every lane.
#define DEFINE_CHAINS(name, isa, type, set1, fmadd, reduce)                                                             \
    __attribute__((target(isa))) static float name(long iterations) {                                                \
        type acc[10];                                                                                                \
        for (int i = 0; i < 10; i++) acc[i] = set1(0.01f * (float)i);                                                \
        const type b = set1(0.999f), c = set1(0.001f);                                                               \
        for (long n = 0; n < iterations; n++)                                                                        \
            for (int i = 0; i < 10; i++) acc[i] = fmadd(acc[i], b, c);                                               \
        float sum = 0;                                                                                               \
        for (int i = 0; i < 10; i++) sum += reduce(acc[i]);                                                          \
        return sum;                                                                                                  \
    }

__attribute__((target("avx2,fma"))) static inline float sum_avx2(__m256 v) {
    float lanes[8], sum = 0;
    _mm256_storeu_ps(lanes, v);
    for (int l = 0; l < 8; l++) sum += lanes[l];
    return sum;
}

DEFINE_CHAINS(fma_chains_avx2, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, sum_avx2)
DEFINE_CHAINS(fma_chains_avx512, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_reduce_add_ps)
#endif

static float fma_chains_generic(long iterations) {
    float acc[80];
    for (int i = 0; i < 80; i++) acc[i] = 0.01f * (float)(i / 8);
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 80; i++) acc[i] = __builtin_fmaf(acc[i], 0.999f, 0.001f);
    float sum = 0;
    for (int i = 0; i < 80; i++) sum += acc[i];
    return sum;
}

int seqlab_fma_lanes(void) { return seqlab_panels_family_id() == 2 ? 16 : 8; }

float seqlab_fma_chains(long iterations) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (seqlab_panels_family_id() == 2) return fma_chains_avx512(iterations);
    if (seqlab_panels_family_id() == 1) return fma_chains_avx2(iterations);
#endif
    return fma_chains_generic(iterations);
}
