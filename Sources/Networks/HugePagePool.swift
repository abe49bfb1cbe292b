// HugePagePool: the large scratch buffers of training steps and passes in 2 MB pages, kept for reuse.

import CKernels
import Foundation

/// Where `ScratchBuffer`s of `threshold` bytes or more live: blocks of 2 MB pages
/// (`seqlab_huge_alloc`), handed back when the buffer goes and taken again by the next buffer
/// that fits. The products of a training step read rows of (T·B) × 4H buffers (the gates, ∂L/∂a)
/// 4 KB and more apart, one 4 KB page a row, and so many more pages than the TLB holds; in 2 MB
/// pages a 2×256 BLSTM's training step ran 3–7% faster on a Zen 5 (docs/RESULTS.md). The pool
/// keeps a block for reuse because the kernel gives huge pages only to memory it faults in afresh,
/// at the cost of clearing them, and a step that allocated its buffers anew ran at half the speed.
/// It never holds more than the most bytes its buffers ever had in use at once: a request no idle
/// block fits first frees idle blocks, the smallest first, as far as the new block would take the
/// pool beyond that, so the pool costs no more memory than the buffers' own peak.
final class HugePagePool: @unchecked Sendable {
    static let shared = HugePagePool()
    /// The smallest request the pool serves: a buffer under 4 MB spans few pages, and rounding it up
    /// to 2 MB blocks would waste a larger share.
    static let threshold = 4 << 20
    static let blockBytes = 2 << 20

    private var idle: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []   // by size, smallest first
    private var idleBytes = 0, inUse = 0
    private(set) var mostInUse = 0
    private let lock = NSLock()

    /// A block of at least `bytes` (the smallest idle one that is large enough, else a new one) and
    /// its size, or nil when memory ran out. Its contents are whatever its last user left.
    func take(_ bytes: Int) -> (pointer: UnsafeMutableRawPointer, bytes: Int)? {
        lock.lock()
        defer { lock.unlock() }
        let block: (pointer: UnsafeMutableRawPointer, bytes: Int)
        if let i = idle.firstIndex(where: { $0.bytes >= bytes }) {
            block = idle.remove(at: i)
            idleBytes -= block.bytes
        } else {
            let rounded = (bytes + Self.blockBytes - 1) / Self.blockBytes * Self.blockBytes
            let limit = max(mostInUse, inUse + rounded)
            while idleBytes + inUse + rounded > limit, !idle.isEmpty {
                let smallest = idle.removeFirst()
                idleBytes -= smallest.bytes
                seqlab_huge_free(smallest.pointer)
            }
            guard let pointer = seqlab_huge_alloc(rounded) else { return nil }
            block = (pointer, rounded)
        }
        inUse += block.bytes
        mostInUse = max(mostInUse, inUse)
        return block
    }

    /// Hands back a block `take` gave.
    func give(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        inUse -= bytes
        idle.insert((pointer, bytes), at: idle.firstIndex(where: { $0.bytes >= bytes }) ?? idle.count)
        idleBytes += bytes
    }

    /// The blocks kept idle and their bytes, for tests.
    var idleBlocks: (count: Int, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (idle.count, idleBytes)
    }
}
