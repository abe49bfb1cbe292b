// OrderedParallel: runs a job on many items over several threads and hands results back in input order.
import Foundation

/// Shared state of one `orderedParallelMap` run: the next item to claim, finished results
/// waiting for their turn, and how far the consumer has got.
private final class OrderedState<R>: @unchecked Sendable {
    let condition = NSCondition()
    var nextToClaim = 0
    var consumed = 0
    var stopped = false
    var results: [Int: R] = [:]
}

/// Computes `work(i)` for i in 0..<count on `jobs` threads and calls `consume(i, result)` on the
/// calling thread in order 0, 1, 2, …
///
/// Bounded look-ahead: no worker starts item i before item i − `window` has been consumed, so at
/// most `window` results wait in memory whatever the input size. `consume` returning false (or
/// throwing) stops the run: no new items start, running ones finish, and the function returns.
func orderedParallelMap<R: Sendable>(count: Int, jobs: Int, window: Int,
                                     work: @escaping @Sendable (Int) -> R,
                                     consume: (Int, R) throws -> Bool) rethrows {
    let state = OrderedState<R>()
    let window = max(window, 1)
    let group = DispatchGroup()
    for _ in 0..<max(1, min(jobs, count)) {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            while true {
                state.condition.lock()
                while !state.stopped && state.nextToClaim < count && state.nextToClaim >= state.consumed + window {
                    state.condition.wait()
                }
                if state.stopped || state.nextToClaim >= count {
                    state.condition.unlock()
                    return
                }
                let i = state.nextToClaim
                state.nextToClaim += 1
                state.condition.unlock()
                let r = work(i)
                state.condition.lock()
                state.results[i] = r
                state.condition.broadcast()
                state.condition.unlock()
            }
        }
    }
    defer {
        state.condition.lock()
        state.stopped = true
        state.condition.broadcast()
        state.condition.unlock()
        group.wait()
    }
    for i in 0..<count {
        state.condition.lock()
        while state.results[i] == nil { state.condition.wait() }
        let r = state.results.removeValue(forKey: i)!
        state.consumed = i + 1
        state.condition.broadcast()
        state.condition.unlock()
        if try !consume(i, r) { return }
    }
}
