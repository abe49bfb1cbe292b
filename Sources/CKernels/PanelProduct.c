// PanelProduct: c (+)= x·Wᵀ with W packed once into panels of 16 outputs, for the per-frame
// products of recurrent layers (CKernels.h documents the layout). Otherwise a frame's product,
// 16 × 256 · 256 × 1,024, runs on OpenBLAS's sgemm, which packs the weights again on every call (a
// fifth of a training step went to its copy routines on a Zen 3), or on libxsmm 1.17, whose AVX2
// kernels reach half OpenBLAS's rate and whose AVX-512 ones 75% of a Zen 5's FMA peak; packed once
// per pass, the weights are read by an 8 × 3-panel register-blocked FMA kernel (AVX-512), a 6 × 16
// one (AVX2), or by portable C, with the same sums in the same order.
#include "CKernels.h"

#include <string.h>

long seqlab_panels_count(int n, int k) { return (long)((n + 15) / 16) * 16 * (long)k; }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
/// dst[q·16 + i] = src[i·ld + q] for q, i < 16: 16 rows of a row-major matrix, 16 columns wide,
/// into 16 rows of a panel, by unpacks and 128-bit lane shuffles in registers.
__attribute__((target("avx512f"))) static void transpose_16x16(const float *src, long ld, float *dst) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + i * ld);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
        const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
    for (int q = 0; q < 16; q++) _mm512_storeu_ps(dst + q * 16, r[q]);
}
#endif

void seqlab_panels_pack(int n, int k, const float *w, long rowStride, long colStride, float *packed) {
    const int panels = (n + 15) / 16;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    const int transposes = seqlab_kernel_family_id() == 2;
#else
    const int transposes = 0;
#endif
    for (int p = 0; p < panels; p++) {
        float *panel = packed + (long)p * k * 16;
        const int whole = (long)p * 16 + 16 <= n;
        if (colStride == 1) {
            // W row-major: a whole panel 16 × 16 at a time in registers (AVX-512; a 1,024 × 512 matrix
            // 0.136 → 0.039 ms on a Zen 5, best of 20), else each of the panel's rows read along its length (the
            // panel, k × 64 bytes, stays in cache while its 16 columns fill).
            int q0 = 0;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
            if (transposes && whole)
                for (; q0 + 16 <= k; q0 += 16) transpose_16x16(w + (long)p * 16 * rowStride + q0, rowStride, panel + (long)q0 * 16);
#endif
            for (int i = 0; i < 16; i++) {
                const long j = (long)p * 16 + i;
                if (j < n) {
                    const float *row = w + j * rowStride;
                    for (int q = q0; q < k; q++) panel[(long)q * 16 + i] = row[q];
                } else {
                    for (int q = q0; q < k; q++) panel[(long)q * 16 + i] = 0.0f;
                }
            }
        } else if (rowStride == 1 && whole) {
            // Wᵀ of a row-major matrix: the 16 values of a panel row lie side by side in w.
            for (int q = 0; q < k; q++) memcpy(panel + (long)q * 16, w + (long)p * 16 + (long)q * colStride, 16 * sizeof(float));
        } else {
            for (int q = 0; q < k; q++)
                for (int i = 0; i < 16; i++) {
                    const long j = (long)p * 16 + i;
                    panel[(long)q * 16 + i] = j < n ? w[j * rowStride + (long)q * colStride] : 0.0f;
                }
        }
    }
}

