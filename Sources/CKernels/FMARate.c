// FMARate: the single-precision multiply-add rate one core sustains, for bench-networks to state
// how close the products come to it. Ten independent chains of 8-wide FMAs (AVX2 + FMA; the
// latency of an FMA being four or five cycles, ten chains keep two FMA units busy), or, without
// them, the portable loop the compiler makes of the same chains.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static float fma_chains_avx2(long iterations) {
    __m256 acc[10];
    for (int i = 0; i < 10; i++) acc[i] = _mm256_set1_ps(0.01f * (float)i);
    const __m256 b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.001f);
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 10; i++) acc[i] = _mm256_fmadd_ps(acc[i], b, c);
    float sum = 0;
    for (int i = 0; i < 10; i++) {
        float lanes[8];
        _mm256_storeu_ps(lanes, acc[i]);
        for (int l = 0; l < 8; l++) sum += lanes[l];
    }
    return sum;
}
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

float seqlab_fma_chains(long iterations) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (seqlab_panels_family_id() == 1) return fma_chains_avx2(iterations);
#endif
    return fma_chains_generic(iterations);
}
