// The batched CTC loss equals the per-utterance loss bit for bit, whatever the number of threads.
import XCTest
import Networks
import Tensors
import TestSupport

final class CTCBatchTests: XCTestCase {
    func makeBatch(_ n: Int, seed: UInt64) -> [CTCUtterance<Float>] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { i in
            let T = 5 + Int(g.next() % 20), K = 3 + Int(g.next() % 5)
            // Every fourth utterance has more labels than frames: infeasible.
            let U = i % 4 == 3 ? T + 1 : Int(g.next() % UInt64(T / 2 + 1))
            let lp = logSoftmax(randomLogits(frames: T, classes: K, &g), classes: K).map { Float($0) }
            return CTCUtterance(logProbs: lp, frames: T, classes: K, labels: randomLabels(U, classes: K, &g))
        }
    }

    func testBatchEqualsSingleUtterancesForAnyThreadCount() throws {
        let batch = makeBatch(11, seed: 41)
        let single = try batch.map { try ctcLoss(logProbs: $0.logProbs, frames: $0.frames, classes: $0.classes, labels: $0.labels) }
        for threads in [1, 2, 3, 16] {
            let r = try ctcLossBatch(batch, threads: threads)
            XCTAssertEqual(r.results.count, batch.count)
            for i in batch.indices {
                XCTAssertEqual(r.results[i].loss, single[i].loss, "threads \(threads) utterance \(i)")
                XCTAssertEqual(r.results[i].gradient, single[i].gradient, "threads \(threads) utterance \(i)")
                XCTAssertEqual(r.results[i].logProbGradient, single[i].logProbGradient)
            }
            XCTAssertEqual(r.infeasible, [3, 7])
            XCTAssertEqual(r.totalLoss, .infinity)
            let expected = single.filter(\.feasible).reduce(0.0) { $0 + Double($1.loss) }
            XCTAssertEqual(r.feasibleLoss, Float(expected))
        }
    }

    func testBatchReportsTheFirstBadUtterance() throws {
        var batch = makeBatch(6, seed: 42)
        batch[4].labels = [batch[4].classes]
        batch[5].frames += 1
        XCTAssertThrowsError(try ctcLossBatch(batch, threads: 2)) {
            XCTAssertEqual($0 as? CTCError, .inUtterance(index: 4, .labelOutOfRange(position: 0, label: batch[4].classes, classes: batch[4].classes)))
            XCTAssertTrue("\($0)".hasPrefix("utterance 4: CTC label"), "\($0)")
        }
        XCTAssertEqual(try ctcLossBatch([CTCUtterance<Double>](), threads: 2).totalLoss, 0)
    }
}
