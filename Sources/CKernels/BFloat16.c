// BFloat16: matrix products with bfloat16 operands and float accumulation, for reduced-precision
// inference (CKernels.h documents the layout). With AVX512-BF16 (vdpbf16ps: 32 products an
// instruction) the products run at about twice the multiply-adds per cycle of float FMAs and read
// half the bytes; with AVX-512F or AVX2 the bfloat16 values are widened to float and multiplied by
// FMAs (half the bytes, float's speed); without those, portable C does the same arithmetic.
#include "CKernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/// float → bfloat16, rounding to nearest even; a NaN stays a (quiet) NaN.
static inline uint16_t round_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static inline float widen_bf16(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

uint16_t seqlab_bf16_from_float(float x) { return round_bf16(x); }

float seqlab_bf16_to_float(uint16_t b) { return widen_bf16(b); }

long seqlab_bf16_packed_count(int rows, int cols) {
    return (long)((rows + 15) / 16) * 16 * (long)((cols + 1) / 2) * 2;
}

static void round_generic(int n, const float *x, uint32_t *pairs);

/// The generic packing, element (r, c) of W at w[r·rs + c·cs], zero beyond rows × cols.
static void pack_generic(int rows, int cols, const float *w, long rs, long cs, uint16_t *packed) {
    const int pairs = (cols + 1) / 2, panels = (rows + 15) / 16;
    for (int pn = 0; pn < panels; pn++)
        for (int q = 0; q < pairs; q++)
            for (int i = 0; i < 16; i++)
                for (int e = 0; e < 2; e++) {
                    const int r = pn * 16 + i, c = 2 * q + e;
                    const float v = r < rows && c < cols ? w[(long)r * rs + (long)c * cs] : 0.0f;
                    packed[(((long)pn * pairs + q) * 16 + i) * 2 + e] = round_bf16(v);
                }
}

static void round_generic(int n, const float *x, uint32_t *pairs) {
    for (int q = 0; 2 * q < n; q++) {
        const uint32_t lo = round_bf16(x[2 * q]), hi = 2 * q + 1 < n ? round_bf16(x[2 * q + 1]) : 0;
        pairs[q] = lo | hi << 16;
    }
}

/// c[r][j] (or 0 when not `accumulate`) + Σ_q w[j][2q+1]·x[r][2q+1], then w[j][2q]·x[r][2q], each
/// added with one rounding (the product of two bfloat16 values is exact in float), in vdpbf16ps's
/// order.
static void gemm_generic(int m, int rows, int cols, const uint32_t *x, int ldx, const uint16_t *packed, float *c, int ldc,
                         int accumulate) {
    const int pairs = (cols + 1) / 2;
    for (int r = 0; r < m; r++)
        for (int j = 0; j < rows; j++) {
            const uint16_t *w = packed + (long)(j / 16) * pairs * 32 + (j % 16) * 2;
            const uint32_t *xr = x + (long)r * ldx;
            float acc = accumulate ? c[(long)r * ldc + j] : 0.0f;
            for (int q = 0; q < pairs; q++) {
                acc = fmaf(widen_bf16(w[q * 32 + 1]), widen_bf16((uint16_t)(xr[q] >> 16)), acc);
                acc = fmaf(widen_bf16(w[q * 32]), widen_bf16((uint16_t)xr[q]), acc);
            }
            c[(long)r * ldc + j] = acc;
        }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include "AVX2Lanes.h"

/// Sixteen floats (as bits) rounded to bfloat16, each in the low half of its lane (the high half 0).
__attribute__((target("avx512f"))) static inline __m512i round_lanes_avx512(__m512i u) {
    const __m512i half = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1);
    const __m512i magnitude = _mm512_set1_epi32(0x7fffffff), infinity = _mm512_set1_epi32(0x7f800000);
    const __m512i quiet = _mm512_set1_epi32(0x40);
    const __m512i rounded = _mm512_srli_epi32(
        _mm512_add_epi32(u, _mm512_add_epi32(half, _mm512_and_si512(_mm512_srli_epi32(u, 16), one))), 16);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, magnitude), infinity);
    return _mm512_mask_blend_epi32(nan, rounded, _mm512_or_si512(_mm512_srli_epi32(u, 16), quiet));
}

__attribute__((target("avx512f"))) static void round_avx512(int n, const float *x, uint32_t *pairs) {
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i out = round_lanes_avx512(_mm512_castps_si512(_mm512_loadu_ps(x + i)));
        _mm256_storeu_si256((__m256i *)(pairs + i / 2), _mm512_cvtepi32_epi16(out));
    }
    if (i < n) round_generic(n - i, x + i, pairs + i / 2);
}

