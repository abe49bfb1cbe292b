// FrameLanes.h: the audio front end's inner loops over blocks of 16 frames, one frame per SIMD lane where it pays.
#ifndef SEQLAB_FRAME_LANES_H
#define SEQLAB_FRAME_LANES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Frames per block; in the lane-major arrays (power[k·16 + l]) lane l holds frame l.
#define SL_LANES 16

/// Kaldi's frame processing (feature-window.cc) for 16 frames: frame l is the `size` samples
/// at src[l] and goes to frames + l·stride, n ≥ size floats: DC removal (mean subtracted) when
/// remove_dc, pre-emphasis y_i − p·y_{i−1} (y_0 − p·y_0 first), the window, zeros up to n (the
/// FFT's padding). energy[l] gets Σ y_i² after DC removal (raw_energy) or after the window.
void sl_lane_frames(const float *const src[SL_LANES], int size, int n, const float *window, float preemph,
                    int remove_dc, int raw_energy, float *frames, ptrdiff_t stride, double energy[SL_LANES]);

/// Power spectra of 16 real frames of length n = 2m from the complex FFTs Z of their halves
/// read as complex (z_j = x_{2j} + i·x_{2j+1}; frame l: m interleaved values at spectra + l·stride
/// floats), by the split of Numerical Recipes §12.3 (Press et al.):
/// X_k = (Z_k + Z*_{m−k})/2 − i·e^{−2πik/n}·(Z_k − Z*_{m−k})/2, k = 0…m, with split[2k], split[2k+1]
/// = cos, sin of −2πk/n. Writes |X_k|² (or |X_k| when magnitude) lane-major to power[k·16 + l];
/// scratch holds 2·m·16 floats.
void sl_lane_split_power(const float *spectra, ptrdiff_t stride, int m, const float *split, int magnitude,
                         float *scratch, float *power);

/// One frame's log power spectrum straight into its row: out[k] = ln(max(|X_k|², ε)), k = 0…m,
/// from the complex FFT z of its halves (m interleaved values, as sl_lane_split_power reads
/// them, with the same split table and arithmetic). Sixteen bins k and their mirrors m − k at a
/// time; no lane-major detour, so no transposes (the spectrogram needs no mel filters).
void sl_row_log_power(const float *z, int m, const float *split, float *out);

/// Sparse mel filters applied to lane-major spectra: filter m covers bins first[m]… with the
/// weights weights[offsets[m] ..< offsets[m+1]]; out[l·stride + m] = Σ w·P (then ln(max(·, ε))
/// when take_log), for m < count, l < rows.
void sl_lane_mel_rows(const float *power, const int *first, const int *offsets, const float *weights,
                      int count, int take_log, float *out, ptrdiff_t stride, int rows);

#ifdef __cplusplus
}
#endif

#endif
