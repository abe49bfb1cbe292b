// The instruction-set limit the environment variable SEQLAB_ISA sets for the kernels seqlab picks
// at run time by CPU (CKernels.h): a way to run, and compare, the AVX2 or portable paths on a CPU
// with AVX-512, as OPENBLAS_CORETYPE does for OpenBLAS.
#include "CKernels.h"
#include <stdlib.h>
#include <strings.h>

int seqlab_isa_limit(void) {
    static volatile int limit = -2;   // a benign race: every thread computes the same value
    if (limit == -2) {
        const char *value = getenv("SEQLAB_ISA");
        limit = !value || !*value || !strcasecmp(value, "avx512bf16") ? 3
              : !strcasecmp(value, "avx512") ? 2 : !strcasecmp(value, "avx2") ? 1 : !strcasecmp(value, "generic") ? 0 : -1;
    }
    return limit;
}

int seqlab_isa_cap(int family) {
    const int limit = seqlab_isa_limit();
    return limit >= 0 && family > limit ? limit : family;
}
