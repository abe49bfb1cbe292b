// LaneFFT: an in-place radix-2² real FFT and power spectrum of 16 frames at once, one frame per SIMD lane.
#include <math.h>
#include <stdlib.h>
#include "Lanes.h"

/// The plan: m = n/2 point complex FFT of z_j = x_{2j} + i·x_{2j+1} (Cooley–Tukey, decimation
/// in frequency, natural input order, bit-reversed output), two radix-2 stages fused per pass
/// (radix-2²: the first stage's odd twiddles are the even ones times −i), in place on the
/// frames, then the split of Z into the real spectrum,
/// X_k = (Z_k + Z*_{m−k})/2 − i·e^{−2πik/n}·(Z_k − Z*_{m−k})/2 (e.g. Press et al., Numerical
/// Recipes, §12.3). Twiddles are computed in double and rounded once.
struct sl_lane_fft {
    int n, m;
    int *reverse;        // m: bit-reversed index (where Z_k ends up)
    float *twiddles;     // per fused pass with span h ≥ 2: for j < h, (w1r, w1i, w2r, w2i)
    float *split;        // m: (cos, sin) of −2πk/n
};

sl_lane_fft *sl_lane_fft_create(int n) {
    if (n < 4 || n > (1 << 20) || (n & (n - 1)) != 0) return NULL;
    sl_lane_fft *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    int m = n / 2, bits = 0;
    while ((1 << bits) < m) bits++;
    p->n = n;
    p->m = m;
    p->reverse = malloc(sizeof(int) * m);
    p->twiddles = malloc(sizeof(float) * 4 * m);
    p->split = malloc(sizeof(float) * 2 * m);
    if (!p->reverse || !p->twiddles || !p->split) { sl_lane_fft_destroy(p); return NULL; }
    for (int j = 0; j < m; j++) {
        int r = 0;
        for (int b = 0; b < bits; b++) if ((j >> b) & 1) r |= 1 << (bits - 1 - b);
        p->reverse[j] = r;
    }
    // Fused passes run with spans h = m/4, m/16, … ≥ 1; the one with h = 1 needs no table.
    float *w = p->twiddles;
    for (int h = m / 4; h >= 2; h /= 4) {
        for (int j = 0; j < h; j++) {
            double a1 = -2 * M_PI * j / (2.0 * h), a2 = -2 * M_PI * j / (4.0 * h);
            *w++ = (float)cos(a1); *w++ = (float)sin(a1);
            *w++ = (float)cos(a2); *w++ = (float)sin(a2);
        }
    }
    for (int k = 0; k < m; k++) {
        double a = -2 * M_PI * k / n;
        p->split[2 * k] = (float)cos(a);
        p->split[2 * k + 1] = (float)sin(a);
    }
    return p;
}

void sl_lane_fft_destroy(sl_lane_fft *p) {
    if (!p) return;
    free(p->reverse);
    free(p->twiddles);
    free(p->split);
    free(p);
}

int sl_lane_fft_length(const sl_lane_fft *p) { return p->n; }

size_t sl_lane_scratch_floats(const sl_lane_fft *p) { return (size_t)SL_LANES * (size_t)p->n; }

/// Complex j of the frames: real part at row 2j, imaginary part at row 2j + 1.
#define RE(j) (x + (ptrdiff_t)(j) * 2 * SL_LANES)
#define IM(j) (x + ((ptrdiff_t)(j) * 2 + 1) * SL_LANES)

