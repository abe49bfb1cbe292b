// CKernels: the LSTM cell's elementwise arithmetic in SIMD kernels chosen at run time by CPU.
#ifndef SEQLAB_CKERNELS_H
#define SEQLAB_CKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The limit the environment variable SEQLAB_ISA sets on every kernel family below (read once):
/// 3 for "avx512bf16" or when unset or empty (no limit), 2 "avx512", 1 "avx2", 0 "generic" (in any
/// case); −1 for
/// any other value, which sets no limit (the seqlab command refuses it). libxsmm is used only
/// where the limit allows AVX-512 (CSmallGemm); OpenBLAS, FFTW and the front end's frame kernels
/// choose their own (OPENBLAS_CORETYPE sets OpenBLAS's).
int seqlab_isa_limit(void);

/// `family` (numbered as seqlab_bf16_family_id) lowered to the limit, when there is one.
int seqlab_isa_cap(int family);

/// The instruction set the kernels below run with on this CPU, within SEQLAB_ISA's limit: 2
/// AVX-512F, 1 AVX2 + FMA, 0 plain C.
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

/// Adam's elementwise update in Float (Adam.c; Networks' Adam documents it) over n elements of the
/// weights w, gradient g and moments m, v, with constants {β₁, 1 − β₁, β₂, 1 − β₂, λ, η/c₁, √c₂, ε}:
/// gᵢ' = gᵢ + λ·wᵢ; mᵢ = β₁·mᵢ + (1 − β₁)·gᵢ'; vᵢ = β₂·vᵢ + (1 − β₂)·gᵢ'·gᵢ';
/// wᵢ −= (η/c₁)·mᵢ / (√vᵢ / √c₂ + ε), each operation rounded in turn (no FMAs), so every kernel
/// family gives the same bits. `_with` takes a family as seqlab_kernel_family_id (−1: the best).
void seqlab_adam_update(long n, float *w, const float *g, float *m, float *v, const float constants[8]);
void seqlab_adam_update_with(int family, long n, float *w, const float *g, float *m, float *v, const float constants[8]);

// Reduced-precision products for inference (BFloat16.c): operands rounded to bfloat16 (the top 16
// bits of a float, 8 significant bits; rounding to nearest even), products summed in float.
// A weight matrix W (rows × cols) is packed once into panels of 16 rows: panel p holds, for each
// pair of columns (2q, 2q+1), the 16 rows' two values side by side (64 bytes), zero-padded to 16
// rows and an even column count; an input row is a sequence of bfloat16 pairs (x[2q], x[2q+1])
// in one uint32 each (low half first), an odd count padded with 0.

/// The instruction set the products below run with on this CPU: 3 AVX512-BF16 (vdpbf16ps),
/// 2 AVX-512F, 1 AVX2 + FMA (bfloat16 widened to float, FMAs), 0 portable C; and its name
/// ("avx512bf16", "avx512", "avx2", "generic"), and whether a family can run here.
int seqlab_bf16_family_id(void);
const char *seqlab_bf16_family(void);
int seqlab_bf16_available(int family);

/// float → bfloat16 (nearest even; a NaN stays a quiet NaN) and back (exact).
uint16_t seqlab_bf16_from_float(float x);
float seqlab_bf16_to_float(uint16_t b);

/// The uint16 values W (rows × cols) takes packed: rows rounded up to 16, cols to 2.
long seqlab_bf16_packed_count(int rows, int cols);

/// Packs W (rows × cols, row stride ldw) into `packed` (seqlab_bf16_packed_count values).
void seqlab_bf16_pack(int rows, int cols, const float *w, int ldw, uint16_t *packed);

/// Packs W = wtᵀ (rows × cols) from wt (cols × rows, row stride ldwt), the same layout: for a
/// product with a matrix as it is stored (c += x·wt) or with a block of rows of one.
void seqlab_bf16_pack_transposed(int rows, int cols, const float *wt, int ldwt, uint16_t *packed);

/// c (m × n, row stride ldc) = x (m × k as pairs, row stride ldx pairs) · y, plus c when
/// `accumulate`, y in float (k × n, row stride ldy): y's rows packed `kc` (even) at a time into `scratch`
/// (seqlab_bf16_packed_count(n, kc) values) as seqlab_bf16_pack_transposed does, each block then
/// multiplied while it is in cache (seqlab_bf16_gemm). For a long k, as in a weight gradient
/// summed over all the frames of a batch.
void seqlab_bf16_gemm_unpacked(int m, int n, int k, const uint32_t *x, int ldx, const float *y, int ldy, int kc,
                               uint16_t *scratch, float *c, int ldc, int accumulate);

/// Rounds x[0..<n] into (n + 1) / 2 bfloat16 pairs.
void seqlab_bf16_round(int n, const float *x, uint32_t *pairs);

