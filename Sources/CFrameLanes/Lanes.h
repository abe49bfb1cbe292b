// Lanes.h: 16-lane float vectors (clang/GCC vector extensions) and the per-CPU builds of the kernels.
#ifndef SEQLAB_LANES_H
#define SEQLAB_LANES_H

#include <string.h>
#include "FrameLanes.h"

typedef float vf __attribute__((vector_size(4 * SL_LANES)));
typedef int vi __attribute__((vector_size(4 * SL_LANES)));
typedef double vd __attribute__((vector_size(8 * SL_LANES)));

/// Each exported kernel is built for AVX-512, AVX2 + FMA and the x86-64 baseline, and the
/// loader picks the best one the CPU has (GNU ifunc); elsewhere one portable build.
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define SL_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SL_KERNEL
#endif

#define SL_INLINE static inline __attribute__((always_inline))

// Vectors never cross a function boundary by value (16-float vectors have no common calling
// convention across the three builds): helpers are macros or take pointers.
typedef float vfu __attribute__((vector_size(4 * SL_LANES), aligned(4), may_alias));
#define VLOAD(p) ((vf)(*(const vfu *)(p)))
#define VSTORE(p, v) (*(vfu *)(p) = (v))
#define VSPLAT(x) ((vf){0} + (float)(x))
/// max(x, y) lane by lane (y taken where x is not greater, NaN included).
#define VMAX(x, y) ((vf)((((vi)(x)) & ((x) > (y))) | (((vi)(y)) & ~((x) > (y)))))

/// Writes lanes 0 ..< rows of *v to out[l·stride].
SL_INLINE void vscatter(const vf *v, float *out, ptrdiff_t stride, int rows) {
    for (int l = 0; l < rows; l++) out[l * stride] = (*v)[l];
}

/// The FFT of the 16 lane-major frames in `x` (n floats per lane) into re/im (n/2 each).
void sl_lane_fft_run(const sl_lane_fft *plan, const float *x, float *re, float *im, float *power);

#endif
