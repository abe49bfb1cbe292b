// decode --threads and label --jobs through the built binary: a bidirectional model's two directions
// side by side give the same hypotheses and scores as one thread.
import Foundation
import TestSupport
import XCTest

final class DecodeThreadsTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testDecodeGivesTheSameScoresOnOneThreadAndOnTwo() throws {
        let samples = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("data/samples").path)
            .filter { $0.hasSuffix(".wav") }.sorted().map { packageRoot.appendingPathComponent("data/samples/\($0)").path }
        XCTAssertEqual(samples.count, 12)
        let feats = dir.appendingPathComponent("samples.ark").path
        let extract = try runSeqlab(["extract", "audio", "--config", packageRoot.appendingPathComponent("models/digits.conf").path]
                                    + samples + ["-o", feats, "--quiet"])
        XCTAssertEqual(extract.status, 0, extract.stderr)
        // The shipped model is a 2×96 BLSTM: on two threads its directions run concurrently.
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        func decode(threads: Int) throws -> String {
            let r = try runSeqlab(["decode", "-m", model, "--feats", feats, "--format", "jsonl", "--beam", "4", "--nbest", "2",
                                   "--threads", String(threads)])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdoutText
        }
        let one = try decode(threads: 1), two = try decode(threads: 2)
        XCTAssertEqual(one.split(separator: "\n").count, 24)            // two hypotheses per sample
        XCTAssertTrue(one.contains("\"acoustic_score\":-"), one)
        XCTAssertEqual(two, one)
        // label: one file at a time (both cores on it) and two at once (a core each) agree too.
        let labelOne = try runSeqlab(["label", "-m", model, "--jobs", "1", "--format", "jsonl", "--quiet"] + samples)
        let labelTwo = try runSeqlab(["label", "-m", model, "--jobs", "2", "--format", "jsonl", "--quiet"] + samples)
        XCTAssertEqual(labelOne.status, 0, labelOne.stderr)
        XCTAssertEqual(labelOne.stdoutText.split(separator: "\n").count, 12)
        XCTAssertEqual(labelTwo.stdoutText, labelOne.stdoutText)
    }
}
