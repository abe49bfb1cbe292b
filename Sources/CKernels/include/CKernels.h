// CKernels: the LSTM cell's elementwise arithmetic in SIMD kernels chosen at run time by CPU.
#ifndef SEQLAB_CKERNELS_H
#define SEQLAB_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction set the kernels below run with on this CPU: 2 AVX-512F, 1 AVX2 + FMA, 0 plain C.
int seqlab_kernel_family_id(void);

/// Its name: "avx512", "avx2" or "generic".
const char *seqlab_kernel_family(void);

/// Whether this CPU can run kernel family `family` (0, 1 or 2 as above).
int seqlab_kernel_available(int family);

/// One frame of one sequence through an LSTM cell (Graves 2012 §4.5; the equations and the gate
/// order i, f, g, o are LSTMLayer's): a holds the 4H pre-activations without bias (the input and
/// recurrent products) and receives the gate activations; bias (4H) is b_ih + b_hh, added here;
/// sp is the previous cell state; pi, pf, po the
/// peephole weights, or all NULL for none; s, c, h receive s_t, tanh(s_t) and h_t. The nonlinearities
/// are Networks' Float.exp-based logistic and tanh (relative error of e^x below 3·10⁻⁷).
void seqlab_lstm_forward(int H, float *a, const float *bias, const float *sp, const float *pi, const float *pf, const float *po,
                         float *s, float *c, float *h);

/// Backpropagation through one frame of the cell: from the activations a (4H, as forward left them),
/// sp, s, c of the frame, dh = ∂L/∂h_t from above plus dhNext (∂L/∂h_t through the next frame's
/// gates, or NULL at the last frame, when ds is not read either), writes ∂L/∂(pre-activations) into
/// d (4H) and ∂L/∂s_{t−1} into ds, and with peepholes (pi non-NULL) adds the peephole gradients into
/// dpi, dpf, dpo.
void seqlab_lstm_backward(int H, const float *a, const float *sp, const float *s, const float *c, const float *dh,
                          const float *dhNext, float *ds, float *d, const float *pi, const float *pf,
                          const float *po, float *dpi, float *dpf, float *dpo);

/// The two functions above with a given kernel family (0, 1 or 2) when this CPU has it, else
/// with the best it has; for tests that check every family.
void seqlab_lstm_forward_with(int family, int H, float *a, const float *bias, const float *sp, const float *pi,
                              const float *pf, const float *po, float *s, float *c, float *h);
void seqlab_lstm_backward_with(int family, int H, const float *a, const float *sp, const float *s, const float *c,
                               const float *dh, const float *dhNext, float *ds, float *d, const float *pi,
                               const float *pf, const float *po, float *dpi, float *dpf, float *dpo);

#ifdef __cplusplus
}
#endif

#endif
