// EpochLog: resuming cuts the epochs logged after the checkpoint, and a torn line, and nothing else.
import Foundation
import XCTest
import TestSupport
import Training

final class EpochLogTests: XCTestCase {
    func testDropsTrailingEpochsBeyondTheCheckpointAndATornLine() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("log.jsonl").path
        let earlierRun = "{\"epoch\":5,\"trainLoss\":1}\n"
        let lines = (1...4).map { "{\"epoch\":\($0),\"trainLoss\":\(10 - $0)}\n" }
        try (earlierRun + lines.joined() + "{\"epoch\":5,\"trai").write(toFile: path, atomically: false, encoding: .utf8)
        try EpochLog.dropTrailingEpochs(after: 2, in: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), earlierRun + lines[0] + lines[1])
        // Nothing beyond the checkpoint: the file stays as it is.
        let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        try EpochLog.dropTrailingEpochs(after: 2, in: path)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date, before)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), earlierRun + lines[0] + lines[1])
        // A checkpoint before any epoch ended: this run's lines go, the earlier run's line stops the cut.
        try EpochLog.dropTrailingEpochs(after: 0, in: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), earlierRun)
        try EpochLog.dropTrailingEpochs(after: 0, in: dir.appendingPathComponent("missing").path)
    }
}
