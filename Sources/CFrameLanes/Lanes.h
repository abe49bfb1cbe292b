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

/// Transposes the 16×16 matrix whose row j is r[j], in registers: four perfect shuffles, each
/// taking row bits (r3 r2 r1 r0) and column bits (c3 c2 c1 c0) to (r2 r1 r0 c3) and
/// (c2 c1 c0 r3), so that after four, rows and columns have swapped.
SL_INLINE void transpose16(vf r[SL_LANES]) {
    vf t[SL_LANES];
    for (int stage = 0; stage < 4; stage++) {
        for (int k = 0; k < 8; k++) {
            t[2 * k] = __builtin_shufflevector(r[k], r[k + 8], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            t[2 * k + 1] = __builtin_shufflevector(r[k], r[k + 8], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        }
        for (int l = 0; l < SL_LANES; l++) r[l] = t[l];
    }
}

#endif
