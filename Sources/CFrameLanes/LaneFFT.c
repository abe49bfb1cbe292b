// LaneFFT: a radix-2² real FFT and power spectrum of 16 frames at once, one frame per SIMD lane.
#include <math.h>
#include <stdlib.h>
#include "Lanes.h"

/// The plan: m = n/2 point complex FFT of z_j = x_{2j} + i·x_{2j+1} (Cooley–Tukey, decimation
/// in time, bit-reversed input order), two radix-2 stages fused per pass (radix-2²: the
/// second stage's odd twiddles are the even ones times −i), then the split of Z into the real
/// spectrum, X_k = (Z_k + Z*_{m−k})/2 − i·e^{−2πik/n}·(Z_k − Z*_{m−k})/2 (e.g. Press et al.,
/// Numerical Recipes, §12.3). Twiddles are computed in double and rounded once.
struct sl_lane_fft {
    int n, m;
    int *reverse;        // m: bit-reversed index
    float *twiddles;     // per fused pass with span h: for j < h, (w1r, w1i, w2r, w2i)
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
    // Fused passes start at span 1 (or 2 after a lone radix-2 pass when log2 m is odd).
    float *w = p->twiddles;
    for (int h = (bits & 1) ? 2 : 1; 4 * h <= m; h *= 4) {
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

size_t sl_lane_scratch_floats(const sl_lane_fft *p) {
    // frames (n per lane), then re and im (m each)
    return (size_t)SL_LANES * (size_t)(p->n + 2 * p->m);
}

SL_KERNEL
void sl_lane_fft_run(const sl_lane_fft *p, const float *x, float *re, float *im, float *power) {
    const int m = p->m, L = SL_LANES;
    const int *rev = p->reverse;
    int h;
    const float *w = p->twiddles;   // passes from span 1 (log2 m even) or 2 (odd)
    if (m == 2 || (__builtin_ctz(m) & 1)) {
        // A lone radix-2 pass (span 1, twiddle 1), reading the frames in bit-reversed order.
        for (int s = 0; s < m; s += 2) {
            int r0 = rev[s], r1 = rev[s + 1];
            vf ar = VLOAD(x + 2 * r0 * L), ai = VLOAD(x + (2 * r0 + 1) * L);
            vf br = VLOAD(x + 2 * r1 * L), bi = VLOAD(x + (2 * r1 + 1) * L);
            VSTORE(re + s * L, ar + br); VSTORE(im + s * L, ai + bi);
            VSTORE(re + (s + 1) * L, ar - br); VSTORE(im + (s + 1) * L, ai - bi);
        }
        h = 2;
    } else {
        // The first fused pass (span 1, all twiddles 1 or −i), reading in bit-reversed order.
        for (int s = 0; s < m; s += 4) {
            const float *z0 = x + 2 * rev[s] * L, *z1 = x + 2 * rev[s + 1] * L;
            const float *z2 = x + 2 * rev[s + 2] * L, *z3 = x + 2 * rev[s + 3] * L;
            vf a0r = VLOAD(z0), a0i = VLOAD(z0 + L), a1r = VLOAD(z1), a1i = VLOAD(z1 + L);
            vf a2r = VLOAD(z2), a2i = VLOAD(z2 + L), a3r = VLOAD(z3), a3i = VLOAD(z3 + L);
            vf b0r = a0r + a1r, b0i = a0i + a1i, b1r = a0r - a1r, b1i = a0i - a1i;
            vf b2r = a2r + a3r, b2i = a2i + a3i, b3r = a2r - a3r, b3i = a2i - a3i;
            // b3 · (−i) = (b3i, −b3r)
            VSTORE(re + s * L, b0r + b2r); VSTORE(im + s * L, b0i + b2i);
            VSTORE(re + (s + 2) * L, b0r - b2r); VSTORE(im + (s + 2) * L, b0i - b2i);
            VSTORE(re + (s + 1) * L, b1r + b3i); VSTORE(im + (s + 1) * L, b1i - b3r);
            VSTORE(re + (s + 3) * L, b1r - b3i); VSTORE(im + (s + 3) * L, b1i + b3r);
        }
        h = 4;
        w += 4;   // that pass's single entry (all ones)
    }
    // The remaining fused passes: stage with span h (twiddle w1 = e^{−2πij/2h}) on pairs
    // (a0, a1), (a2, a3), then span 2h (w2 = e^{−2πij/4h}, and w2·(−i) for the odd pair).
    for (; 4 * h <= m; h *= 4) {
        for (int s = 0; s < m; s += 4 * h) {
            for (int j = 0; j < h; j++) {
                vf w1r = VSPLAT(w[4 * j]), w1i = VSPLAT(w[4 * j + 1]);
                vf w2r = VSPLAT(w[4 * j + 2]), w2i = VSPLAT(w[4 * j + 3]);
                float *r0 = re + (s + j) * L, *i0 = im + (s + j) * L;
                float *r1 = r0 + h * L, *i1 = i0 + h * L, *r2 = r0 + 2 * h * L, *i2 = i0 + 2 * h * L;
                float *r3 = r0 + 3 * h * L, *i3 = i0 + 3 * h * L;
                vf a0r = VLOAD(r0), a0i = VLOAD(i0), a1r = VLOAD(r1), a1i = VLOAD(i1);
                vf a2r = VLOAD(r2), a2i = VLOAD(i2), a3r = VLOAD(r3), a3i = VLOAD(i3);
                vf t1r = a1r * w1r - a1i * w1i, t1i = a1r * w1i + a1i * w1r;
                vf t3r = a3r * w1r - a3i * w1i, t3i = a3r * w1i + a3i * w1r;
                vf b0r = a0r + t1r, b0i = a0i + t1i, b1r = a0r - t1r, b1i = a0i - t1i;
                vf b2r = a2r + t3r, b2i = a2i + t3i, b3r = a2r - t3r, b3i = a2i - t3i;
                vf u2r = b2r * w2r - b2i * w2i, u2i = b2r * w2i + b2i * w2r;
                vf u3r = b3r * w2r - b3i * w2i, u3i = b3r * w2i + b3i * w2r;
                // u3 · (−i) = (u3i, −u3r)
                VSTORE(r0, b0r + u2r); VSTORE(i0, b0i + u2i);
                VSTORE(r2, b0r - u2r); VSTORE(i2, b0i - u2i);
                VSTORE(r1, b1r + u3i); VSTORE(i1, b1i - u3r);
                VSTORE(r3, b1r - u3i); VSTORE(i3, b1i + u3r);
            }
        }
        w += 4 * h;
    }
    // Z → X and |X_k|²: X_0 = Re Z_0 + Im Z_0, X_m = Re Z_0 − Im Z_0.
    {
        vf zr = VLOAD(re), zi = VLOAD(im);
        vf a = zr + zi, b = zr - zi;
        VSTORE(power, a * a);
        VSTORE(power + m * L, b * b);
    }
    const vf half = VSPLAT(0.5f);
    for (int k = 1; k < m; k++) {
        vf cr = VSPLAT(p->split[2 * k]), ci = VSPLAT(p->split[2 * k + 1]);
        vf zr = VLOAD(re + k * L), zi = VLOAD(im + k * L);
        vf yr = VLOAD(re + (m - k) * L), yi = VLOAD(im + (m - k) * L);
        vf er = half * (zr + yr), ei = half * (zi - yi);
        vf or_ = half * (zi + yi), oi = half * (yr - zr);
        vf xr = er + (cr * or_ - ci * oi), xi = ei + (cr * oi + ci * or_);
        VSTORE(power + k * L, xr * xr + xi * xi);
    }
}
