// AVX2Lanes: the lane masks and partial loads and stores the AVX2 kernels share (BFloat16.c,
// PanelProduct.c, LSTMCell.c). Include after <immintrin.h>, on x86-64 only.
#ifndef SEQLAB_AVX2_LANES_H
#define SEQLAB_AVX2_LANES_H

/// The mask of the first `count` of 8 float lanes (none for count ≤ 0, all for count ≥ 8).
__attribute__((target("avx2"))) static inline __m256i avx2_lanes_below(int count) {
    int lanes[8];
    for (int l = 0; l < 8; l++) lanes[l] = l < count ? -1 : 0;
    return _mm256_loadu_si256((const __m256i *)lanes);
}

// 8 floats loaded and stored plainly when all lanes are wanted (`full`), else masked: AMD's masked
// stores are microcoded and slow, so only a partial vector takes them.
#define AVX2_LOAD_LANES(p, mask, full) ((full) ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), (mask)))
#define AVX2_STORE_LANES(p, mask, full, v) \
    do { if (full) _mm256_storeu_ps((p), (v)); else _mm256_maskstore_ps((p), (mask), (v)); } while (0)

#endif
