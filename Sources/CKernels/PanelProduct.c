// PanelProduct: c (+)= x·Wᵀ with W packed once into panels of 16 outputs, for the per-frame
// products of recurrent layers on CPUs without AVX-512 (CKernels.h documents the layout). There a
// frame's product, 16 × 256 · 256 × 1,024, runs on OpenBLAS's sgemm, which packs the weights again on
// every call (a fifth of a training step went to its copy routines on a Zen 3), or on libxsmm
// 1.17, whose AVX2 kernels reach half OpenBLAS's rate; packed once per pass, the weights are read
// by a 6 × 16 register-blocked FMA kernel (AVX2), or by portable C with the same sums in the same order.
#include "CKernels.h"

long seqlab_panels_count(int n, int k) { return (long)((n + 15) / 16) * 16 * (long)k; }

void seqlab_panels_pack(int n, int k, const float *w, long rowStride, long colStride, float *packed) {
    const int panels = (n + 15) / 16;
    for (int p = 0; p < panels; p++) {
        float *panel = packed + (long)p * k * 16;
        if (colStride == 1) {
            // W row-major: each of the panel's rows read along its length (the panel, k × 64 bytes,
            // stays in cache while its 16 columns fill).
            for (int i = 0; i < 16; i++) {
                const long j = (long)p * 16 + i;
                if (j < n) {
                    const float *row = w + j * rowStride;
                    for (int q = 0; q < k; q++) panel[(long)q * 16 + i] = row[q];
                } else {
                    for (int q = 0; q < k; q++) panel[(long)q * 16 + i] = 0.0f;
                }
            }
        } else {
            // Wᵀ of a row-major matrix: the 16 values of a panel row lie side by side in w.
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
                           int accumulate) {
    for (int r = 0; r < m; r++)
        for (int j = 0; j < n; j++) {
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

/// Panel by panel (its k × 16 weights stay in L1 or L2 while every row reads them), rows six at a time.
__attribute__((target("avx2,fma"))) static void panels_avx2(int m, int n, int k, const float *x, int ldx, const float *packed,
                                                           float *c, int ldc, int accumulate) {
    const int panels = (n + 15) / 16;
    for (int p = 0; p < panels; p++) {
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
}

#endif

/// AVX2 and FMA, by the cell kernels' CPU check (seqlab_kernel_family_id: 1 for them, 2 for AVX-512,
/// whose CPUs have them too; 0 off x86-64).
int seqlab_panels_family_id(void) { return seqlab_kernel_family_id() >= 1; }

void seqlab_panels_gemm_with(int family, int m, int n, int k, const float *x, int ldx, const float *packed, float *c, int ldc,
                             int accumulate) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    const int best = seqlab_panels_family_id();
    if ((family < 0 || family > best ? best : family) == 1) {
        panels_avx2(m, n, k, x, ldx, packed, c, ldc, accumulate);
        return;
    }
#endif
    (void)family;
    panels_generic(m, n, k, x, ldx, packed, c, ldc, accumulate);
}

void seqlab_panels_gemm(int m, int n, int k, const float *x, int ldx, const float *packed, float *c, int ldc, int accumulate) {
    seqlab_panels_gemm_with(-1, m, n, k, x, ldx, packed, c, ldc, accumulate);
}