/// seqlab_bf16_pack_transposed with AVX-512F: a panel's pair q is 16 consecutive floats of wt's
/// rows 2q and 2q + 1, rounded and interleaved in one 64-byte store.
__attribute__((target("avx512f"))) static void pack_transposed_avx512(int rows, int cols, const float *wt, int ldwt,
                                                                       uint16_t *packed) {
    const int pairs = (cols + 1) / 2, panels = (rows + 15) / 16;
    for (int pn = 0; pn < panels; pn++) {
        const int left = rows - 16 * pn;
        const __mmask16 mask = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        uint16_t *panel = packed + (long)pn * pairs * 32;
        const float *column = wt + 16 * pn;
        for (int q = 0; q < pairs; q++) {
            const __m512i even = round_lanes_avx512(_mm512_castps_si512(_mm512_maskz_loadu_ps(mask, column + (long)(2 * q) * ldwt)));
            const __m512i odd = 2 * q + 1 < cols
                ? round_lanes_avx512(_mm512_castps_si512(_mm512_maskz_loadu_ps(mask, column + (long)(2 * q + 1) * ldwt)))
                : _mm512_setzero_si512();
            _mm512_storeu_si512((void *)(panel + (long)q * 32), _mm512_or_si512(even, _mm512_slli_epi32(odd, 16)));
        }
    }
}

// One block of R rows of x times N panels of 16 outputs, accumulated into c, or written over it
// when not `accumulate` (the last panel's lanes beyond `rows` masked off). Three versions of the multiply-add, each in vdpbf16ps's order:
// with AVX512-BF16 one vdpbf16ps per panel and row; with AVX-512F or AVX2 the bfloat16 values
// widened to float (a shift or a mask: the even element of a pair is its low half) and two FMAs,
// odd element first, which round as vdpbf16ps's two additions do.
#define BLOCK_HEAD(R, N)                                                                                             \
        __m512 acc[R][N];                                                                                            \
        __mmask16 mask[N];                                                                                           \
        for (int n = 0; n < N; n++) {                                                                                \
            const int left = rows - (j0 + 16 * n);                                                                   \
            mask[n] = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);                                \
            for (int r = 0; r < R; r++)                                                                          \
                acc[r][n] = accumulate ? _mm512_maskz_loadu_ps(mask[n], c + (long)r * ldc + j0 + 16 * n) : _mm512_setzero_ps(); \
        }
#define BLOCK_TAIL(R, N)                                                                                             \
        for (int n = 0; n < N; n++)                                                                                  \
            for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(c + (long)r * ldc + j0 + 16 * n, mask[n], acc[r][n]);
#define BLOCK_ARGS int pairs, const uint32_t *x, int ldx, const uint16_t *panel, long panelSize, float *c, int ldc, int j0, int rows, \
                   int accumulate

#define DEFINE_BLOCK_BF16(R, N)                                                                                      \
    __attribute__((target("avx512f,avx512bf16"))) static inline void bf16_block_##R##_##N(BLOCK_ARGS) {               \
        BLOCK_HEAD(R, N)                                                                                             \
        for (int q = 0; q < pairs; q++) {                                                                            \
            __m512i b[R];                                                                                            \
            for (int r = 0; r < R; r++) b[r] = _mm512_set1_epi32((int)x[(long)r * ldx + q]);                         \
            for (int n = 0; n < N; n++) {                                                                            \
                const __m512i w = _mm512_loadu_si512((const void *)(panel + n * panelSize + (long)q * 32));          \
                for (int r = 0; r < R; r++)                                                                          \
                    acc[r][n] = _mm512_dpbf16_ps(acc[r][n], (__m512bh)w, (__m512bh)b[r]);                            \
            }                                                                                                        \
        }                                                                                                            \
        BLOCK_TAIL(R, N)                                                                                             \
    }