/// The sums of every family: c[r][j] (or 0) plus x[r][q]·w[j][q] for q = 0, 1, …, each by one FMA.
static void panels_generic(int m, int n, int k, const float *x, int ldx, const float *packed, float *c, int ldc,
                           int accumulate, int descending) {
    for (int r = 0; r < m; r++)
        for (int i = 0; i < n; i++) {
            const int j = descending ? n - 1 - i : i;
            const float *w = packed + (long)(j / 16) * k * 16 + j % 16;
            float acc = accumulate ? c[(long)r * ldc + j] : 0.0f;
            for (int q = 0; q < k; q++) acc = __builtin_fmaf(x[(long)r * ldx + q], w[(long)q * 16], acc);
            c[(long)r * ldc + j] = acc;
        }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include "AVX2Lanes.h"

/// R rows of x against one panel (16 outputs; c loaded and stored plainly for a whole panel, and for
/// a last partial one (`full` 0) masked by m0, m1, the lanes beyond neither read nor written).
#define DEFINE_PANEL_KERNEL(R)                                                                                       \
    __attribute__((target("avx2,fma"))) static inline void panel_kernel_##R(                                        \
        int k, const float *x, int ldx, const float *panel, float *c, int ldc, __m256i m0, __m256i m1, int full,     \
        int accumulate) {                                                                                            \
        __m256 a0[R], a1[R];                                                                                         \
        for (int r = 0; r < R; r++) {                                                                                \
            a0[r] = accumulate ? AVX2_LOAD_LANES(c + (long)r * ldc, m0, full) : _mm256_setzero_ps();                      \
            a1[r] = accumulate ? AVX2_LOAD_LANES(c + (long)r * ldc + 8, m1, full) : _mm256_setzero_ps();                  \
        }                                                                                                            \
        for (int q = 0; q < k; q++) {                                                                                \
            const __m256 b0 = _mm256_loadu_ps(panel + (long)q * 16), b1 = _mm256_loadu_ps(panel + (long)q * 16 + 8); \
            for (int r = 0; r < R; r++) {                                                                            \
                const __m256 a = _mm256_broadcast_ss(x + (long)r * ldx + q);                                          \
                a0[r] = _mm256_fmadd_ps(a, b0, a0[r]);                                                               \
                a1[r] = _mm256_fmadd_ps(a, b1, a1[r]);                                                               \
            }                                                                                                        \
        }                                                                                                            \
        for (int r = 0; r < R; r++) {                                                                                \
            AVX2_STORE_LANES(c + (long)r * ldc, m0, full, a0[r]);                                                         \
            AVX2_STORE_LANES(c + (long)r * ldc + 8, m1, full, a1[r]);                                                     \
        }                                                                                                            \
    }

DEFINE_PANEL_KERNEL(6)
DEFINE_PANEL_KERNEL(5)
DEFINE_PANEL_KERNEL(4)
DEFINE_PANEL_KERNEL(3)
DEFINE_PANEL_KERNEL(2)
DEFINE_PANEL_KERNEL(1)

/// One row of x against four whole panels, eight accumulators: the two of panel_kernel_1 leave the
/// FMA units waiting on each other's latency, which at batch 1 (one row, W_hh 1,024 × 256) made the
/// step 14.0 µs against OpenBLAS's Haswell sgemv's 9.3 (a Zen 5 core running AVX2, timed in C).
__attribute__((target("avx2,fma"))) static inline void panel_row_4(int k, const float *x, const float *panel, long panelSize,
                                                                   float *c, int accumulate) {
    __m256 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = accumulate ? _mm256_loadu_ps(c + 8 * v) : _mm256_setzero_ps();
    for (int q = 0; q < k; q++) {
        const __m256 a = _mm256_broadcast_ss(x + q);
        for (int p = 0; p < 4; p++) {
            acc[2 * p] = _mm256_fmadd_ps(a, _mm256_loadu_ps(panel + p * panelSize + (long)q * 16), acc[2 * p]);
            acc[2 * p + 1] = _mm256_fmadd_ps(a, _mm256_loadu_ps(panel + p * panelSize + (long)q * 16 + 8), acc[2 * p + 1]);
        }
    }
    for (int v = 0; v < 8; v++) _mm256_storeu_ps(c + 8 * v, acc[v]);
}

