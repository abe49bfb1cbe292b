// Concurrency: splitting work over a few threads: the directions of a layer, the output layer's parts, the training step's serial parts.
import CKernels
import Dispatch

/// Hands a value to concurrent work whose callers guarantee the accesses do not overlap.
struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Runs body(0..<count) on concurrent threads (the caller's thread takes part): on CKernels'
/// pool of threads kept awake between calls (`seqlab_pool_run`), or, when a call already holds
/// it (a nested or concurrent call), on Dispatch's. The callers guarantee that the calls touch
/// disjoint memory, so sharing a non-Sendable `body` is safe.
func concurrentlyForEach(_ count: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { escapable in
        var call = escapable
        let pooled = withUnsafeMutablePointer(to: &call) { pointer in
            seqlab_pool_run(count, { context, index in
                context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
            }, pointer) == 0
        }
        if !pooled {
            let shared = UncheckedSendableBox(escapable)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }
}

/// Block `part` of 0..<count split into `parts` nearly equal, disjoint blocks.
func blockRange(_ part: Int, of count: Int, parts: Int) -> Range<Int> {
    (count * part / parts)..<(count * (part + 1) / parts)
}

/// Runs body on `parts` nearly equal, disjoint blocks of 0..<count, on concurrent threads when
/// parts > 1 (the caller's thread takes one). Each element belongs to exactly one block, and
/// the blocks depend only on count and parts, so elementwise work gives the same result
/// whatever the threads. body must touch only the memory of its own block.
func forEachBlock(of count: Int, parts: Int, _ body: (Range<Int>) -> Void) {
    let parts = max(1, min(parts, count))
    guard parts > 1 else { body(0..<count); return }
    concurrentlyForEach(parts) { body(blockRange($0, of: count, parts: parts)) }
}
