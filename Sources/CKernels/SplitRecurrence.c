// SplitRecurrence: a bidirectional LSTM layer's recurrences at batch 1 with each direction's units
// split between two threads (CKernels.h). A batch-1 step streams W_hh (1 MB for H = 256) at about
// 170 GB/s whether or not it fits the L2, so two directions side by side on two cores read as many
// bytes a core as the directions in turn with half of each on each core; what the split buys is
// that a half (512 KB) read as one stream, in blocks of 64 outputs, runs at about 250 GB/s
// (docs/RESULTS.md, "What is left for float batch 1"). The two threads meet at every frame on the
// frame's two half slots (a cache line passes between two cores in about 43 ns here).
#include "CKernels.h"
#include "PauseCPU.h"
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { BLOCK = 64 };   // outputs a block of the packed half holds

long seqlab_split_count(int H, int count) { return 4L * count * H; }

int seqlab_split_supported(int H) { return H > 0 && (2 * H) % BLOCK == 0; }   // 4·(H/2) outputs in whole blocks

float *seqlab_split_alloc(long floats) {
    const size_t huge = 2u << 20, bytes = ((size_t)floats * sizeof(float) + huge - 1) / huge * huge;
    void *p = NULL;
    if (posix_memalign(&p, huge, bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);   // a hint; without huge pages the memory works the same
#endif
    return p;
}

void seqlab_split_free(float *p) { free(p); }

long seqlab_l2_bytes(void) {
#ifdef _SC_LEVEL2_CACHE_SIZE
    const long bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
    if (bytes > 0) return bytes;
#endif
    return 1L << 20;
}

int seqlab_split_pays(int H) {
    return seqlab_split_supported(H) && seqlab_kernel_family_id() == 2 && 16L * H * H >= seqlab_l2_bytes();
}

void seqlab_split_pack(int H, const float *whh, int first, int count, float *packed) {
    const int outputs = 4 * count;
    for (int o = 0; o < outputs; o++) {
        const int gate = o / count, unit = first + o % count;
        const float *row = whh + ((long)gate * H + unit) * H;
        float *block = packed + (long)(o / BLOCK) * H * BLOCK + o % BLOCK;
        for (int q = 0; q < H; q++) block[(long)q * BLOCK] = row[q];
    }
}

/// A frame's half: claimed by the thread that does it, and done. Each half on a cache line of its
/// own, so that a thread claims and finishes its own half without the line leaving its core.
typedef struct {
    atomic_int claimed, done;
    char pad[64 - 2 * sizeof(atomic_int)];
} half_slot;

typedef struct {
    half_slot half[2];
} frame_slot;

typedef struct {
    const seqlab_split_direction *directions;
    int count, widest;    // directions; their largest H
    frame_slot *slots;    // one a frame, in the order the frames run
    float *biases;        // per direction, per half: the half's 4 gate blocks of b_ih + b_hh
    float *zeros;         // H/2 zeros at most: the state before a direction's first frame
    float *scratch;       // 2·widest floats a thread: a frame's half of the gates
} split_run;

/// Units half·H/2..<(half + 1)·H/2 of direction d's frame `step` (in processing order).
static void run_half(const split_run *run, int d, int step, int half, float *a) {
    const seqlab_split_direction *dir = &run->directions[d];
    const int T = dir->T, H = dir->H, units = H / 2, first = half * units, G = 4 * H;
    const int t = dir->reversed ? T - 1 - step : step, tp = dir->reversed ? t + 1 : t - 1;
    float *gates = dir->gates + (long)t * G;
    for (int g = 0; g < 4; g++) memcpy(a + g * units, gates + g * H + first, sizeof(float) * (size_t)units);
    if (step > 0) seqlab_stream_product(4 * units, H, dir->y + (long)tp * dir->ldy, dir->packed[half], a, step % 2);
    const float *sp = step > 0 ? dir->cells + (long)tp * H + first : run->zeros;
    long offset = 0;
    for (int e = 0; e < d; e++) offset += 4L * run->directions[e].H;
    const float *bias = run->biases + offset + (long)half * 4 * units;
    seqlab_lstm_forward(units, a, bias, sp, dir->pi ? dir->pi + first : NULL, dir->pf ? dir->pf + first : NULL,
                        dir->po ? dir->po + first : NULL, dir->cells + (long)t * H + first, dir->tanhCells + (long)t * H + first,
                        dir->y + (long)t * dir->ldy + first);
    for (int g = 0; g < 4; g++) memcpy(gates + g * H + first, a + g * units, sizeof(float) * (size_t)units);
}

/// Every frame in turn: this thread's own half first, then the other half if no thread has taken it
/// (the other thread has not woken, or was descheduled: no frame waits on a thread that is not
/// running), then the wait for both halves before the next frame reads all of h_t.
static void split_worker(split_run *run, int core) {
    float *a = run->scratch + (size_t)core * 2 * (size_t)run->widest;
    long f = 0;
    for (int d = 0; d < run->count; d++)
        for (int step = 0; step < run->directions[d].T; step++, f++) {
            half_slot *own = &run->slots[f].half[core], *other = &run->slots[f].half[1 - core];
            if (atomic_exchange_explicit(&own->claimed, 1, memory_order_acq_rel) == 0) {
                run_half(run, d, step, core, a);
                atomic_store_explicit(&own->done, 1, memory_order_release);
            }
            if (atomic_load_explicit(&other->claimed, memory_order_relaxed) == 0
                && atomic_exchange_explicit(&other->claimed, 1, memory_order_acq_rel) == 0) {
                run_half(run, d, step, 1 - core, a);
                atomic_store_explicit(&other->done, 1, memory_order_release);
            }
            for (long spins = 1; !atomic_load_explicit(&other->done, memory_order_acquire)
                                 || !atomic_load_explicit(&own->done, memory_order_acquire); spins++) {
                pause_cpu();
                if (spins % 1024 == 0) sched_yield();
            }
        }
}

static void split_iteration(void *context, long index) {
    split_worker(context, (int)index);
}

int seqlab_lstm_split_recurrences(const seqlab_split_direction *directions, int count) {
    long frames = 0, biasCount = 0;
    int widest = 0;
    for (int d = 0; d < count; d++) {
        if (!seqlab_split_supported(directions[d].H) || directions[d].T < 1) return -1;
        frames += directions[d].T;
        biasCount += 4L * directions[d].H;
        widest = directions[d].H > widest ? directions[d].H : widest;
    }
    split_run run = {directions, count, widest, NULL, NULL, NULL, NULL};
    run.slots = aligned_alloc(64, sizeof(frame_slot) * (size_t)frames);
    run.biases = malloc(sizeof(float) * (size_t)biasCount);
    run.zeros = calloc((size_t)widest, sizeof(float));
    run.scratch = malloc(sizeof(float) * 4 * (size_t)widest);
    if (!run.slots || !run.biases || !run.zeros || !run.scratch) {
        free(run.slots); free(run.biases); free(run.zeros); free(run.scratch);
        return -1;
    }
    for (long f = 0; f < frames; f++)
        for (int half = 0; half < 2; half++) {
            atomic_init(&run.slots[f].half[half].claimed, 0);
            atomic_init(&run.slots[f].half[half].done, 0);
        }
    float *bias = run.biases;
    for (int d = 0; d < count; d++) {
        const int H = directions[d].H, units = H / 2;
        for (int half = 0; half < 2; half++)
            for (int g = 0; g < 4; g++, bias += units) memcpy(bias, directions[d].bias + g * H + half * units, sizeof(float) * (size_t)units);
    }
    // The other half on a pool thread (awake if a call came shortly before). When another call
    // holds the pool (this process already keeps its CPUs busy), this thread does every half.
    if (seqlab_pool_run(2, split_iteration, &run) != 0) split_worker(&run, 0);
    free(run.slots); free(run.biases); free(run.zeros); free(run.scratch);
    return 0;
}
