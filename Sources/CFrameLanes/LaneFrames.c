// LaneFrames: Kaldi's frame processing, power spectra, mel filters and log over blocks of 16 frames.
#include <float.h>
#include <math.h>
#include "Lanes.h"

/// Σ_i x_i (squares 0) or Σ_i (x_i − centre)² (squares 1) over i < n: 32 float partial sums of
/// every 32nd sample in two independent chains, added in double by a fixed tree. Relative error
/// about n/32 · 2⁻²⁴ (under 1e-6 for 400 samples), far below what a log energy or a mean can show.
SL_INLINE double frame_sum(const float *x, int n, float centre, int squares) {
    vf acc0 = VSPLAT(0), acc1 = acc0, c = VSPLAT(centre);
    int i = 0;
    if (squares) {
        for (; i + 2 * SL_LANES <= n; i += 2 * SL_LANES) {
            vf a = VLOAD(x + i) - c, b = VLOAD(x + i + SL_LANES) - c;
            acc0 += a * a; acc1 += b * b;
        }
        for (; i + SL_LANES <= n; i += SL_LANES) { vf a = VLOAD(x + i) - c; acc0 += a * a; }
    } else {
        for (; i + 2 * SL_LANES <= n; i += 2 * SL_LANES) { acc0 += VLOAD(x + i); acc1 += VLOAD(x + i + SL_LANES); }
        for (; i + SL_LANES <= n; i += SL_LANES) acc0 += VLOAD(x + i);
    }
    vd d = __builtin_convertvector(acc0, vd) + __builtin_convertvector(acc1, vd);
    typedef double vd8 __attribute__((vector_size(64)));
    typedef double vd4 __attribute__((vector_size(32)));
    vd8 d8 = __builtin_shufflevector(d, d, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(d, d, 8, 9, 10, 11, 12, 13, 14, 15);
    vd4 d4 = __builtin_shufflevector(d8, d8, 0, 1, 2, 3) + __builtin_shufflevector(d8, d8, 4, 5, 6, 7);
    double s = (d4[0] + d4[2]) + (d4[1] + d4[3]);
    for (; i < n; i++) s += squares ? (double)(x[i] - centre) * (double)(x[i] - centre) : x[i];
    return s;
}

SL_KERNEL
void sl_lane_frames(const float *const src[SL_LANES], int size, int n, const float *window, float preemph,
                    int remove_dc, int raw_energy, float *frames, ptrdiff_t stride, double energy[SL_LANES]) {
    const vf p = VSPLAT(preemph);
    for (int l = 0; l < SL_LANES; l++) {
        const float *s = src[l];
        float *y = frames + l * stride;
        float m = remove_dc ? (float)(frame_sum(s, size, 0, 0) / size) : 0;
        if (raw_energy) energy[l] = frame_sum(s, size, m, 1);
        // Pre-emphasis and window: y_i = ((x_i − m) − p·(x_{i−1} − m))·w_i, y_0 = ((x_0 − m) − p·(x_0 − m))·w_0.
        const vf mv = VSPLAT(m);
        int i = 1;
        for (; i + SL_LANES <= size; i += SL_LANES) {
            vf a = VLOAD(s + i) - mv, b = VLOAD(s + i - 1) - mv;
            VSTORE(y + i, (a - p * b) * VLOAD(window + i));
        }
        for (; i < size; i++) y[i] = ((s[i] - m) - preemph * (s[i - 1] - m)) * window[i];
        float y0 = s[0] - m;
        y[0] = (y0 - preemph * y0) * window[0];
        if (!raw_energy) energy[l] = frame_sum(y, size, 0, 1);
        for (i = size; i < n; i++) y[i] = 0;
    }
}

SL_KERNEL
void sl_lane_split_power(const float *spectra, ptrdiff_t stride, int m, const float *split, int magnitude,
                         float *scratch, float *power) {
    const int L = SL_LANES;
    float *zr = scratch, *zi = scratch + (ptrdiff_t)m * L;
    // Z_k of the 16 frames to lane-major real and imaginary parts, 16 values of each frame at a
    // time (32 interleaved floats → re and im by shuffles, then a 16×16 transpose of each).
    int k0 = 0;
    for (; k0 + L <= m; k0 += L) {
        vf re[SL_LANES], im[SL_LANES];
        for (int l = 0; l < L; l++) {
            const float *c = spectra + l * stride + 2 * k0;
            vf a = VLOAD(c), b = VLOAD(c + L);
            re[l] = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            im[l] = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        }
        transpose16(re);
        transpose16(im);
        for (int j = 0; j < L; j++) { VSTORE(zr + (k0 + j) * L, re[j]); VSTORE(zi + (k0 + j) * L, im[j]); }
    }
    for (int k = k0; k < m; k++) {
        for (int l = 0; l < L; l++) {
            zr[k * L + l] = spectra[l * stride + 2 * k];
            zi[k * L + l] = spectra[l * stride + 2 * k + 1];
        }
    }
    // The real spectrum: X_0 = Re Z_0 + Im Z_0, X_m = Re Z_0 − Im Z_0; for 0 < k < m, with
    // E = (Z_k + Z*_{m−k})/2, O = (Z_k − Z*_{m−k})/2i and T = e^{−2πik/n}·O, X_k = E + T and
    // X_{m−k} = E* − T* (e^{−2πi(m−k)/n} = −e^{2πik/n}), so each pass serves two bins.
    {
        vf r = VLOAD(zr), i = VLOAD(zi);
        vf a = r + i, b = r - i;
        VSTORE(power, a * a);
        VSTORE(power + m * L, b * b);
    }
    const vf half = VSPLAT(0.5f);
    for (int k = 1; 2 * k <= m; k++) {
        vf cr = VSPLAT(split[2 * k]), ci = VSPLAT(split[2 * k + 1]);
        vf ar = VLOAD(zr + k * L), ai = VLOAD(zi + k * L);
        vf br = VLOAD(zr + (m - k) * L), bi = VLOAD(zi + (m - k) * L);
        vf er = half * (ar + br), ei = half * (ai - bi);
        vf or_ = half * (ai + bi), oi = half * (br - ar);
        vf tr = cr * or_ - ci * oi, ti = cr * oi + ci * or_;
        vf xr = er + tr, xi = ei + ti, yr = er - tr, yi = ti - ei;
        VSTORE(power + k * L, xr * xr + xi * xi);
        VSTORE(power + (m - k) * L, yr * yr + yi * yi);
    }
    if (magnitude) for (int i = 0; i < (m + 1) * L; i++) power[i] = sqrtf(power[i]);
}

/// ln x for positive normal floats, lane by lane: x = m·2^e, m in [√½, √2), ln x = e·ln 2 +
/// ln(1 + f) with f = m − 1 and the minimax polynomial of Cephes `logf` (S. L. Moshier,
/// Cephes Math Library, logf.c); the same steps as FastLog.swift's `cephesLog`.
SL_INLINE void cephes_log(vf *value) {
    vi bits = (vi)*value;
    vf e = __builtin_convertvector((bits >> 23) - 126, vf);
    vf m = (vf)((bits & 0x007FFFFF) | 0x3F000000);
    vi small = m < VSPLAT(0.707106781186547524f);          // −1 where true
    e = e + __builtin_convertvector(small, vf);
    m = m - 1 + (vf)((vi)m & small);
    vf z = m * m;
    vf q = VSPLAT(7.0376836292e-2f);
    q = q * m - 1.1514610310e-1f;
    q = q * m + 1.1676998740e-1f;
    q = q * m - 1.2420140846e-1f;
    q = q * m + 1.4249322787e-1f;
    q = q * m - 1.6668057665e-1f;
    q = q * m + 2.0000714765e-1f;
    q = q * m - 2.4999993993e-1f;
    q = q * m + 3.3333331174e-1f;
    vf y = m * z * q;
    y += -2.12194440e-4f * e;
    y += -0.5f * z;
    *value = m + y + 0.693359375f * e;
}

/// ln(max(v, ε)) lane by lane; a lane holding an infinity or NaN goes through libm's logf.
SL_INLINE void floored_log(vf *value) {
    vf v = *value, eps = VSPLAT(FLT_EPSILON);
    vf r = VMAX(v, eps);
    vi special = ((vi)v & 0x7F800000) == 0x7F800000;
    cephes_log(&r);
    int any = 0;
    for (int l = 0; l < SL_LANES; l++) any |= special[l];
    if (any) for (int l = 0; l < SL_LANES; l++) if (special[l]) r[l] = logf(v[l] > FLT_EPSILON ? v[l] : FLT_EPSILON);
    *value = r;
}

/// The lanes of v in reverse order.
#define VREVERSE(v) __builtin_shufflevector((v), (v), 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)

SL_KERNEL
void sl_row_log_power(const float *z, int m, const float *split, float *out) {
    // X_0 and X_m as in sl_lane_split_power.
    {
        float a = z[0] + z[1], b = z[0] - z[1];
        vf x = VSPLAT(0);
        x[0] = a * a; x[1] = b * b;
        floored_log(&x);
        out[0] = x[0]; out[m] = x[1];
    }
    const vf half = VSPLAT(0.5f);
    const int L = SL_LANES;
    int k0 = 1;
    // Bins k0 … k0+15 and their mirrors m−k0 … m−k0−15 (read and written in reverse lane order).
    for (; k0 + L - 1 <= m / 2; k0 += L) {
        const float *c = z + 2 * k0, *d = z + 2 * (m - k0 - L + 1), *t = split + 2 * k0;
        vf a0 = VLOAD(c), a1 = VLOAD(c + L), b0 = VLOAD(d), b1 = VLOAD(d + L), c0 = VLOAD(t), c1 = VLOAD(t + L);
        vf ar = __builtin_shufflevector(a0, a1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        vf ai = __builtin_shufflevector(a0, a1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        vf br = __builtin_shufflevector(b0, b1, 30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        vf bi = __builtin_shufflevector(b0, b1, 31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
        vf cr = __builtin_shufflevector(c0, c1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        vf ci = __builtin_shufflevector(c0, c1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        vf er = half * (ar + br), ei = half * (ai - bi);
        vf or_ = half * (ai + bi), oi = half * (br - ar);
        vf tr = cr * or_ - ci * oi, ti = cr * oi + ci * or_;
        vf xr = er + tr, xi = ei + ti, yr = er - tr, yi = ti - ei;
        vf x = xr * xr + xi * xi, y = yr * yr + yi * yi;
        floored_log(&x);
        floored_log(&y);
        VSTORE(out + k0, x);
        VSTORE(out + m - k0 - L + 1, VREVERSE(y));
    }
    // The bins left over (m < 32, or m/2 not ≡ 0 mod 16), one at a time with the same arithmetic.
    for (int k = k0; 2 * k <= m; k++) {
        float cr = split[2 * k], ci = split[2 * k + 1];
        float ar = z[2 * k], ai = z[2 * k + 1], br = z[2 * (m - k)], bi = z[2 * (m - k) + 1];
        float er = 0.5f * (ar + br), ei = 0.5f * (ai - bi);
        float or_ = 0.5f * (ai + bi), oi = 0.5f * (br - ar);
        float tr = cr * or_ - ci * oi, ti = cr * oi + ci * or_;
        float xr = er + tr, xi = ei + ti, yr = er - tr, yi = ti - ei;
        vf x = VSPLAT(0);
        x[0] = xr * xr + xi * xi; x[1] = yr * yr + yi * yi;
        floored_log(&x);
        out[k] = x[0]; out[m - k] = x[1];
    }
}

/// Transposes the 16 lane-major columns in r (r[j] holds column c0 + j of the 16 frames) and
/// writes them to rows out[l·stride + c0 …], l < rows. Callers fill r from values they compute
/// (never a plain copy, which the compiler would turn into a memcpy through the stack).
SL_INLINE void store_block(vf r[SL_LANES], float *out, ptrdiff_t stride, int rows) {
    transpose16(r);
    for (int l = 0; l < rows; l++) VSTORE(out + l * stride, r[l]);
}

/// Filter b of the sparse mel bank on 16 lane-major spectra (see sl_lane_mel_rows).
SL_INLINE void mel_bin(const float *power, const int *first, const int *offsets, const float *weights, int b, int take_log,
                       vf *result) {
    const float *w = weights + offsets[b], *p = power + (ptrdiff_t)first[b] * SL_LANES;
    int width = offsets[b + 1] - offsets[b];
    vf a0 = VSPLAT(0), a1 = VSPLAT(0);
    int k = 0;
    for (; k + 2 <= width; k += 2) {
        a0 += w[k] * VLOAD(p + k * SL_LANES);
        a1 += w[k + 1] * VLOAD(p + (k + 1) * SL_LANES);
    }
    if (k < width) a0 += w[k] * VLOAD(p + k * SL_LANES);
    *result = a0 + a1;
    if (take_log) floored_log(result);
}

SL_KERNEL
void sl_lane_mel_rows(const float *power, const int *first, const int *offsets, const float *weights,
                      int count, int take_log, float *out, ptrdiff_t stride, int rows) {
    int b0 = 0;
    for (; b0 + SL_LANES <= count; b0 += SL_LANES) {
        vf r[SL_LANES];
        for (int j = 0; j < SL_LANES; j++) mel_bin(power, first, offsets, weights, b0 + j, take_log, &r[j]);
        store_block(r, out + b0, stride, rows);
    }
    for (int b = b0; b < count; b++) {
        vf x;
        mel_bin(power, first, offsets, weights, b, take_log, &x);
        vscatter(&x, out + b, stride, rows);
    }
}