/// c (m × rows, row stride ldc) = x (m × cols as pairs, row stride ldx pairs) · Wᵀ, plus c when
/// `accumulate` (otherwise c is only written), W packed. Each output adds, pair by pair, the product of the odd then of the even column, each exact in float
/// and rounded once as it is added: the order of vdpbf16ps, which the other families follow with
/// FMAs (on this project's machine every family gives the same bits; a CPU whose vdpbf16ps
/// rounds otherwise could differ in the last bit).
void seqlab_bf16_gemm(int m, int rows, int cols, const uint32_t *x, int ldx, const uint16_t *packed, float *c, int ldc,
                      int accumulate);

/// The functions above with a given family (as seqlab_bf16_family_id) when this CPU has it,
/// else (or for −1) the best it has; for tests that check every family. The rounding has two
/// versions, and the transposed packing: AVX-512F (families 2 and 3) and portable C (0 and 1).
void seqlab_bf16_round_with(int family, int n, const float *x, uint32_t *pairs);
void seqlab_bf16_pack_transposed_with(int family, int rows, int cols, const float *wt, int ldwt, uint16_t *packed);
void seqlab_bf16_gemm_with(int family, int m, int rows, int cols, const uint32_t *x, int ldx, const uint16_t *packed, float *c,
                           int ldc, int accumulate);

// Panel products (PanelProduct.c): c (m × n) = x (m × k) · Wᵀ, plus c when accumulating, with W
// (n × k) packed once into panels of 16 outputs: panel p holds, for q = 0..<k, the 16 values
// W[16p + i][q] side by side (zero beyond n). For recurrent layers' per-frame products, where the
// weights stay the same for every frame of a pass.

/// The floats W (n × k) takes packed.
long seqlab_panels_count(int n, int k);

/// Packs W whose element (j, q) is w[j·rowStride + q·colStride] (W row-major: rowStride its row
/// stride, colStride 1; Wᵀ of a matrix stored k × n: rowStride 1, colStride its row stride).
void seqlab_panels_pack(int n, int k, const float *w, long rowStride, long colStride, float *packed);

/// c[r][j] = (c[r][j] when accumulate, else 0) + Σ_q x[r][q]·W[j][q], the terms added in order of q
/// by one FMA each: every family gives the same bits. x row stride ldx, c row stride ldc. With
/// `descending` the panels are visited last to first (the same bits): a recurrence that alternates
/// the order frame by frame starts each frame on the panels the last one left in cache.
void seqlab_panels_gemm(int m, int n, int k, const float *x, int ldx, const float *packed, float *c, int ldc, int accumulate,
                        int descending);

/// The kernels this CPU runs: 2 AVX-512F, 1 AVX2 + FMA, 0 portable C; and the product with a given family
/// (or the best for −1), for tests.
int seqlab_panels_family_id(void);
void seqlab_panels_gemm_with(int family, int m, int n, int k, const float *x, int ldx, const float *packed, float *c, int ldc,
                             int accumulate, int descending);

// One row against a matrix packed as one stream (StreamProduct.c): W (n × k) in blocks of 64 outputs,
// block b holding for q = 0..<k the 64 values W[64b + j][q] side by side. For batch-1 recurrent
// steps, where a panel product's single row reads four streams at once (docs/RESULTS.md).

/// Whether W of n outputs packs (n a multiple of 64), and whether the product pays: it packs and a
/// vector kernel runs (AVX2 or AVX-512: seqlab_kernel_family_id() ≥ 1).
int seqlab_stream_supported(int n);
int seqlab_stream_pays(int n);

/// The floats seqlab_stream_pack writes.
long seqlab_stream_count(int n, int k);

/// Packs W (n × k, row stride ldw); n a multiple of 64.
void seqlab_stream_pack(int n, int k, const float *w, long ldw, float *packed);

/// c[j] += Σ_q x[q]·W[j][q] for j = 0..<n, each sum from c[j] in order of q, one FMA a term (the
/// panel product's sums, so the same bits); the blocks last to first when `descending`. `family` as
/// seqlab_panels_gemm_with's (2 AVX-512, 1 AVX2, 0 portable C; −1 or above the CPU's, its best).
void seqlab_stream_product(int n, int k, const float *x, const float *packed, float *c, int descending);
void seqlab_stream_product_with(int family, int n, int k, const float *x, const float *packed, float *c, int descending);

// Threads kept for the process (WorkerPool.c), for work handed over often: batch-1 inference
// hands each layer to a second thread at every utterance.

/// One iteration of a pool call.
typedef void (*seqlab_pool_body)(void *context, long index);

