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

    /// The checkpoint's epochs after the log's last line are the ones to log on resuming: all of
    /// them for an empty log, none when the log is up to date or missing (first given on resuming).
    func testUnloggedEpochsFollowTheLogsLastLine() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("log.jsonl").path
        let history = try (1...3).map { epoch in
            try JSONDecoder().decode(EpochReport.self, from: Data(
                "{\"epoch\":\(epoch),\"trainLoss\":\(10 - epoch),\"learningRate\":0.001,\"framesPerSecond\":100,\"seconds\":1}".utf8))
        }
        XCTAssertEqual(EpochLog.unlogged(history, in: path), [])
        try Data().write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(EpochLog.unlogged(history, in: path), history)
        try Data(try EpochLog.line(history[0])).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(EpochLog.unlogged(history, in: path), Array(history[1...]))
        try Data(try history.flatMap(EpochLog.line)).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(EpochLog.unlogged(history, in: path), [])
        // The line is the report as JSON with sorted keys, read back as the same report.
        let line = try EpochLog.line(history[1])
        XCTAssertEqual(line.last, UInt8(ascii: "\n"))
        XCTAssertEqual(try JSONDecoder().decode(EpochReport.self, from: Data(line.dropLast())), history[1])
        XCTAssertTrue(String(decoding: line, as: UTF8.self).hasPrefix("{\"epoch\":2,\"framesPerSecond\":100,"))
    }
}