#define DEFINE_BLOCK_F(R, N)                                                                                         \
    __attribute__((target("avx512f"))) static inline void f_block_##R##_##N(BLOCK_ARGS) {                             \
        BLOCK_HEAD(R, N)                                                                                             \
        const __m512i high = _mm512_set1_epi32((int)0xffff0000u);                                                    \
        for (int q = 0; q < pairs; q++) {                                                                            \
            __m512 xe[R], xo[R];                                                                                     \
            for (int r = 0; r < R; r++) {                                                                            \
                const __m512i b = _mm512_set1_epi32((int)x[(long)r * ldx + q]);                                      \
                xe[r] = _mm512_castsi512_ps(_mm512_slli_epi32(b, 16));                                               \
                xo[r] = _mm512_castsi512_ps(_mm512_and_si512(b, high));                                              \
            }                                                                                                        \
            for (int n = 0; n < N; n++) {                                                                            \
                const __m512i w = _mm512_loadu_si512((const void *)(panel + n * panelSize + (long)q * 32));          \
                const __m512 we = _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));                                     \
                const __m512 wo = _mm512_castsi512_ps(_mm512_and_si512(w, high));                                    \
                for (int r = 0; r < R; r++)                                                                          \
                    acc[r][n] = _mm512_fmadd_ps(we, xe[r], _mm512_fmadd_ps(wo, xo[r], acc[r][n]));                   \
            }                                                                                                        \
        }                                                                                                            \
        BLOCK_TAIL(R, N)                                                                                             \
    }

DEFINE_BLOCK_BF16(1, 8)
DEFINE_BLOCK_BF16(1, 4)
DEFINE_BLOCK_BF16(1, 1)
DEFINE_BLOCK_BF16(4, 4)
DEFINE_BLOCK_BF16(4, 1)
DEFINE_BLOCK_F(1, 8)
DEFINE_BLOCK_F(1, 4)
DEFINE_BLOCK_F(1, 1)
DEFINE_BLOCK_F(4, 4)
DEFINE_BLOCK_F(4, 1)

/// R rows of x (from row r) against N panels (from panel n).
#define BLOCK_CALL(prefix, R, N) \
    prefix##_block_##R##_##N(pairs, x + (long)r * ldx, ldx, packed + n * panelSize, panelSize, c + (long)r * ldc, ldc, 16 * n, rows, \
                             accumulate)

/// The blocks over all of c. Four rows or more: four panels at a time outermost (their weights,
/// 32 KB for 256 inputs, stay in L1 while every block of rows reads them, instead of being read
/// again from L2 or L3 for every four rows), the rows four at a time against them (4 × 4 panels;
/// the rest one at a time, 1 × 4), then the panels left one at a time. Fewer rows (batch-1
/// inference): each row against eight panels at a time (1 × 8), then the rest one by one. Every
/// output is one block's sum over all pairs in order, whatever the blocking. (Rows outermost, as
/// before, trained a 2×256 BLSTM in mixed precision as fast on a Zen 5: 46,068–46,315 frames/s
/// against 45,178–47,282 this way, two runs each; the panels-first order is kept for the reuse.)
#define DEFINE_GEMM(prefix, attributes)                                                                              \
    attributes static void prefix##_gemm(int m, int rows, int cols, const uint32_t *x, int ldx, const uint16_t *packed, \
                                         float *c, int ldc, int accumulate) {                                        \
        const int pairs = (cols + 1) / 2, panels = (rows + 15) / 16;                                                 \
        const long panelSize = (long)pairs * 32;                                                                     \
        if (m < 4) {                                                                                                 \
            for (int r = 0; r < m; r++) {                                                                            \
                int n = 0;                                                                                           \
                for (; n + 8 <= panels; n += 8) BLOCK_CALL(prefix, 1, 8);                                            \
                for (; n < panels; n++) BLOCK_CALL(prefix, 1, 1);                                                    \
            }                                                                                                        \
            return;                                                                                                  \
        }                                                                                                            \
        int n = 0;                                                                                                   \
        for (; n + 4 <= panels; n += 4) {                                                                            \
            int r = 0;                                                                                               \
            for (; r + 4 <= m; r += 4) BLOCK_CALL(prefix, 4, 4);                                                     \
            for (; r < m; r++) BLOCK_CALL(prefix, 1, 4);                                                             \
        }                                                                                                            \
        for (; n < panels; n++) {                                                                                    \
            int r = 0;                                                                                               \
            for (; r + 4 <= m; r += 4) BLOCK_CALL(prefix, 4, 1);                                                     \
            for (; r < m; r++) BLOCK_CALL(prefix, 1, 1);                                                             \
        }                                                                                                            \
    }

DEFINE_GEMM(bf16, __attribute__((target("avx512f,avx512bf16"))))
DEFINE_GEMM(f, __attribute__((target("avx512f"))))

/// The lanes of c's 8-lane half h of panel n that lie below `rows`; `full` when all 8 do.
__attribute__((target("avx2"))) static inline __m256i avx2_half_mask(int rows, int n, int h, int *full) {
    const int left = rows - (16 * n + 8 * h);
    *full = left >= 8;
    return avx2_lanes_below(left);
}