SL_KERNEL
void sl_lane_fft_run(const sl_lane_fft *p, float *x, float *power) {
    const int m = p->m;
    const float *w = p->twiddles;
    int h = m / 4;
    // Fused passes: span 2h (twiddle w2 = e^{−2πij/4h} on (a0, a2), w2·(−i) on (a1, a3)), then
    // span h (w1 = e^{−2πij/2h} on both halves).
    for (; h >= 2; h /= 4) {
        for (int s = 0; s < m; s += 4 * h) {
            for (int j = 0; j < h; j++) {
                vf w1r = VSPLAT(w[4 * j]), w1i = VSPLAT(w[4 * j + 1]);
                vf w2r = VSPLAT(w[4 * j + 2]), w2i = VSPLAT(w[4 * j + 3]);
                int q = s + j;
                vf a0r = VLOAD(RE(q)), a0i = VLOAD(IM(q)), a1r = VLOAD(RE(q + h)), a1i = VLOAD(IM(q + h));
                vf a2r = VLOAD(RE(q + 2 * h)), a2i = VLOAD(IM(q + 2 * h));
                vf a3r = VLOAD(RE(q + 3 * h)), a3i = VLOAD(IM(q + 3 * h));
                vf b0r = a0r + a2r, b0i = a0i + a2i, b1r = a1r + a3r, b1i = a1i + a3i;
                vf d2r = a0r - a2r, d2i = a0i - a2i;
                vf d3r = a1i - a3i, d3i = a3r - a1r;          // (a1 − a3)·(−i)
                vf b2r = d2r * w2r - d2i * w2i, b2i = d2r * w2i + d2i * w2r;
                vf b3r = d3r * w2r - d3i * w2i, b3i = d3r * w2i + d3i * w2r;
                vf e1r = b0r - b1r, e1i = b0i - b1i, e3r = b2r - b3r, e3i = b2i - b3i;
                VSTORE(RE(q), b0r + b1r); VSTORE(IM(q), b0i + b1i);
                VSTORE(RE(q + h), e1r * w1r - e1i * w1i); VSTORE(IM(q + h), e1r * w1i + e1i * w1r);
                VSTORE(RE(q + 2 * h), b2r + b3r); VSTORE(IM(q + 2 * h), b2i + b3i);
                VSTORE(RE(q + 3 * h), e3r * w1r - e3i * w1i); VSTORE(IM(q + 3 * h), e3r * w1i + e3i * w1r);
            }
        }
        w += 4 * h;
    }
    if (h == 1) {
        // The last fused pass, span 1: twiddles 1 and −i only.
        for (int q = 0; q < m; q += 4) {
            vf a0r = VLOAD(RE(q)), a0i = VLOAD(IM(q)), a1r = VLOAD(RE(q + 1)), a1i = VLOAD(IM(q + 1));
            vf a2r = VLOAD(RE(q + 2)), a2i = VLOAD(IM(q + 2)), a3r = VLOAD(RE(q + 3)), a3i = VLOAD(IM(q + 3));
            vf b0r = a0r + a2r, b0i = a0i + a2i, b1r = a1r + a3r, b1i = a1i + a3i;
            vf b2r = a0r - a2r, b2i = a0i - a2i;
            vf b3r = a1i - a3i, b3i = a3r - a1r;              // (a1 − a3)·(−i)
            VSTORE(RE(q), b0r + b1r); VSTORE(IM(q), b0i + b1i);
            VSTORE(RE(q + 1), b0r - b1r); VSTORE(IM(q + 1), b0i - b1i);
            VSTORE(RE(q + 2), b2r + b3r); VSTORE(IM(q + 2), b2i + b3i);
            VSTORE(RE(q + 3), b2r - b3r); VSTORE(IM(q + 3), b2i - b3i);
        }
    } else {
        // log2 m odd: a last radix-2 pass, span 1 (twiddle 1).
        for (int q = 0; q < m; q += 2) {
            vf ar = VLOAD(RE(q)), ai = VLOAD(IM(q)), br = VLOAD(RE(q + 1)), bi = VLOAD(IM(q + 1));
            VSTORE(RE(q), ar + br); VSTORE(IM(q), ai + bi);
            VSTORE(RE(q + 1), ar - br); VSTORE(IM(q + 1), ai - bi);
        }
    }
    // Z_k sits at position reverse[k]. X_0 = Re Z_0 + Im Z_0, X_m = Re Z_0 − Im Z_0.
    const int *rev = p->reverse;
    const int L = SL_LANES;
    {
        vf zr = VLOAD(RE(0)), zi = VLOAD(IM(0));
        vf a = zr + zi, b = zr - zi;
        VSTORE(power, a * a);
        VSTORE(power + m * L, b * b);
    }
    // Bins k and m − k share their inputs: with E = (Z_k + Z*_{m−k})/2, O = (Z_k − Z*_{m−k})/2i
    // and T = e^{−2πik/n}·O, X_k = E + T and X_{m−k} = E* − T* (e^{−2πi(m−k)/n} = −e^{2πik/n}).
    const vf half = VSPLAT(0.5f);
    for (int k = 1; 2 * k <= m; k++) {
        vf cr = VSPLAT(p->split[2 * k]), ci = VSPLAT(p->split[2 * k + 1]);
        vf zr = VLOAD(RE(rev[k])), zi = VLOAD(IM(rev[k]));
        vf yr = VLOAD(RE(rev[m - k])), yi = VLOAD(IM(rev[m - k]));
        vf er = half * (zr + yr), ei = half * (zi - yi);
        vf or_ = half * (zi + yi), oi = half * (yr - zr);
        vf tr = cr * or_ - ci * oi, ti = cr * oi + ci * or_;
        vf xr = er + tr, xi = ei + ti, yr2 = er - tr, yi2 = ti - ei;
        VSTORE(power + k * L, xr * xr + xi * xi);
        VSTORE(power + (m - k) * L, yr2 * yr2 + yi2 * yi2);
    }
}
