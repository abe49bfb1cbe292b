// decode --stream through the built binary: final lines equal decode's, partials are prefixes in time, partials arrive before the input ends.
import Foundation
import Formats
import Tensors
import TestSupport
import XCTest

final class StreamingDecodeTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func writeTask() throws -> (feats: String, text: String, matrices: [(String, Matrix)]) { try writeLabelTask(in: dir) }

    func writeArchive(_ records: [(String, Matrix)], to path: String, mode: KaldiArchiveMode = .binary) throws {
        try writeFeatureArchive(records, to: path, mode: mode)
    }

    /// A small unidirectional model trained on the task until it mostly gets it right.
    func trainModel(_ task: (feats: String, text: String, matrices: [(String, Matrix)]), bidirectional: Bool = false) throws -> String {
        let model = dir.appendingPathComponent(bidirectional ? "bi.safetensors" : "uni.safetensors").path
        let train = try runSeqlab(["train", "--feats", task.feats, "--text", task.text, "--tokens", "words", "--hidden", "16",
                                   "--epochs", bidirectional ? "1" : "60", "--learning-rate", "0.02", "--batch-size", "4",
                                   "--valid-fraction", "0", "--quiet", "--threads", "1", "-o", model]
                                  + (bidirectional ? [] : ["--unidirectional"]))
        XCTAssertEqual(train.status, 0, train.stderr)
        return model
    }

    func testFinalLinesEqualDecodeAndPartialsArePrefixesInTime() throws {
        let task = try writeTask()
        let model = try trainModel(task)
        let textArk = dir.appendingPathComponent("feats.txt").path
        try writeArchive(task.matrices, to: textArk, mode: .text)
        for beam in ["1", "8"] {
            for format in ["text", "jsonl", "ctm"] {
                let whole = try runSeqlab(["decode", "-m", model, "--feats", task.feats, "--beam", beam, "--format", format])
                XCTAssertEqual(whole.status, 0, whole.stderr)
                for (feats, chunk) in [(task.feats, "3"), (textArk, "10")] {
                    let stream = try runSeqlab(["decode", "-m", model, "--stream", "--chunk", chunk, "--beam", beam, "--format", format],
                                               stdin: try Data(contentsOf: URL(fileURLWithPath: feats)))
                    XCTAssertEqual(stream.status, 0, stream.stderr)
                    // The same labels, frames and keys; the scores to rounding, since BLAS may sum a
                    // chunk's input product in another order than a whole utterance's.
                    let finals = stream.stdoutText.split(separator: "\n").filter { !$0.contains("\"partial\":true") }
                    assertSameButForRounding(finals.joined(separator: "\n") + "\n", whole.stdoutText, "beam \(beam), \(format), \(feats)")
                    if format != "jsonl" {
                        assertSameButForRounding(stream.stdoutText, whole.stdoutText, "no partials on stdout for \(format)")
                    }
                }
            }
            // Partials every 3 frames; each equals decoding that many frames of its utterance.
            let stream = try runSeqlab(["decode", "-m", model, "--stream", "--chunk", "3", "--beam", beam, "--format", "jsonl",
                                        "--feats", task.feats])
            XCTAssertEqual(stream.status, 0, stream.stderr)
            var partials: [(key: String, frames: Int, text: String)] = []
            for line in stream.stdoutText.split(separator: "\n") {
                let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                if object["partial"] as? Bool == true {
                    partials.append((object["key"] as! String, object["frames"] as! Int, object["text"] as! String))
                }
            }
            let byKey = Dictionary(uniqueKeysWithValues: task.matrices)
            XCTAssertEqual(partials.count, task.matrices.reduce(0) { $0 + $1.1.rows / 3 })
            XCTAssertTrue(partials.contains { !$0.text.isEmpty })
            let prefixes = partials.map { p in ("\(p.key)-\(p.frames)", byKey[p.key]!.rows(0..<p.frames)) }
            let prefixArk = dir.appendingPathComponent("prefixes.ark").path
            try writeArchive(prefixes, to: prefixArk)
            let decoded = try runSeqlab(["decode", "-m", model, "--feats", prefixArk, "--beam", beam])
            XCTAssertEqual(decoded.status, 0, decoded.stderr)
            let expected = partials.map { $0.text.isEmpty ? "\($0.key)-\($0.frames)" : "\($0.key)-\($0.frames) \($0.text)" }
            XCTAssertEqual(decoded.stdoutText, expected.joined(separator: "\n") + "\n", "beam \(beam)")
        }
        // In bfloat16 too, chunks carry the state exactly: the finals equal the whole utterances' lines, scores included.
        let whole = try runSeqlab(["decode", "-m", model, "--feats", task.feats, "--format", "jsonl", "--precision", "bf16"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let stream = try runSeqlab(["decode", "-m", model, "--stream", "--chunk", "3", "--format", "jsonl", "--precision", "bf16",
                                    "--feats", task.feats])
        XCTAssertEqual(stream.status, 0, stream.stderr)
        let finals = stream.stdoutText.split(separator: "\n").filter { !$0.contains("\"partial\":true") }
        XCTAssertEqual(finals.joined(separator: "\n") + "\n", whole.stdoutText)
        let float = try runSeqlab(["decode", "-m", model, "--feats", task.feats, "--format", "jsonl"])
        XCTAssertNotEqual(float.stdoutText, whole.stdoutText, "bf16 scores differ from float's")
    }

    /// Rows written into a pipe in two parts: a partial result comes out before the second part is written.
    func testPartialArrivesBeforeTheInputEnds() throws {
        let task = try writeTask()
        let model = try trainModel(task)
        let matrix = Matrix((0..<8).flatMap { _ in task.matrices[0].1.data.chunked(4) })   // 8 × utterance 0, a long utterance
        var bytes = Array("long ".utf8)
        bytes += [0, UInt8(ascii: "B"), UInt8(ascii: "F"), UInt8(ascii: "M"), UInt8(ascii: " ")]
        for v in [Int32(matrix.rows), Int32(matrix.cols)] { bytes += [4] + withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        matrix.data.withUnsafeBytes { bytes += Array($0) }
        let firstPart = 15 + 5 + 25 * 4 * 4                        // key, header and 25 rows
        let process = Process()
        process.executableURL = seqlabBinary()
        process.arguments = ["decode", "-m", model, "--stream", "--chunk", "5", "--beam", "1", "--format", "jsonl"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(bytes[..<firstPart]))
        // Wait for a partial line while the rest of the utterance is still unwritten; a decoder that
        // waited for the whole input is stopped after 60 s (its output then ends with no line).
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("\n") {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { break }
            seen += more
        }
        watchdog.cancel()
        let first = String(decoding: seen, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(first.contains("\"partial\":true") && first.contains("\"key\":\"long\""), "before the input ended: \(first)")
        let frames = (try? JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])?["frames"] as? Int
        XCTAssertTrue(frames.map { $0 > 0 && $0 <= 25 } ?? false, "frames \(String(describing: frames))")
        input.fileHandleForWriting.write(Data(bytes[firstPart...]))
        try input.fileHandleForWriting.close()
        seen += output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        let lines = String(decoding: seen, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("\"partial\":true") }.count, matrix.rows / 5)
        XCTAssertTrue(lines.last?.contains("\"rank\":1") == true, String(lines.last ?? ""))
    }

    /// A record of the wrong dimension (or with a NaN) is reported and skipped; the others are decoded.
    func testBadRecordIsReportedAndTheRestDecoded() throws {
        let task = try writeTask()
        let model = try trainModel(task)
        var nan = task.matrices[2].1
        nan[3, 1] = .nan
        let records = [task.matrices[0], ("wide", Matrix(rows: 12, cols: 5)), ("nan", nan), task.matrices[1]]
        let expected = try runSeqlab(["decode", "-m", model, "--feats", task.feats])
        let expectedLines = expected.stdoutText.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n"
        for mode in [KaldiArchiveMode.binary, .text] {
            let ark = dir.appendingPathComponent("mixed.ark").path
            try writeArchive(records, to: ark, mode: mode)
            let r = try runSeqlab(["decode", "-m", model, "--stream", "--chunk", "4", "--feats", ark])
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stdoutText, expectedLines, "\(mode)")
            XCTAssertTrue(r.stderr.contains("mixed.ark: wide: features have 5 dimensions, the model expects 4"), r.stderr)
            XCTAssertTrue(r.stderr.contains("mixed.ark: nan: non-finite feature at frame 3, dimension 1"), r.stderr)
        }
    }

    func testBidirectionalModelIsRefused() throws {
        let task = try writeTask()
        let model = try trainModel(task, bidirectional: true)
        let result = try runSeqlab(["decode", "-m", model, "--stream", "--feats", task.feats])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdoutText, "")
        XCTAssertTrue(result.stderr.contains("--stream needs a unidirectional model") && result.stderr.contains(model), result.stderr)
        let chunk = try runSeqlab(["decode", "-m", model, "--stream", "--chunk", "0", "--feats", task.feats])
        XCTAssertNotEqual(chunk.status, 0)
        XCTAssertTrue(chunk.stderr.contains("--chunk must be at least 1"), chunk.stderr)
        let withoutStream = try runSeqlab(["decode", "-m", model, "--chunk", "5", "--feats", task.feats])
        XCTAssertNotEqual(withoutStream.status, 0)
        XCTAssertTrue(withoutStream.stderr.contains("--chunk sets the step of --stream"), withoutStream.stderr)
        let memory = try runSeqlab(["decode", "-m", model, "--stream", "--max-memory", "1G", "--feats", task.feats])
        XCTAssertEqual(memory.status, 64)
        XCTAssertTrue(memory.stderr.contains("--stream holds one chunk at a time"), memory.stderr)
    }
}

private extension Array where Element == Float {
    func chunked(_ n: Int) -> [[Float]] { stride(from: 0, to: count, by: n).map { Array(self[$0..<Swift.min($0 + n, count)]) } }
}
