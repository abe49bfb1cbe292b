// LSTMCell: the LSTM's elementwise gate arithmetic for one frame, forward and backward, vectorised per CPU.
#include "CKernels.h"

#include <stdint.h>
#include <string.h>

// e^x as Networks' Float.exp computes it (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-6
// polynomial, 2ⁿ through the exponent bits), clamped to [−87, 88] so it never gives 0 or ∞;
// NaN stays NaN. Branch-free, so the loops below vectorise.
#define ALWAYS_INLINE __attribute__((always_inline)) static inline

ALWAYS_INLINE float k_exp(float x) {
    const float xc = x != x ? 0.0f : (x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x));
    const float magic = 12582912.0f;
    const float shifted = xc * 1.44269504f + magic;
    const float n = shifted - magic;
    const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.33345191e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.00000012e-1f;
    const float y = p * r * r + r + 1.0f;
    int32_t sb, mb;
    memcpy(&sb, &shifted, 4);
    memcpy(&mb, &magic, 4);
    const int32_t bits = (int32_t)((uint32_t)(sb - mb + 127) << 23);
    float scale;
    memcpy(&scale, &bits, 4);
    return x != x ? x : y * scale;
}

ALWAYS_INLINE float k_logistic(float x) { return 1.0f / (1.0f + k_exp(-x)); }

ALWAYS_INLINE float k_tanh(float x) {
    const float xc = x < -20.0f ? -20.0f : (x > 20.0f ? 20.0f : x);
    return 1.0f - 2.0f / (k_exp(2.0f * xc) + 1.0f);
}

ALWAYS_INLINE void forward_body(int H, float *a, const float *bias, const float *sp, const float *pi, const float *pf,
                                const float *po, float *s, float *c, float *h, const int peep) {
    float *ai = a, *af = a + H, *ag = a + 2 * H, *ao = a + 3 * H;
    const float *bi = bias, *bf = bias + H, *bg = bias + 2 * H, *bo = bias + 3 * H;
    for (int j = 0; j < H; j++) {
        const float zi = peep ? ai[j] + bi[j] + pi[j] * sp[j] : ai[j] + bi[j];
        const float zf = peep ? af[j] + bf[j] + pf[j] * sp[j] : af[j] + bf[j];
        const float i = k_logistic(zi), f = k_logistic(zf), g = k_tanh(ag[j] + bg[j]);
        const float st = f * sp[j] + i * g;
        const float o = k_logistic(peep ? ao[j] + bo[j] + po[j] * st : ao[j] + bo[j]);
        const float ct = k_tanh(st);
        ai[j] = i; af[j] = f; ag[j] = g; ao[j] = o;
        s[j] = st; c[j] = ct; h[j] = o * ct;
    }
}

ALWAYS_INLINE void backward_body(int H, const float *a, const float *sp, const float *s, const float *c,
                                 const float *dh, const float *dhNext, float *ds, float *d,
                                 const float *pi, const float *pf, const float *po,
                                 float *dpi, float *dpf, float *dpo, const int peep, const int next) {
    const float *ai = a, *af = a + H, *ag = a + 2 * H, *ao = a + 3 * H;
    for (int j = 0; j < H; j++) {
        const float i = ai[j], f = af[j], g = ag[j], o = ao[j], spj = sp[j], tj = c[j];
        const float dhj = next ? dh[j] + dhNext[j] : dh[j];
        const float dao = dhj * tj * o * (1 - o);
        float dsj = dhj * o * (1 - tj * tj) + (next ? ds[j] : 0.0f);
        if (peep) dsj += dao * po[j];
        const float dai = dsj * g * i * (1 - i);
        const float dag = dsj * i * (1 - g * g);
        const float daf = dsj * spj * f * (1 - f);
        float carry = dsj * f;
        if (peep) {
            carry += dai * pi[j] + daf * pf[j];
            dpi[j] += dai * spj;
            dpf[j] += daf * spj;
            dpo[j] += dao * s[j];
        }
        ds[j] = carry;
        d[j] = dai; d[H + j] = daf; d[2 * H + j] = dag; d[3 * H + j] = dao;
    }
}

#define FORWARD_ARGS int H, float *a, const float *bias, const float *sp, const float *pi, const float *pf, const float *po, \
                     float *s, float *c, float *h
#define BACKWARD_ARGS int H, const float *a, const float *sp, const float *s, const float *c, const float *dh, \
                      const float *dhNext, float *ds, float *d, const float *pi, const float *pf, \
                      const float *po, float *dpi, float *dpf, float *dpo
#define FORWARD_CALL(peep) forward_body(H, a, bias, sp, pi, pf, po, s, c, h, peep)
#define BACKWARD_CALL(peep, next) \
    backward_body(H, a, sp, s, c, dh, dhNext, ds, d, pi, pf, po, dpi, dpf, dpo, peep, next)

// One copy of each loop per instruction set; `peep` and `next` are constants in each copy.
#define DEFINE_CELL(suffix, attributes)                                                         \
    attributes static void forward_##suffix(FORWARD_ARGS) {                                     \
        if (pi) FORWARD_CALL(1); else FORWARD_CALL(0);                                          \
    }                                                                                           \
    attributes static void backward_##suffix(BACKWARD_ARGS) {                                   \
        if (pi) { if (dhNext) BACKWARD_CALL(1, 1); else BACKWARD_CALL(1, 0); }                  \
        else { if (dhNext) BACKWARD_CALL(0, 1); else BACKWARD_CALL(0, 0); }                     \
    }

DEFINE_CELL(generic, )
typedef void (*forward_fn)(FORWARD_ARGS);
typedef void (*backward_fn)(BACKWARD_ARGS);

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
DEFINE_CELL(avx2, __attribute__((target("avx2,fma"))))
DEFINE_CELL(avx512, __attribute__((target("avx512f,avx512dq"))))
static const forward_fn forwards[] = {forward_generic, forward_avx2, forward_avx512};
static const backward_fn backwards[] = {backward_generic, backward_avx2, backward_avx512};

int seqlab_kernel_family_id(void) {
    static volatile int chosen = -1;   // a benign race: every thread computes the same value
    if (chosen < 0) {
        __builtin_cpu_init();
        chosen = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") ? 2
               : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
    }
    return chosen;
}
#else
static const forward_fn forwards[] = {forward_generic};
static const backward_fn backwards[] = {backward_generic};

int seqlab_kernel_family_id(void) { return 0; }
#endif

const char *seqlab_kernel_family(void) {
    static const char *names[] = {"generic", "avx2", "avx512"};
    return names[seqlab_kernel_family_id()];
}

int seqlab_kernel_available(int family) { return family >= 0 && family <= seqlab_kernel_family_id(); }

static int pick(int family) {
    return family < 0 || family > seqlab_kernel_family_id() ? seqlab_kernel_family_id() : family;
}

void seqlab_lstm_forward_with(int family, FORWARD_ARGS) { forwards[pick(family)](H, a, bias, sp, pi, pf, po, s, c, h); }

void seqlab_lstm_backward_with(int family, BACKWARD_ARGS) {
    backwards[pick(family)](H, a, sp, s, c, dh, dhNext, ds, d, pi, pf, po, dpi, dpf, dpo);
}

void seqlab_lstm_forward(FORWARD_ARGS) { seqlab_lstm_forward_with(-1, H, a, bias, sp, pi, pf, po, s, c, h); }

void seqlab_lstm_backward(BACKWARD_ARGS) {
    seqlab_lstm_backward_with(-1, H, a, sp, s, c, dh, dhNext, ds, d, pi, pf, po, dpi, dpf, dpo);
}
