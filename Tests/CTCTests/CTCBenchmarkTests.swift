// Throughput of the batched CTC loss on the peer benchmark's shapes; prints figures, asserts only correctness.
//
// Run in a release build (skipped in debug builds, whose timings mean nothing):
//   swift test -c release --disable-swift-testing --filter CTCBenchmarkTests
import XCTest
import Foundation
import Networks
import Tensors
import TestSupport

/// CPU time of this process (all threads), in seconds: robust to other processes sharing the cores.
func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

final class CTCBenchmarkTests: XCTestCase {
    // Shapes of ../shared/peers/bench_ctc.py: batch 16, T = 200, K = 30 (blank 0), labels of length 20.
    let (batchSize, T, K, U) = (16, 200, 30, 20)

    func testBatchThroughput() throws {
        #if DEBUG
        throw XCTSkip("benchmark: run with swift test -c release")
        #else
        var g = SeededGenerator(seed: 7)
        let batch = (0..<batchSize).map { _ in
            CTCUtterance(logProbs: logSoftmax(randomLogits(frames: T, classes: K, scale: 1, &g), classes: K).map { Float($0) },
                         frames: T, classes: K, labels: randomLabels(U, classes: K, &g))
        }
        for (method, threads) in [(CTCMethod.automatic, 1), (.automatic, 2), (.logSpace, 1), (.logSpace, 2)] {
            var times: [Double] = [], cpu: [Double] = []
            var reference: CTCBatchResult<Float>?
            for _ in 0..<25 {
                let start = DispatchTime.now().uptimeNanoseconds, startCPU = processCPUSeconds()
                let r = try ctcLossBatch(batch, threads: threads, method: method)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
                cpu.append(processCPUSeconds() - startCPU)
                if let reference { XCTAssertEqual(r.feasibleLoss, reference.feasibleLoss) }
                reference = r
            }
            XCTAssertTrue(reference!.infeasible.isEmpty)
            let median = times.sorted()[times.count / 2], fastest = times.min()!
            let cpuMedian = cpu.sorted()[cpu.count / 2]
            print(String(format: "CTC batch %d×T=%d×K=%d, U=%d, %@, threads %d: wall median %.3f ms (min %.3f), CPU median %.3f ms/batch; %.0f utterances/s, %.0f frames/s at the median (loss+gradients; sum of losses %.2f)",
                         batchSize, T, K, U, "\(method)", threads, median * 1e3, fastest * 1e3, cpuMedian * 1e3,
                         Double(batchSize) / median, Double(batchSize * T) / median, Double(reference!.feasibleLoss)))
        }
        #endif
    }
}