/// AVX2: a 16-output panel is two 8-lane halves, the bfloat16 values widened as above. Rows of x
/// four at a time against one panel, the panels outermost (a panel's weights, widened once for
/// four rows, stay in L1 while every block of rows reads them); the rest of the rows one at a time
/// against four panels.
__attribute__((target("avx2,fma"))) static void avx2_gemm(int m, int rows, int cols, const uint32_t *x, int ldx,
                                                         const uint16_t *packed, float *c, int ldc, int accumulate) {
    const int pairs = (cols + 1) / 2, panels = (rows + 15) / 16, m4 = m - m % 4;
    const long panelSize = (long)pairs * 32;
    const __m256i high = _mm256_set1_epi32((int)0xffff0000u);
    for (int n = 0; n < panels && m4 > 0; n++) {
        int full0, full1;
        const __m256i mask0 = avx2_half_mask(rows, n, 0, &full0), mask1 = avx2_half_mask(rows, n, 1, &full1);
        const uint16_t *panel = packed + n * panelSize;
        for (int r = 0; r < m4; r += 4) {
            __m256 acc[4][2];
            for (int i = 0; i < 4; i++) {
                float *cr = c + (long)(r + i) * ldc + 16 * n;
                acc[i][0] = accumulate ? AVX2_LOAD_LANES(cr, mask0, full0) : _mm256_setzero_ps();
                acc[i][1] = accumulate ? AVX2_LOAD_LANES(cr + 8, mask1, full1) : _mm256_setzero_ps();
            }
            for (int q = 0; q < pairs; q++) {
                const __m256i w0 = _mm256_loadu_si256((const __m256i *)(panel + (long)q * 32));
                const __m256i w1 = _mm256_loadu_si256((const __m256i *)(panel + (long)q * 32 + 16));
                const __m256 we0 = _mm256_castsi256_ps(_mm256_slli_epi32(w0, 16)), wo0 = _mm256_castsi256_ps(_mm256_and_si256(w0, high));
                const __m256 we1 = _mm256_castsi256_ps(_mm256_slli_epi32(w1, 16)), wo1 = _mm256_castsi256_ps(_mm256_and_si256(w1, high));
                for (int i = 0; i < 4; i++) {
                    const __m256i b = _mm256_set1_epi32((int)x[(long)(r + i) * ldx + q]);
                    const __m256 xe = _mm256_castsi256_ps(_mm256_slli_epi32(b, 16));
                    const __m256 xo = _mm256_castsi256_ps(_mm256_and_si256(b, high));
                    acc[i][0] = _mm256_fmadd_ps(we0, xe, _mm256_fmadd_ps(wo0, xo, acc[i][0]));
                    acc[i][1] = _mm256_fmadd_ps(we1, xe, _mm256_fmadd_ps(wo1, xo, acc[i][1]));
                }
            }
            for (int i = 0; i < 4; i++) {
                float *cr = c + (long)(r + i) * ldc + 16 * n;
                AVX2_STORE_LANES(cr, mask0, full0, acc[i][0]);
                AVX2_STORE_LANES(cr + 8, mask1, full1, acc[i][1]);
            }
        }
    }
    for (int r = m4; r < m; r++) {
        const uint32_t *xr = x + (long)r * ldx;
        float *cr = c + (long)r * ldc;
        for (int n0 = 0; n0 < panels; n0 += 4) {
            const int N = panels - n0 < 4 ? panels - n0 : 4;
            __m256 acc[8];
            __m256i mask[8];
            int full[8];
            for (int h = 0; h < 2 * N; h++) {
                mask[h] = avx2_half_mask(rows, n0 + h / 2, h % 2, &full[h]);
                acc[h] = accumulate ? AVX2_LOAD_LANES(cr + 16 * n0 + 8 * h, mask[h], full[h]) : _mm256_setzero_ps();
            }
            for (int q = 0; q < pairs; q++) {
                const __m256i b = _mm256_set1_epi32((int)xr[q]);
                const __m256 xe = _mm256_castsi256_ps(_mm256_slli_epi32(b, 16));
                const __m256 xo = _mm256_castsi256_ps(_mm256_and_si256(b, high));
                for (int h = 0; h < 2 * N; h++) {
                    const __m256i w = _mm256_loadu_si256((const __m256i *)(packed + (n0 + h / 2) * panelSize + (long)q * 32 + 16 * (h % 2)));
                    const __m256 we = _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
                    const __m256 wo = _mm256_castsi256_ps(_mm256_and_si256(w, high));
                    acc[h] = _mm256_fmadd_ps(we, xe, _mm256_fmadd_ps(wo, xo, acc[h]));
                }
            }
            for (int h = 0; h < 2 * N; h++) AVX2_STORE_LANES(cr + 16 * n0 + 8 * h, mask[h], full[h], acc[h]);
        }
    }
}

