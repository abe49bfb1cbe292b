// Memory estimates: sizes parse, the weight count agrees with the built network, the plan adds up and refuses.
import Foundation
import XCTest
import Networks
import Tensors
import Training

final class MemoryPlanTests: XCTestCase {
    func testSizesParse() {
        XCTAssertEqual(MemoryBudget.parse("512M"), 512 << 20)
        XCTAssertEqual(MemoryBudget.parse("1.5G"), 3 << 29)
        XCTAssertEqual(MemoryBudget.parse("2gib"), 2 << 30)
        XCTAssertEqual(MemoryBudget.parse("800000K"), 800_000 << 10)
        XCTAssertEqual(MemoryBudget.parse("4096"), 4096)
        for bad in ["", "G", "-1G", "0", "1X", "nan", "1e30T"] { XCTAssertNil(MemoryBudget.parse(bad), bad) }
        XCTAssertEqual(MemoryBudget.describe(300 << 20), "300 MB")
        XCTAssertEqual(MemoryBudget.describe(3 << 29), "1.5 GB")
        // Small budgets are not rounded to "0 MB".
        XCTAssertEqual(MemoryBudget.describe(3 << 19), "1.5 MB")
        XCTAssertEqual(MemoryBudget.describe(1024), "1 KB")
        XCTAssertEqual(MemoryBudget.describe(1500), "2 KB")
        if FileManager.default.fileExists(atPath: "/proc/meminfo") { XCTAssertGreaterThan(MemoryBudget.available() ?? 0, 0) }
    }

    func testWeightCountAgreesWithTheBuiltNetwork() {
        var rng = SeededGenerator(seed: 1)
        for (d, hidden, bi, peep, k) in [(40, [96, 96], true, true, 11), (3, [1], false, false, 2), (17, [5, 3, 7], true, false, 30), (5, [], true, true, 4)] {
            let c = LSTMNetworkConfiguration(inputSize: d, hiddenSizes: hidden, bidirectional: bi, peepholes: peep, classes: k)
            XCTAssertEqual(c.parameterCount, LSTMNetwork<Float>(c, rng: &rng).parameters.parameterCount(), "\(c)")
        }
    }

    func testPlanAddsItsPartsAndRefusesBeyondTheLimit() throws {
        let c = LSTMNetworkConfiguration(inputSize: 5, hiddenSizes: [4], bidirectional: true, peepholes: true, classes: 3)
        // Forward floats per frame: 2·5 + 2·7·4 + 8 + 3·3 = 83; training 4·(83·3/2 + 6) = 520 bytes.
        XCTAssertEqual(c.inferenceBytesPerFrame, 332)
        XCTAssertEqual(c.trainingBytesPerFrame, 520)
        let utterances = [100, 10_000, 300].enumerated().map { i, t in
            LabelledUtterance(key: "u\(i)", features: Matrix(rows: t, cols: 5), labels: [1, 2, 1])
        }
        let plan = MemoryPlan(train: Corpus(utterances: utterances, skipped: []), valid: Corpus(utterances: [], skipped: []),
                              configuration: c, batchSize: 2)
        XCTAssertEqual(plan.data, 4 * 5 * 10_400 + 3 * (8 * 3 + 64))
        XCTAssertEqual(plan.model, 24 * c.parameterCount)
        XCTAssertEqual(plan.batch, 2 * 10_000 * 520 + 16 * 10_000 * 7)
        XCTAssertEqual(plan.total, plan.data + plan.model + plan.batch + (40 << 20))
        XCTAssertNoThrow(try plan.check(limit: plan.total))
        XCTAssertThrowsError(try plan.check(limit: plan.total - 1)) { error in
            XCTAssertTrue("\(error)".contains("lower --batch-size"), "\(error)")
        }
    }
}
