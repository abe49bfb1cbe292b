// PauseCPU: the hint a spin-wait gives the CPU between polls (SplitRecurrence.c, WorkerPool.c).
#ifndef SEQLAB_PAUSE_CPU_H
#define SEQLAB_PAUSE_CPU_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
static inline void pause_cpu(void) { _mm_pause(); }
#else
static inline void pause_cpu(void) {}
#endif

#endif
