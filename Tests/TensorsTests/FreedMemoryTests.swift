// keepFreedMemory: a large buffer freed and allocated again is not page-faulted in afresh.
import XCTest
import Tensors
#if canImport(Glibc)
import Glibc
#endif

final class FreedMemoryTests: XCTestCase {
    #if canImport(Glibc)
    /// Linux's RUSAGE_THREAD (sys/resource.h; not imported without _GNU_SOURCE).
    private let rusageThread: __rusage_who_t = 1

    /// Minor page faults of the calling thread while it writes every page of `count` fresh bytes.
    private func faultsTouching(_ count: Int) -> Int {
        let buffer = malloc(count)!
        defer { free(buffer) }
        var before = rusage(), after = rusage()
        getrusage(rusageThread, &before)
        memset(buffer, 1, count)
        getrusage(rusageThread, &after)
        return after.ru_minflt - before.ru_minflt
    }

    /// 200 MiB is above glibc's default mmap threshold (and the 128 MiB PyTorch's benchmarks set):
    /// without keepFreedMemory each such buffer is a fresh mapping whose every page faults again.
    func testLargeBufferIsReusedWithoutPageFaults() {
        keepFreedMemory()
        let count = 200 << 20, pages = count / Int(sysconf(Int32(_SC_PAGESIZE)))
        _ = faultsTouching(count)                 // the heap grows to hold it once
        let again = faultsTouching(count)
        XCTAssertLessThan(again, pages / 100, "the second 200 MiB buffer faulted \(again) of its \(pages) pages in afresh")
    }
    #endif
}
