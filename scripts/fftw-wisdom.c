/* Prints FFTW wisdom (single precision) for the forward complex transform of 256 points, out of
   place on FFTW-allocated (SIMD-aligned) buffers: the transform behind every 512-sample frame of
   the audio front end (16 kHz audio, 25 ms frames). FFTW_MEASURE times candidate plans, so the
   choice can differ between runs and machines; any plan FFTW makes is correct. Built and run by
   scripts/make-fftw-wisdom. */
#include <fftw3.h>
#include <stdio.h>

int main(void) {
    const int n = 256;
    fftwf_complex *in = fftwf_alloc_complex(n), *out = fftwf_alloc_complex(n);
    fftwf_plan plan = fftwf_plan_dft_1d(n, in, out, FFTW_FORWARD, FFTW_MEASURE);
    fftwf_fprint_plan(plan, stderr);
    fprintf(stderr, "\n");
    char *wisdom = fftwf_export_wisdom_to_string();
    fputs(wisdom, stdout);
    fftwf_free(wisdom);
    fftwf_destroy_plan(plan);
    fftwf_free(in);
    fftwf_free(out);
    return 0;
}