/// Runs body(context, i) once for every i in 0..<count, on the calling thread and on up to
/// count − 1 pool threads (made on first need, no more than the CPUs the process may run on less
/// one, off the caller's CPU), and returns when all are done. A pool thread spins for 0.2 ms after a
/// call it served before it sleeps, so calls in quick succession do not wait for a thread to wake;
/// a call wakes only the threads it can use. Which thread runs which iteration
/// is not fixed; a thread not running (descheduled, asleep) leaves its iterations to the others.
/// 0; −1 with nothing run when the pool is held by another call (a nested or concurrent one) or
/// count is outside 1...65535: the caller then runs the iterations another way.
int seqlab_pool_run(long count, seqlab_pool_body body, void *context);

/// The pool threads made so far.
int seqlab_pool_threads(void);

/// The CPUs this process may run on (its affinity; `taskset` narrows it), which bound the pool.
int seqlab_pool_cpus(void);

/// For tests: calls from now on act as if the process may run on `count` CPUs (making and using
/// up to count − 1 pool threads), so that a machine of two can test a pool of several; 0 returns to
/// the CPUs the process may run on. Threads made stay, and those beyond the count sit out calls.
void seqlab_pool_assume_cpus(int count);

// A bidirectional LSTM layer's batch-1 recurrences with each direction's units split between two
// threads (SplitRecurrence.c; `LSTMNetwork`'s float inference on two or more threads).

/// Whether a layer of H units splits: each half's 4·(H/2) outputs in whole blocks of 64 (H a
/// multiple of 32).
int seqlab_split_supported(int H);

/// Memory for packed halves, in 2 MB-aligned blocks the kernel is asked to back with huge pages, so
/// that a 512 KB half lies in physically contiguous memory and spreads evenly over the L2's sets (in
/// 4 KB pages it lands on whatever pages the process gets). 2×256 batch 1 on a Zen 5, eight rounds:
/// 57,311–61,672 → 59,926–65,638 frames/s in the runs that went well; it did not remove the runs
/// that went badly (docs/RESULTS.md). NULL when out of memory. Freed by seqlab_split_free.
float *seqlab_split_alloc(long floats);
void seqlab_split_free(float *p);

/// The L2 size of a core (sysconf), 1 MB when the system does not say.
long seqlab_l2_bytes(void);

/// Whether the split pays: H splits, the AVX-512 kernel runs, and a direction's W_hh (16·H² bytes)
/// fills the L2 or more. With it a 2×256 BLSTM's batch-1 inference ran 15% faster on a Zen 5 (1 MB
/// L2), 1×512 5%; 2×192 8% and 1×128 5% slower (docs/RESULTS.md).
int seqlab_split_pays(int H);

/// The floats seqlab_split_pack writes for `count` units of a layer of H.
long seqlab_split_count(int H, int count);

/// Packs the rows of W_hh (4H × H, row-major, gates i f g o) of units first..<first + count of each
/// gate, in gate order (4·count outputs), as one stream: blocks of 64 outputs, for q = 0..<H the
/// block's 64 weights side by side.
void seqlab_split_pack(int H, const float *whh, int first, int count, float *packed);

/// One direction's recurrence: its input products in `gates` (T × 4H, bias not added, as
/// LSTMLayer's batch-1 forward leaves them), where the gate activations are written back; s_t and
/// tanh(s_t) into cells and tanhCells (T × H); h_t into y + t·ldy; `packed` the halves of W_hh
/// (units 0..<H/2 and H/2..<H, seqlab_split_pack); bias b_ih + b_hh (4H); peepholes (H each) or
/// NULL; `reversed` for the backward direction. Zero state before the first frame processed.
typedef struct {
    int T, H;
    float *gates, *cells, *tanhCells, *y;
    int ldy;
    const float *packed[2];
    const float *bias, *pi, *pf, *po;
    int reversed;
} seqlab_split_direction;

/// Runs the directions one after the other, each frame's product and cell for units 0..<H/2 on the
/// caller's thread and for H/2..<H on a pool thread (seqlab_pool_run; when another call holds the
/// pool, the caller does both), the two meeting after every frame; the
/// same sums in the same order as LSTMLayer's forward (a_t from the input product, then the terms
/// of h_{t−1}·W_hhᵀ in order, then the cell kernel). A half the other thread has not taken when the
/// caller has done its own (the thread not awake yet, or descheduled) the caller does itself, so
/// no frame waits on a thread that is not running. 0, or −1 when a direction's H does not split or
/// memory ran out (nothing written).
int seqlab_lstm_split_recurrences(const seqlab_split_direction *directions, int count);

// The multiply-add rate of one core (FMARate.c), for bench-networks: `iterations` rounds of ten
// independent float FMA chains of seqlab_fma_lanes() lanes (the panel product's width: 16 with
// AVX-512, else 8; 20 × lanes flops a round); returns their sum so that none is optimised away.
float seqlab_fma_chains(long iterations);
int seqlab_fma_lanes(void);

#ifdef __cplusplus
}
#endif

#endif
