// HugePages: memory in 2 MB-aligned blocks the kernel is asked to back with transparent huge
// pages (CKernels.h): the split recurrence's packed halves and `HugePagePool`'s scratch buffers.
#define _GNU_SOURCE
#include "CKernels.h"
#include <stdlib.h>
#include <sys/mman.h>

void *seqlab_huge_alloc(size_t bytes) {
    const size_t huge = (size_t)2 << 20;
    const size_t rounded = (bytes + huge - 1) / huge * huge;
    void *p = NULL;
    if (rounded == 0 || posix_memalign(&p, huge, rounded) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);   // a hint; without huge pages the memory works the same
#endif
    return p;
}

void seqlab_huge_free(void *p) { free(p); }
