// LaneFrames: Kaldi's frame processing, mel filters and log over 16 frames at once, one per lane.
#include <float.h>
#include <math.h>
#include "Lanes.h"

/// Σ_i x_i (centre NULL) or Σ_i (x_i − centre)² of each lane over rows i < size: four float
/// partial sums of every fourth row (independent chains), added in double. Relative error about
/// size/4 · 2⁻²⁴ (2e-6 for 400 samples), far below what a log energy or a mean can show.
SL_INLINE void lane_sum(const float *x, int size, const vf *centre, vd *sum) {
    vf s0 = VSPLAT(0), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    if (centre) {
        vf c = *centre;
        for (; i + 4 <= size; i += 4) {
            vf a = VLOAD(x + i * SL_LANES) - c, b = VLOAD(x + (i + 1) * SL_LANES) - c;
            vf d = VLOAD(x + (i + 2) * SL_LANES) - c, f = VLOAD(x + (i + 3) * SL_LANES) - c;
            s0 += a * a; s1 += b * b; s2 += d * d; s3 += f * f;
        }
        for (; i < size; i++) { vf a = VLOAD(x + i * SL_LANES) - c; s0 += a * a; }
    } else {
        for (; i + 4 <= size; i += 4) {
            s0 += VLOAD(x + i * SL_LANES); s1 += VLOAD(x + (i + 1) * SL_LANES);
            s2 += VLOAD(x + (i + 2) * SL_LANES); s3 += VLOAD(x + (i + 3) * SL_LANES);
        }
        for (; i < size; i++) s0 += VLOAD(x + i * SL_LANES);
    }
    *sum = (__builtin_convertvector(s0, vd) + __builtin_convertvector(s1, vd))
         + (__builtin_convertvector(s2, vd) + __builtin_convertvector(s3, vd));
}

SL_KERNEL
void sl_lane_frames_power(const sl_lane_fft *plan, const float *const src[SL_LANES], int size,
                          const float *window, float preemph, int remove_dc, int raw_energy,
                          float *scratch, float *power, double energy[SL_LANES]) {
    const int L = SL_LANES;
    const int n = sl_lane_fft_length(plan);
    float *x = scratch;
    // Lane-major copy: x[i·16 + l] = src[l][i], 16 samples of each frame at a time transposed
    // in registers; rows size ..< n are the zero padding (the FFT runs in place over them).
    memset(x + (size_t)size * L, 0, sizeof(float) * (size_t)(n - size) * L);
    int i0 = 0;
    for (; i0 + L <= size; i0 += L) {
        vf r[SL_LANES];
        for (int l = 0; l < L; l++) r[l] = VLOAD(src[l] + i0);
        transpose16(r);
        for (int j = 0; j < L; j++) VSTORE(x + (i0 + j) * L, r[j]);
    }
    for (int l = 0; l < L; l++) {
        const float *s = src[l];
        for (int i = i0; i < size; i++) x[i * L + l] = s[i];
    }
    const vf zero = VSPLAT(0);
    vf mean = zero;
    vd e;
    if (remove_dc) {
        lane_sum(x, size, NULL, &e);
        mean = __builtin_convertvector(e / (double)size, vf);
    }
    if (raw_energy) lane_sum(x, size, &mean, &e);
    // Pre-emphasis and window, last sample first so y_{i−1} is still unchanged.
    const vf p = VSPLAT(preemph);
    for (int i = size - 1; i > 0; i--) {
        vf y = VLOAD(x + i * L) - mean, prev = VLOAD(x + (i - 1) * L) - mean;
        VSTORE(x + i * L, (y - p * prev) * window[i]);
    }
    {
        vf y0 = VLOAD(x) - mean;
        VSTORE(x, (y0 - p * y0) * window[0]);
    }
    if (!raw_energy) lane_sum(x, size, &zero, &e);
    for (int l = 0; l < L; l++) energy[l] = e[l];
    sl_lane_fft_run(plan, x, power);
}

SL_KERNEL
void sl_lane_sqrt(float *power, int count) {
    for (int i = 0; i < count * SL_LANES; i++) power[i] = sqrtf(power[i]);
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

/// Lane-major values v[c·16 + l] (c < count) to rows out[l·stride + c] (l < rows), 16
/// columns at a time through a register transpose, the last count mod 16 lane by lane.
SL_INLINE void store_rows(const float *v, int count, float *out, ptrdiff_t stride, int rows) {
    int c0 = 0;
    for (; c0 + SL_LANES <= count; c0 += SL_LANES) {
        vf r[SL_LANES];
        for (int j = 0; j < SL_LANES; j++) r[j] = VLOAD(v + (c0 + j) * SL_LANES);
        transpose16(r);
        for (int l = 0; l < rows; l++) VSTORE(out + l * stride + c0, r[l]);
    }
    for (int c = c0; c < count; c++) {
        vf x = VLOAD(v + c * SL_LANES);
        vscatter(&x, out + c, stride, rows);
    }
}

SL_KERNEL
void sl_lane_log_rows(float *v, int count, float *out, ptrdiff_t stride, int rows) {
    for (int c = 0; c < count; c++) {
        vf x = VLOAD(v + c * SL_LANES);
        floored_log(&x);
        VSTORE(v + c * SL_LANES, x);
    }
    store_rows(v, count, out, stride, rows);
}

SL_KERNEL
void sl_lane_mel_rows(const float *power, const int *first, const int *offsets, const float *weights,
                      int count, int take_log, float *mel, float *out, ptrdiff_t stride, int rows) {
    for (int b = 0; b < count; b++) {
        const float *w = weights + offsets[b], *p = power + (ptrdiff_t)first[b] * SL_LANES;
        int width = offsets[b + 1] - offsets[b];
        vf a0 = VSPLAT(0), a1 = VSPLAT(0);
        int k = 0;
        for (; k + 2 <= width; k += 2) {
            a0 += w[k] * VLOAD(p + k * SL_LANES);
            a1 += w[k + 1] * VLOAD(p + (k + 1) * SL_LANES);
        }
        if (k < width) a0 += w[k] * VLOAD(p + k * SL_LANES);
        vf sum = a0 + a1;
        if (take_log) floored_log(&sum);
        VSTORE(mel + b * SL_LANES, sum);
    }
    store_rows(mel, count, out, stride, rows);
}
