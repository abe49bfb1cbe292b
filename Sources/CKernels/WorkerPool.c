// WorkerPool: threads kept for the life of the process that take iterations of a call beside the
// calling thread (CKernels.h). Handing work to a thread that waits in the kernel costs a wake-up (a
// futex and a context switch, tens of microseconds here), and batch-1 inference hands work over at
// every layer of every utterance; these threads spin for a while after each call, so a call that
// follows soon finds them awake.
#define _GNU_SOURCE
#include "CKernels.h"
#include "PauseCPU.h"
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { MAX_WORKERS = 63, MAX_COUNT = 0xffff };

/// How long a pool thread spins for the next call after its last before it sleeps.
static const long SPIN_NANOSECONDS = 200000;

/// The call in progress, published as one word: generation (32 bits), iteration count (16) and
/// the next unclaimed iteration (16). A thread claims iteration i by moving the word from
/// (g, n, i) to (g, n, i + 1), so a thread that slept through a call can never claim an iteration
/// of the next one under the old call's body: the generation would differ.
static _Atomic uint64_t ticket;
static atomic_long completed;          // iterations of the current call finished
static seqlab_pool_body call_body;     // written before the ticket that publishes them, read after a claim
static void *call_context;
static atomic_int busy;                // a call holds the pool
/// Pool thread k sleeps on wake_word[k] (a futex word), moved by each call that needs thread k, so
/// that a call wakes only the threads it can use.
static atomic_uint wake_word[MAX_WORKERS];
static atomic_int asleep[MAX_WORKERS];
static atomic_int started;             // threads made
static int failed;                     // whether making one failed (held under busy)
static uint32_t generation;            // held under busy
static long cpus;                      // held under busy: how many the process may run on, and which
static cpu_set_t allowed;
static atomic_long assumed_cpus;       // seqlab_pool_assume_cpus: the count to act on instead (0: none)
static atomic_long serving;            // pool threads 0..<serving take part in calls
static pthread_t threads[MAX_WORKERS]; // held under busy
static atomic_int thread_cpu[MAX_WORKERS];   // the CPU each pool thread last found itself on

static uint64_t ticket_of(uint32_t g, long n, long next) { return (uint64_t)g << 32 | (uint64_t)n << 16 | (uint64_t)next; }
static uint32_t generation_of(uint64_t t) { return (uint32_t)(t >> 32); }
static long count_of(uint64_t t) { return (long)(t >> 16 & 0xffff); }
static long next_of(uint64_t t) { return (long)(t & 0xffff); }

static long nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
}

/// Claims and runs the iterations of call g left unclaimed; how many it ran.
static long take_iterations(uint32_t g) {
    long ran = 0;
    uint64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
    while (generation_of(t) == g && next_of(t) < count_of(t)) {
        if (atomic_compare_exchange_weak_explicit(&ticket, &t, t + 1, memory_order_acq_rel, memory_order_acquire)) {
            // The claim holds call g open (it cannot finish before this iteration does), so its
            // body and context are still the ones the ticket published.
            call_body(call_context, next_of(t));
            atomic_fetch_add_explicit(&completed, 1, memory_order_release);
            ran++;
            t = atomic_load_explicit(&ticket, memory_order_acquire);
        }
    }
    return ran;
}

/// The CPUs the process may run on but the caller's now, when there are any (held under busy).
static int away_from_caller(cpu_set_t *elsewhere) {
    const int here = sched_getcpu();
    if (cpus < 2 || here < 0 || !CPU_ISSET(here, &allowed)) return 0;
    *elsewhere = allowed;
    CPU_CLR(here, elsewhere);
    return 1;
}

/// Pool thread k serves the calls of more than k + 1 iterations (while k < `serving`): a call of
/// two wakes one thread whatever the pool's size. After a call it served it spins for the next; a
/// thread no call needs falls asleep SPIN_NANOSECONDS after the last it served.
static void *pool_thread(void *argument) {
    const uint64_t packed = (uint64_t)(uintptr_t)argument;   // k, and the generation before the call that made it
    const long k = (long)(packed >> 32);
    uint32_t last = (uint32_t)packed;
    long since = nanoseconds();
    for (long spins = 1;; spins++) {
        const uint64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
        if (generation_of(t) != last) {
            last = generation_of(t);
            atomic_store_explicit(&thread_cpu[k], sched_getcpu(), memory_order_relaxed);
            if (count_of(t) > k + 1 && k < atomic_load_explicit(&serving, memory_order_relaxed)) {
                take_iterations(last);
                since = nanoseconds();
            }
            spins = 0;
            continue;
        }
        pause_cpu();
        if (spins % 256 != 0) continue;
        atomic_store_explicit(&thread_cpu[k], sched_getcpu(), memory_order_relaxed);
        sched_yield();   // to a thread waiting for this CPU, if there is one
        if (nanoseconds() - since > SPIN_NANOSECONDS) {
            const unsigned e = atomic_load(&wake_word[k]);
            if (generation_of(atomic_load(&ticket)) != last) continue;   // a call came meanwhile
            atomic_store(&asleep[k], 1);
            syscall(SYS_futex, &wake_word[k], FUTEX_WAIT_PRIVATE, e, NULL, NULL, 0);
            atomic_store(&asleep[k], 0);
            since = nanoseconds();
        }
    }
    return NULL;
}

