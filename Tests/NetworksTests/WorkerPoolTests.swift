// The pool of threads kept between calls (CKernels' seqlab_pool_run) and concurrentlyForEach over
// it: every iteration exactly once, through many calls in quick succession, after the pool has gone
// to sleep, nested, and from several callers at once.
import CKernels
import Dispatch
import Foundation
import XCTest
@testable import Networks

final class WorkerPoolTests: XCTestCase {
    /// The CPUs this process may run on (its affinity, which `taskset` narrows).
    private var allowedCPUs: Int { Int(seqlab_pool_cpus()) }

    /// Counts of 1 to 1,000 in calls back to back: each iteration of each call runs once, so that
    /// a pool thread that woke late can neither run an iteration of an earlier call under a later
    /// one's body nor run one twice.
    func testEveryIterationRunsOnceInCallsBackToBack() {
        for count in [1, 2, 3, 7, 64, 1_000] {
            let calls = count >= 64 ? 50 : 2_000
            var runs = [Int](repeating: 0, count: count)
            runs.withUnsafeMutableBufferPointer { slots in
                for call in 0..<calls {
                    concurrentlyForEach(count) { i in
                        XCTAssertEqual(slots[i], call, "count \(count), call \(call): iteration \(i) ran \(slots[i] - call + 1) times so far")
                        slots[i] += 1
                    }
                }
            }
            XCTAssertEqual(runs, [Int](repeating: calls, count: count), "count \(count)")
        }
    }

    /// A second thread takes part where the process may run on two CPUs or more, and the calls go
    /// on when the pool has gone to sleep between them (0.2 ms of spinning, then the futex). On a
    /// loaded machine the pool thread may not get a CPU within an iteration of 20 µs for all 200
    /// calls (the caller then takes both iterations); the calls go on with iterations of 2 ms, up
    /// to 500 more, until one runs off the calling thread.
    func testAPoolThreadTakesPartAndWakesFromSleep() throws {
        guard allowedCPUs >= 2 else { throw XCTSkip("one CPU allowed: the pool makes no thread") }
        let caller = pthread_self()
        var elsewhere = 0
        var sums = [Int](repeating: 0, count: 2)
        /// One call of two iterations, each spinning this long; returns how many ran off the caller.
        func call(spinning nanoseconds: UInt64) -> Int {
            var offCaller = [false, false]
            offCaller.withUnsafeMutableBufferPointer { off in
                sums.withUnsafeMutableBufferPointer { s in
                    concurrentlyForEach(2) { i in
                        let until = DispatchTime.now().uptimeNanoseconds + nanoseconds
                        while DispatchTime.now().uptimeNanoseconds < until { s[i] &+= 1 }
                        off[i] = pthread_equal(pthread_self(), caller) == 0
                    }
                }
            }
            return offCaller.filter { $0 }.count
        }
        for n in 0..<200 {
            if n % 20 == 19 { usleep(2_000) }   // long enough for the pool thread to sleep
            elsewhere += call(spinning: 20_000)
        }
        var longer = 0
        while elsewhere == 0 && longer < 500 {
            elsewhere += call(spinning: 2_000_000)
            longer += 1
        }
        XCTAssertGreaterThanOrEqual(seqlab_pool_threads(), 1)
        XCTAssertGreaterThan(elsewhere, 0, "no iteration of 200 calls of 20 µs and \(longer) of 2 ms ran off the calling thread")
        XCTAssertTrue(sums.allSatisfy { $0 > 0 })
    }

    /// A pool of several threads on however many CPUs there are (`seqlab_pool_assume_cpus`, as on a
    /// machine of six): every iteration of calls of 2 to 1,000 iterations runs once, from one caller
    /// and from several at once, and (on two CPUs or more) more than one thread takes part; back on the real CPUs, the
    /// threads beyond them sit out and the calls still run every iteration once.
    func testAPoolOfSeveralThreadsRunsEveryIterationOnce() {
        seqlab_pool_assume_cpus(6)
        var threadsSeen = Set<UInt>()
        for count in [2, 3, 5, 6, 7, 64, 1_000] {
            let calls = count >= 64 ? 40 : 400
            var runs = [Int](repeating: 0, count: count)
            var ranOn = [UInt](repeating: 0, count: count)
            runs.withUnsafeMutableBufferPointer { slots in
                ranOn.withUnsafeMutableBufferPointer { on in
                    for call in 0..<calls {
                        concurrentlyForEach(count) { i in
                            XCTAssertEqual(slots[i], call, "count \(count), call \(call): iteration \(i)")
                            slots[i] += 1
                            on[i] = UInt(pthread_self())
                        }
                        threadsSeen.formUnion(on)
                    }
                }
            }
            XCTAssertEqual(runs, [Int](repeating: calls, count: count), "count \(count)")
        }
        XCTAssertGreaterThanOrEqual(seqlab_pool_threads(), 5)
        if allowedCPUs >= 2 {   // on one CPU the caller may take every iteration before another thread runs
            XCTAssertGreaterThan(threadsSeen.count, 1, "only the caller ran iterations")
        }
        testConcurrentCallersRunEveryIteration()
        seqlab_pool_assume_cpus(0)
        testEveryIterationRunsOnceInCallsBackToBack()
    }

    /// A call from inside an iteration finds the pool held: seqlab_pool_run declines it (nothing run),
    /// and concurrentlyForEach runs it on Dispatch's threads instead.
    func testNestedCallsRunEveryIteration() {
        var declined = [Int32](repeating: 0, count: 3)
        var inner = [[Int]](repeating: [Int](repeating: 0, count: 5), count: 3)
        declined.withUnsafeMutableBufferPointer { d in
            inner.withUnsafeMutableBufferPointer { rows in
                concurrentlyForEach(3) { i in
                    var marker = 0
                    d[i] = seqlab_pool_run(2, { _, _ in fatalError("a declined call ran an iteration") }, &marker)
                    rows[i].withUnsafeMutableBufferPointer { row in
                        concurrentlyForEach(5) { j in row[j] += i + 1 }
                    }
                }
            }
        }
        XCTAssertEqual(declined, [-1, -1, -1])
        XCTAssertEqual(inner, [[1, 1, 1, 1, 1], [2, 2, 2, 2, 2], [3, 3, 3, 3, 3]])
    }

    /// Counts outside 1...65535 are declined with nothing run.
    func testCountsOutOfRangeAreDeclined() {
        var marker = 0
        for count in [0, -1, 65_536] {
            XCTAssertEqual(seqlab_pool_run(count, { _, _ in fatalError("a declined call ran an iteration") }, &marker), -1, "count \(count)")
        }
    }

    /// Four callers at once: one holds the pool at a time, the others run on Dispatch's threads;
    /// every iteration of every call runs once.
    func testConcurrentCallersRunEveryIteration() {
        let callers = 4, calls = 300, count = 6
        var runs = [Int](repeating: 0, count: callers * count)
        runs.withUnsafeMutableBufferPointer { slots in
            let shared = UncheckedSendableBox(slots)
            DispatchQueue.concurrentPerform(iterations: callers) { c in
                for _ in 0..<calls {
                    concurrentlyForEach(count) { i in shared.value[c * count + i] += 1 }
                }
            }
        }
        XCTAssertEqual(runs, [Int](repeating: calls, count: callers * count))
    }
}