int seqlab_bf16_family_id(void) {
    static volatile int chosen = -1;   // a benign race: every thread computes the same value
    if (chosen < 0) {
        __builtin_cpu_init();
        chosen = seqlab_isa_cap(!__builtin_cpu_supports("avx512f") ? ((__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0)
                                : __builtin_cpu_supports("avx512bf16") ? 3 : 2);
    }
    return chosen;
}
#else
int seqlab_bf16_family_id(void) { return 0; }
#endif

const char *seqlab_bf16_family(void) {
    static const char *names[] = {"generic", "avx2", "avx512", "avx512bf16"};
    return names[seqlab_bf16_family_id()];
}

int seqlab_bf16_available(int family) {
    const int best = seqlab_bf16_family_id();
    // AVX2 is there whenever AVX-512F is, on every CPU that has both.
    return family >= 0 && family <= best;
}

static int pick_bf16(int family) {
    const int best = seqlab_bf16_family_id();
    return family < 0 || family > best ? best : family;
}

void seqlab_bf16_round_with(int family, int n, const float *x, uint32_t *pairs) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (pick_bf16(family) >= 2) { round_avx512(n, x, pairs); return; }
#endif
    (void)family;
    round_generic(n, x, pairs);
}

void seqlab_bf16_gemm_with(int family, int m, int rows, int cols, const uint32_t *x, int ldx, const uint16_t *packed, float *c,
                           int ldc, int accumulate) {
    switch (pick_bf16(family)) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case 3: bf16_gemm(m, rows, cols, x, ldx, packed, c, ldc, accumulate); return;
    case 2: f_gemm(m, rows, cols, x, ldx, packed, c, ldc, accumulate); return;
    case 1: avx2_gemm(m, rows, cols, x, ldx, packed, c, ldc, accumulate); return;
#endif
    default: gemm_generic(m, rows, cols, x, ldx, packed, c, ldc, accumulate);
    }
}

void seqlab_bf16_round(int n, const float *x, uint32_t *pairs) { seqlab_bf16_round_with(-1, n, x, pairs); }

void seqlab_bf16_gemm(int m, int rows, int cols, const uint32_t *x, int ldx, const uint16_t *packed, float *c, int ldc,
                      int accumulate) {
    seqlab_bf16_gemm_with(-1, m, rows, cols, x, ldx, packed, c, ldc, accumulate);
}

void seqlab_bf16_pack(int rows, int cols, const float *w, int ldw, uint16_t *packed) {
    // Each row rounded into pairs (vectorised where the CPU allows), then its pairs spread over
    // its panel, 64 bytes apart; the rows padding the last panel are zero.
    const int pairs = (cols + 1) / 2, panels = (rows + 15) / 16;
    if (rows % 16 != 0) memset(packed + (long)(panels - 1) * pairs * 32, 0, (size_t)pairs * 64);
    uint32_t *row = malloc((size_t)pairs * sizeof *row);
    if (row == NULL) { pack_generic(rows, cols, w, ldw, 1, packed); return; }
    for (int r = 0; r < rows; r++) {
        seqlab_bf16_round(cols, w + (long)r * ldw, row);
        uint16_t *out = packed + (long)(r / 16) * pairs * 32 + (r % 16) * 2;
        for (int q = 0; q < pairs; q++) memcpy(out + (long)q * 32, row + q, sizeof *row);
    }
    free(row);
}

void seqlab_bf16_pack_transposed_with(int family, int rows, int cols, const float *wt, int ldwt, uint16_t *packed) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (pick_bf16(family) >= 2) { pack_transposed_avx512(rows, cols, wt, ldwt, packed); return; }
#endif
    (void)family;
    pack_generic(rows, cols, wt, 1, ldwt, packed);
}

void seqlab_bf16_pack_transposed(int rows, int cols, const float *wt, int ldwt, uint16_t *packed) {
    seqlab_bf16_pack_transposed_with(-1, rows, cols, wt, ldwt, packed);
}

void seqlab_bf16_gemm_unpacked(int m, int n, int k, const uint32_t *x, int ldx, const float *y, int ldy, int kc,
                               uint16_t *scratch, float *c, int ldc, int accumulate) {
    for (int k0 = 0; k0 < k; k0 += kc) {
        const int count = k - k0 < kc ? k - k0 : kc;
        seqlab_bf16_pack_transposed(n, count, y + (long)k0 * ldy, ldy, scratch);
        seqlab_bf16_gemm(m, n, count, x + k0 / 2, ldx, scratch, c, ldc, accumulate || k0 > 0);
    }
}
