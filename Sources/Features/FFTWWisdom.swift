// FFTWWisdom: FFTW's measured plan for the front end's 256-point complex transform.
// Written by scripts/make-fftw-wisdom (FFTW_MEASURE on the development machine); do not edit.

/// Wisdom for `fftwf_import_wisdom_from_string` (see FFTPlanCache.complexPlan).
let fftwWisdom = """
(fftw-3.3.10 fftwf_wisdom #x9e7d4dee #xdb14fed1 #x34bf76a4 #xeb6e8fdf
  (fftwf_codelet_n2fv_8_avx 0 #x11bdd #x11bdd #x0 #xa65d78bf #x28c8422e #x8fef6075 #xac0aeb71)
  (fftwf_codelet_t1fv_32_avx 0 #x11bdd #x11bdd #x0 #x2c50659a #x343a7df7 #xd727540d #xacfea1f9)
)
"""
