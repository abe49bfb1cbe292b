// FFTWWisdom: FFTW's measured plan for the front end's 256-point complex transform.
// Written by scripts/make-fftw-wisdom (FFTW_MEASURE on the development machine); do not edit.

/// Wisdom for `fftwf_import_wisdom_from_string` (see FFTPlanCache.complexPlan).
let fftwWisdom = """
(fftw-3.3.10 fftwf_wisdom #x9e7d4dee #xdb14fed1 #x34bf76a4 #xeb6e8fdf
  (fftwf_codelet_t2fv_4_avx 0 #x11bdd #x11bdd #x0 #x2c50659a #x343a7df7 #xd727540d #xacfea1f9)
  (fftwf_codelet_n2fv_64_avx 0 #x11bdd #x11bdd #x0 #x03406dff #xc8fa0a2c #x62a9a61e #xa394d874)
)
"""