/// The CPUs this process may run on, into `set` (none when unknown), and how many (at least 1).
static long affinity(cpu_set_t *set) {
    if (sched_getaffinity(0, sizeof *set, set) != 0) CPU_ZERO(set);
    return CPU_COUNT(set) > 0 ? CPU_COUNT(set) : 1;
}

/// A child of fork() has none of its parent's threads: it starts a pool of its own.
static void forget_threads(void) {
    atomic_store(&started, 0);
    failed = 0;
    cpus = 0;
    for (int k = 0; k < MAX_WORKERS; k++) atomic_store(&asleep[k], 0);
    atomic_store(&busy, 0);
}

int seqlab_pool_run(long count, seqlab_pool_body body, void *context) {
    if (count < 1 || count > MAX_COUNT) return -1;
    if (atomic_exchange_explicit(&busy, 1, memory_order_acquire)) return -1;   // nested or concurrent
    if (cpus == 0) {   // the CPUs this process may run on, counted at the first call
        static int registered;
        if (!registered) registered = pthread_atfork(NULL, NULL, forget_threads) == 0;
        cpus = affinity(&allowed);
    }
    const long assumed = atomic_load(&assumed_cpus), usable = assumed > 0 ? assumed : cpus;
    long wanted = count - 1;
    if (wanted > usable - 1) wanted = usable - 1;   // none on one CPU: a spinning thread would take the caller's time
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    atomic_store_explicit(&serving, usable - 1 < MAX_WORKERS ? usable - 1 : MAX_WORKERS, memory_order_relaxed);
    while (!failed && started < wanted) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        cpu_set_t elsewhere;
        if (away_from_caller(&elsewhere)) pthread_attr_setaffinity_np(&attributes, sizeof elsewhere, &elsewhere);
        void *argument = (void *)(uintptr_t)((uint64_t)started << 32 | generation);
        atomic_store(&thread_cpu[started], -1);
        if (pthread_create(&thread, &attributes, pool_thread, argument) == 0) threads[started++] = thread;
        else failed = 1;   // the calls go on with the threads there are; the caller can take every iteration
        pthread_attr_destroy(&attributes);
    }
    call_body = body;
    call_context = context;
    atomic_store_explicit(&completed, 0, memory_order_relaxed);
    generation++;
    atomic_store_explicit(&ticket, ticket_of(generation, count, 0), memory_order_release);
    for (long k = 0; k < wanted && k < started; k++) {   // the threads this call can use, woken if asleep
        atomic_fetch_add(&wake_word[k], 1);
        if (atomic_load(&asleep[k])) syscall(SYS_futex, &wake_word[k], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    const long own = take_iterations(generation);
    for (long spins = 1; atomic_load_explicit(&completed, memory_order_acquire) < count; spins++) {
        pause_cpu();
        if (spins % 1024 == 0) sched_yield();   // a pool thread descheduled mid-iteration
    }
    // A pool thread that took no part because it shares this thread's CPU (it spins only while
    // this one waits) moves: the scheduler may take milliseconds to part two busy threads.
    if (own == count && count > 1) {
        const int here = sched_getcpu();
        cpu_set_t elsewhere;
        for (long k = 0; k < started && k < count - 1; k++)
            if (atomic_load_explicit(&thread_cpu[k], memory_order_relaxed) == here && away_from_caller(&elsewhere)) {
                pthread_setaffinity_np(threads[k], sizeof elsewhere, &elsewhere);
                atomic_store_explicit(&thread_cpu[k], -1, memory_order_relaxed);
            }
    }
    atomic_store_explicit(&busy, 0, memory_order_release);
    return 0;
}

int seqlab_pool_threads(void) {
    return atomic_load(&started);
}

int seqlab_pool_cpus(void) {
    cpu_set_t set;
    return (int)affinity(&set);
}

void seqlab_pool_assume_cpus(int count) {
    atomic_store(&assumed_cpus, count > 0 ? count : 0);
}
