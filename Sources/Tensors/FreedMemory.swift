// FreedMemory: keep freed heap memory in the process so large per-batch buffers are not faulted in afresh.
#if canImport(Glibc)
import Glibc
#endif

/// Keeps freed heap memory in the process for the next batch (glibc's `mallopt`, malloc.h):
/// - M_MMAP_THRESHOLD (−3) to its largest value, 2 GiB − 1, and M_TRIM_THRESHOLD (−1) to −1 (never
///   trim), M_TOP_PAD (−2) 64 MiB. With glibc's defaults every buffer above 128 KiB (a training
///   batch's activations and gradients) is an `mmap` of its own, returned to the kernel when freed
///   and page-faulted and zeroed again on the next batch: about 15% of the CPU time of a BLSTM
///   training step, all of it in the kernel. (PyTorch's own benchmarks raise these thresholds
///   likewise, to 128 and 256 MiB; lines of handwriting, batches of 32 sequences of up to 3,806
///   frames, have single buffers of 70–360 MB, above those.)
/// - M_ARENA_MAX (−8) to 1: one arena for every thread. A buffer a worker thread allocates (the
///   second direction of a bidirectional layer runs on one) otherwise comes from that thread's own
///   arena, whose heaps hold at most 64 MiB, so a larger one is an `mmap` whatever the threshold.
///
/// Measured on those lines (`train --precision bf16`, 2×192, two threads): 21,500–22,400 training
/// frames/s per epoch before, 31,000 → 35,700 → 39,300 over the first three epochs after (the heap
/// grows to the run's peak once), the same model bytes; the 200-frame benchmark shapes unchanged
/// within their noise. The price: the process keeps its peak memory until it exits.
/// Process-wide and idempotent; does nothing where glibc's `mallopt` is not found (e.g. macOS).
public func keepFreedMemory() {
    #if canImport(Glibc)
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    _ = mallopt(-3, Int32.max)   // M_MMAP_THRESHOLD
    _ = mallopt(-1, -1)          // M_TRIM_THRESHOLD: never give the heap's top back
    _ = mallopt(-2, 64 << 20)    // M_TOP_PAD
    _ = mallopt(-8, 1)           // M_ARENA_MAX
    #endif
}