/// Panel by panel (its k × 16 weights stay in L1 or L2 while every row reads them), rows six at a
/// time; a single row four whole panels at a time first (last when descending).
__attribute__((target("avx2,fma"))) static void panels_avx2(int m, int n, int k, const float *x, int ldx, const float *packed,
                                                           float *c, int ldc, int accumulate, int descending) {
    const int panels = (n + 15) / 16, fours = m == 1 ? n / 16 / 4 : 0;
    if (!descending)
        for (int f = 0; f < fours; f++)
            panel_row_4(k, x, packed + (long)4 * f * k * 16, (long)k * 16, c + 64 * f, accumulate);
    for (int i = 4 * fours; i < panels; i++) {
        const int p = descending ? panels - 1 - (i - 4 * fours) : i;
        const int cols = n - 16 * p < 16 ? n - 16 * p : 16, full = cols == 16;
        const __m256i m0 = avx2_lanes_below(cols), m1 = avx2_lanes_below(cols - 8);
        const float *panel = packed + (long)p * k * 16;
        float *cp = c + 16 * p;
        int r = 0;
        for (; r + 6 <= m; r += 6) panel_kernel_6(k, x + (long)r * ldx, ldx, panel, cp + (long)r * ldc, ldc, m0, m1, full, accumulate);
        const float *xr = x + (long)r * ldx;
        float *cr = cp + (long)r * ldc;
        switch (m - r) {
        case 5: panel_kernel_5(k, xr, ldx, panel, cr, ldc, m0, m1, full, accumulate); break;
        case 4: panel_kernel_4(k, xr, ldx, panel, cr, ldc, m0, m1, full, accumulate); break;
        case 3: panel_kernel_3(k, xr, ldx, panel, cr, ldc, m0, m1, full, accumulate); break;
        case 2: panel_kernel_2(k, xr, ldx, panel, cr, ldc, m0, m1, full, accumulate); break;
        case 1: panel_kernel_1(k, xr, ldx, panel, cr, ldc, m0, m1, full, accumulate); break;
        default: break;
        }
    }
    if (descending)
        for (int f = fours - 1; f >= 0; f--)
            panel_row_4(k, x, packed + (long)4 * f * k * 16, (long)k * 16, c + 64 * f, accumulate);
}

/// AVX-512: a panel's 16 outputs are one register. R rows of x against NP whole panels (R × NP
/// accumulators, each weight vector loaded once for R rows, each x value broadcast once for NP
/// panels); for NP = 1 the panel may be a last partial one, its lanes beyond `lanes` neither read
/// nor written.
#define DEFINE_PANEL512_KERNEL(R, NP)                                                                                \
    __attribute__((target("avx512f"))) static inline void panel512_##R##_##NP(                                      \
        int k, const float *x, int ldx, const float *panel, long panelSize, float *c, int ldc, __mmask16 lanes,       \
        int accumulate) {                                                                                            \
        __m512 acc[R][NP];                                                                                           \
        for (int r = 0; r < R; r++)                                                                                  \
            for (int n = 0; n < NP; n++)                                                                             \
                acc[r][n] = accumulate ? _mm512_maskz_loadu_ps(lanes, c + (long)r * ldc + 16 * n) : _mm512_setzero_ps(); \
        for (int q = 0; q < k; q++) {                                                                                \
            __m512 w[NP];                                                                                            \
            for (int n = 0; n < NP; n++) w[n] = _mm512_loadu_ps(panel + n * panelSize + (long)q * 16);              \
            for (int r = 0; r < R; r++) {                                                                            \
                const __m512 a = _mm512_set1_ps(x[(long)r * ldx + q]);                                               \
                for (int n = 0; n < NP; n++) acc[r][n] = _mm512_fmadd_ps(a, w[n], acc[r][n]);                        \
            }                                                                                                        \
        }                                                                                                            \
        for (int r = 0; r < R; r++)                                                                                  \
            for (int n = 0; n < NP; n++) _mm512_mask_storeu_ps(c + (long)r * ldc + 16 * n, lanes, acc[r][n]);       \
    }

DEFINE_PANEL512_KERNEL(1, 4)
DEFINE_PANEL512_KERNEL(8, 3)
DEFINE_PANEL512_KERNEL(4, 3)
DEFINE_PANEL512_KERNEL(2, 3)
DEFINE_PANEL512_KERNEL(1, 3)
DEFINE_PANEL512_KERNEL(8, 1)
DEFINE_PANEL512_KERNEL(4, 1)
DEFINE_PANEL512_KERNEL(2, 1)
DEFINE_PANEL512_KERNEL(1, 1)

