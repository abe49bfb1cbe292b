// OrderedParallel: runs a job on many items over several threads and hands results back in input order.
import Foundation

/// Computes `work(i)` for i in 0..<count on `jobs` threads and calls `consume(i, result)` on the
/// calling thread in order 0, 1, 2, …
///
/// Bounded look-ahead: no worker starts item i before item i − `window` has been consumed, so at
/// most `window` results wait in memory whatever the input size. `consume` returning false (or
/// throwing) stops the run: no new items start, running ones finish, and the function returns.
func orderedParallelMap<R: Sendable>(count: Int, jobs: Int, window: Int,
                                     work: @escaping @Sendable (Int) -> R,
                                     consume: (Int, R) throws -> Bool) throws {
    var nextIndex = 0
    try orderedParallelStream(jobs: max(1, min(jobs, count)), window: window, next: { () -> Int? in
        guard nextIndex < count else { return nil }
        defer { nextIndex += 1 }
        return nextIndex
    }, work: { i in (i, work(i)) }, consume: { try consume($0.0, $0.1) })
}

/// Shared state of one `orderedParallelStream` run: items read and not yet claimed, results
/// waiting for their turn, and whether the input has ended or the run stopped.
private final class StreamState<Item, R>: @unchecked Sendable {
    let condition = NSCondition()
    var pending: [(index: Int, item: Item)] = []
    var results: [Int: R] = [:]
    var inputEnded = false
    var stopped = false
}

/// `orderedParallelMap` for input of unknown length: reads items with `next` (on the calling
/// thread, nil at the end), computes `work(item)` on `jobs` threads, and calls `consume(result)`
/// on the calling thread in input order. At most `window` items are read ahead of the last one
/// consumed. `next` throwing ends the input there: the items read before it are still worked and
/// consumed, then the error is rethrown. `consume` returning false (or throwing) stops the run.
func orderedParallelStream<Item, R: Sendable>(jobs: Int, window: Int, next: () throws -> Item?,
                                              work: @escaping @Sendable (Item) -> R,
                                              consume: (R) throws -> Bool) throws {
    let state = StreamState<Item, R>()
    let window = max(window, 1)
    let group = DispatchGroup()
    for _ in 0..<max(1, jobs) {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            while true {
                state.condition.lock()
                while !state.stopped && state.pending.isEmpty && !state.inputEnded { state.condition.wait() }
                if state.stopped || state.pending.isEmpty {
                    state.condition.unlock()
                    return
                }
                let (i, item) = state.pending.removeFirst()
                state.condition.unlock()
                let r = work(item)
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
    var read = 0, consumed = 0
    var ended = false, inputError: Error?   // this thread alone reads the input
    func readAhead() {
        while !ended && read - consumed < window {
            let item: Item?
            do { item = try next() } catch { inputError = error; item = nil }
            ended = item == nil
            state.condition.lock()
            if let item {
                state.pending.append((read, item))
                read += 1
            } else {
                state.inputEnded = true
            }
            state.condition.broadcast()
            state.condition.unlock()
        }
    }
    readAhead()
    while consumed < read {
        state.condition.lock()
        while state.results[consumed] == nil { state.condition.wait() }
        let r = state.results.removeValue(forKey: consumed)!
        state.condition.unlock()
        consumed += 1
        if try !consume(r) { return }
        readAhead()
    }
    if let inputError { throw inputError }
}
