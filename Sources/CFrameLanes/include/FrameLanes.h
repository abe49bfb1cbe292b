// FrameLanes.h: the audio front end's inner loops over blocks of 16 frames, one frame per SIMD lane.
#ifndef SEQLAB_FRAME_LANES_H
#define SEQLAB_FRAME_LANES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Frames per block: lane l of every vector holds frame l of the block.
#define SL_LANES 16

/// A real FFT of length n (a power of two, 4 ≤ n ≤ 2^20) computed on 16 frames at once:
/// twiddle tables and the bit-reversal permutation. Immutable once made, so one plan can
/// serve any number of threads.
typedef struct sl_lane_fft sl_lane_fft;

/// A plan for length n, or NULL when n is not a power of two in range or memory ran out.
sl_lane_fft *sl_lane_fft_create(int n);
void sl_lane_fft_destroy(sl_lane_fft *plan);

/// The transform length n.
int sl_lane_fft_length(const sl_lane_fft *plan);

/// Floats of scratch `sl_lane_frames_power` needs (n·16).
size_t sl_lane_scratch_floats(const sl_lane_fft *plan);

/// Kaldi's frame processing and power spectrum for 16 frames (feature-window.cc, then
/// |FFT|²): frame l is the `size` samples at src[l]. Per frame: DC removal (mean subtracted)
/// when remove_dc, pre-emphasis y_i − p·y_{i−1} (y_0 − p·y_0 first), the window, zero padding
/// to n, then |X_k|², k = 0…n/2, written lane-major to power[k·16 + l].
/// energy[l] gets Σ y_i² of the frame after DC removal (raw_energy) or after the window.
void sl_lane_frames_power(const sl_lane_fft *plan, const float *const src[SL_LANES], int size,
                          const float *window, float preemph, int remove_dc, int raw_energy,
                          float *scratch, float *power, double energy[SL_LANES]);

/// power[i] ← √power[i] for count lane vectors (magnitude instead of power spectrum).
void sl_lane_sqrt(float *power, int count);

/// Row output: out[l·stride + c] = ln(max(v[c·16 + l], ε)) for c < count, l < rows
/// (ε = FLT_EPSILON, as Kaldi floors before its log); v is overwritten with the logs.
void sl_lane_log_rows(float *v, int count, float *out, ptrdiff_t stride, int rows);

/// Sparse mel filters applied to lane-major spectra: filter m covers bins first[m]… with the
/// weights weights[offsets[m] ..< offsets[m+1]]; out[l·stride + m] = Σ w·P (then ln(max(·, ε))
/// when take_log), for m < count, l < rows. mel: scratch of count·16 floats.
void sl_lane_mel_rows(const float *power, const int *first, const int *offsets, const float *weights,
                      int count, int take_log, float *mel, float *out, ptrdiff_t stride, int rows);

#ifdef __cplusplus
}
#endif

#endif