/// Every row of x against NP panels from `first`: eight rows at a time, then four, two and one.
#define PANEL512_ROWS(NP, lanes)                                                                                     \
    {                                                                                                                \
        const float *panel = packed + (long)first * panelSize;                                                       \
        float *cp = c + 16 * first;                                                                                  \
        int r = 0;                                                                                                   \
        for (; r + 8 <= m; r += 8) panel512_8_##NP(k, x + (long)r * ldx, ldx, panel, panelSize, cp + (long)r * ldc, ldc, lanes, accumulate); \
        if (r + 4 <= m) { panel512_4_##NP(k, x + (long)r * ldx, ldx, panel, panelSize, cp + (long)r * ldc, ldc, lanes, accumulate); r += 4; } \
        if (r + 2 <= m) { panel512_2_##NP(k, x + (long)r * ldx, ldx, panel, panelSize, cp + (long)r * ldc, ldc, lanes, accumulate); r += 2; } \
        if (r < m) panel512_1_##NP(k, x + (long)r * ldx, ldx, panel, panelSize, cp + (long)r * ldc, ldc, lanes, accumulate); \
    }

/// Three panels at a time outermost (their weights, 48 KB for k = 256, read from L2 once while every
/// row passes over them), a single row four at a time, then the whole panels left one at a time,
/// then a last partial panel; or all in the reverse order, when descending. 8 × 3 blocks: on a Zen 5
/// core, 16 × 256 · 256 × 1,024 a frame at 250 GFLOP/s against libxsmm 1.17's 216 (a pass of 200
/// frames, timed in C; the FMA peak 288). 1 × 4: a batch-1 step, 1 × 256 · 256 × 1,024 in
/// alternating order, 5.9–6.1 µs against 1 × 3's 6.3–6.6 (timed in C; the same sums).
__attribute__((target("avx512f"))) static void panels_avx512(int m, int n, int k, const float *x, int ldx, const float *packed,
                                                              float *c, int ldc, int accumulate, int descending) {
    const int whole = n / 16, partial = n % 16, width = m == 1 ? 4 : 3, grouped = whole / width * width;
    const long panelSize = (long)k * 16;
    const __mmask16 all = (__mmask16)0xffff, lanes = (__mmask16)((1u << partial) - 1);
    // `width` whole panels from `first`: one row against four, or every row against three.
#define PANEL512_GROUP                                                                                               \
    if (m == 1) panel512_1_4(k, x, ldx, packed + (long)first * panelSize, panelSize, c + 16 * first, ldc, all, accumulate); \
    else PANEL512_ROWS(3, all)
    int first;
    if (!descending) {
        for (first = 0; first < grouped; first += width) { PANEL512_GROUP }
        for (; first < whole; first++) PANEL512_ROWS(1, all)
        if (partial) PANEL512_ROWS(1, lanes)
    } else {
        first = whole;
        if (partial) PANEL512_ROWS(1, lanes)
        for (first = whole - 1; first >= grouped; first--) PANEL512_ROWS(1, all)
        for (first = grouped - width; first >= 0; first -= width) { PANEL512_GROUP }
    }
#undef PANEL512_GROUP
}

#endif

/// 2 with AVX-512F, 1 with AVX2 and FMA, by the cell kernels' CPU check (seqlab_kernel_family_id);
/// 0 otherwise (portable C).
int seqlab_panels_family_id(void) { return seqlab_kernel_family_id(); }

void seqlab_panels_gemm_with(int family, int m, int n, int k, const float *x, int ldx, const float *packed, float *c, int ldc,
                             int accumulate, int descending) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    const int best = seqlab_panels_family_id(), chosen = family < 0 || family > best ? best : family;
    if (chosen == 2) {
        panels_avx512(m, n, k, x, ldx, packed, c, ldc, accumulate, descending);
        return;
    }
    if (chosen == 1) {
        panels_avx2(m, n, k, x, ldx, packed, c, ldc, accumulate, descending);
        return;
    }
#endif
    (void)family;
    panels_generic(m, n, k, x, ldx, packed, c, ldc, accumulate, descending);
}

void seqlab_panels_gemm(int m, int n, int k, const float *x, int ldx, const float *packed, float *c, int ldc, int accumulate,
                        int descending) {
    seqlab_panels_gemm_with(-1, m, n, k, x, ldx, packed, c, ldc, accumulate, descending);
}
