// CTC loss and gradient against PyTorch's ctc_loss (fixture made by scripts/reference/make-ctc-fixture.py).
import XCTest
import Networks
import TestSupport

final class CTCReferenceTests: XCTestCase {
    struct Fixture: Decodable {
        struct Utterance: Decodable {
            var frames: Int
            var classes: Int
            var labels: [Int]
            var logProbs: [Double]
            var loss: Double
            var gradient: [Double]
        }
        var source: String
        var utterances: [Utterance]
    }

    func loadFixture() throws -> Fixture {
        let url = packageRoot.appendingPathComponent("Tests/CTCTests/Fixtures/ctc-torch.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testDoubleMatchesTorch() throws {
        let fixture = try loadFixture()
        XCTAssertGreaterThanOrEqual(fixture.utterances.count, 8)
        for (i, u) in fixture.utterances.enumerated() {
          for method in [CTCMethod.automatic, .logSpace] {
            let r = try ctcLoss(logProbs: u.logProbs, frames: u.frames, classes: u.classes, labels: u.labels, method: method)
            // Both sides are float64 log-space computations: agreement to 1e-6 is loose.
            XCTAssertEqual(r.loss, u.loss, accuracy: 1e-6, "utterance \(i) labels \(u.labels)")
            assertClose(r.gradient, u.gradient, absolute: 1e-6, "utterance \(i) labels \(u.labels) \(method)")
          }
        }
    }

    func testFloatMatchesTorch() throws {
        let fixture = try loadFixture()
        for (i, u) in fixture.utterances.enumerated() {
            let r = try ctcLoss(logProbs: u.logProbs.map { Float($0) }, frames: u.frames, classes: u.classes, labels: u.labels)
            // Inputs rounded to Float (relative 6e-8 each, summed over ≤ 12 frames) and outputs rounded: 1e-4.
            XCTAssertEqual(Double(r.loss), u.loss, accuracy: 1e-4, "utterance \(i)")
            assertClose(r.gradient, u.gradient, absolute: 1e-4, "utterance \(i)")
        }
    }

    func testBatchMatchesTorch() throws {
        let fixture = try loadFixture()
        let batch = fixture.utterances.map {
            CTCUtterance(logProbs: $0.logProbs, frames: $0.frames, classes: $0.classes, labels: $0.labels)
        }
        let r = try ctcLossBatch(batch, threads: 2)
        XCTAssertEqual(r.totalLoss, fixture.utterances.reduce(0) { $0 + $1.loss }, accuracy: 1e-6)
        for (i, u) in fixture.utterances.enumerated() {
            assertClose(r.results[i].gradient, u.gradient, absolute: 1e-6, "utterance \(i)")
        }
    }
}
