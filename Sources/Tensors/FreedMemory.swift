// FreedMemory: keep freed heap memory in the process so large per-batch buffers are not faulted in afresh.
#if canImport(Glibc)
import Glibc
#endif

/// Raises glibc's malloc thresholds (`mallopt`, glibc's malloc.h: M_MMAP_THRESHOLD −3 to 128 MiB,
/// M_TRIM_THRESHOLD −1 to 256 MiB, M_TOP_PAD −2 to 64 MiB), the settings PyTorch's own benchmarks
/// use. Without them every buffer above 128 KiB (a training batch's activations and gradients) is
/// an `mmap` of its own, returned to the kernel when freed and page-faulted and zeroed again on the
/// next batch: about 15% of the CPU time of a BLSTM training step, all of it in the kernel.
/// Process-wide and idempotent; does nothing where glibc's `mallopt` is not found (e.g. macOS).
public func keepFreedMemory() {
    #if canImport(Glibc)
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    _ = mallopt(-3, 128 << 20)
    _ = mallopt(-1, 256 << 20)
    _ = mallopt(-2, 64 << 20)
    #endif
}
