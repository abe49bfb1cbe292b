// File-kind detection and the archive / safetensors summaries behind `seqlab inspect`.
import XCTest
import Tensors
import TestSupport
@testable import Formats

final class SummaryTests: XCTestCase {
    func testDetectsKindsByContent() throws {
        for ark in ["float.ark", "double.ark", "cm.ark", "cm3.ark", "text.ark", "vector.ark"] {
            XCTAssertEqual(try FileKind.detect(path: ReferenceFixtures.path(ark)), .kaldiArchive, ark)
        }
        for st in ["tensors.safetensors", "model.safetensors"] {
            XCTAssertEqual(try FileKind.detect(path: ReferenceFixtures.path(st)), .safetensors, st)
        }
        XCTAssertEqual(try FileKind.detect(path: ReferenceFixtures.path("expected.txt")), .unknown)
        XCTAssertEqual(try FileKind.detect(path: ReferenceFixtures.path("float.scp")), .kaldiArchive)   // a table, read through its offsets
        XCTAssertEqual(try FileKind.detect(path: "ark:" + ReferenceFixtures.path("model.safetensors")), .kaldiArchive)  // the specifier decides
        XCTAssertEqual(FileKind.detect(prefix: [], fileSize: 0), .unknown)
        // A header length larger than the file is not safetensors.
        XCTAssertEqual(FileKind.detect(prefix: [200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), fileSize: 10), .unknown)
        XCTAssertEqual(FileKind.detect(prefix: Array("\n  key   [ 1 ]".utf8), fileSize: 14), .kaldiArchive)
        // ARPA: \data\ as a line, first or after free text (CRLF and spaces around it allowed).
        XCTAssertEqual(FileKind.detect(prefix: Array("\\data\\\nngram 1=3\n".utf8), fileSize: 18), .arpa)
        XCTAssertEqual(FileKind.detect(prefix: Array("Made by QuickLM\r\n\r\n  \\data\\ \r\nngram 1=3\r\n".utf8), fileSize: 40), .arpa)
        XCTAssertEqual(FileKind.detect(prefix: Array("see \\data\\ below\n".utf8), fileSize: 18), .unknown)
        XCTAssertEqual(FileKind.detect(prefix: [0xEF, 0xBB, 0xBF] + Array("\\data\\\nngram 1=3\n".utf8), fileSize: 21), .arpa)
    }

    func testArchiveSummaryFiguresMatchTheReferenceValues() throws {
        let fixtures = try ReferenceFixtures()
        let expected = fixtures.matrices(in: "cm.ark").map(\.matrix)
        let summary = try ArchiveSummary(path: ReferenceFixtures.path("cm.ark"))
        let all = expected.flatMap(\.data)
        XCTAssertEqual(summary.utterances, expected.count)
        XCTAssertEqual(summary.totalFrames, expected.map(\.rows).reduce(0, +))
        XCTAssertEqual(summary.minDimension, expected.map(\.cols).min())
        XCTAssertEqual(summary.maxDimension, expected.map(\.cols).max())
        XCTAssertEqual(summary.minimum, all.min())
        XCTAssertEqual(summary.maximum, all.max())
        // Sums in a different order agree to rounding in Double.
        XCTAssertEqual(summary.mean, all.map(Double.init).reduce(0, +) / Double(all.count), accuracy: 1e-12)
        XCTAssertEqual(summary.firstKeys, ["c1", "c2", "flat", "c4"])
        XCTAssertTrue(summary.description.hasPrefix(ReferenceFixtures.path("cm.ark") + ": Kaldi archive (CM)\n  utterances: 4\n"), summary.description)
        XCTAssertEqual(summary.encodings, [.cm: 4])
    }

    func testArchiveSummaryCountsNonFiniteSeparately() {
        var summary = ArchiveSummary(name: "x")
        summary.add(KaldiRecord(key: "a", matrix: Matrix([[1, .nan, 3, -.infinity]])))
        XCTAssertEqual(summary.nonFinite, 2)
        XCTAssertEqual(summary.minimum, 1)
        XCTAssertEqual(summary.maximum, 3)
        XCTAssertEqual(summary.mean, 2)
        XCTAssertTrue(summary.description.contains("non-finite values: 2"), summary.description)
    }

    func testEmptyMatrixHasNoDimensionInTextOrBinary() throws {
        // Kaldi's text `[ ]` reads back as 0×0 while the binary form keeps the 0×3 written:
        // either way an empty matrix adds no dimension, so both archives summarise alike.
        let dir = temporaryDirectory()
        let records = [("a", Matrix([[1, 2, 3], [4, 5, 6]])), ("b", Matrix(rows: 0, cols: 3)), ("c", Matrix([[1, 2, 3, 4, 5, 6]]))]
        var summaries: [ArchiveSummary] = []
        for mode in [KaldiArchiveMode.text, .binary] {
            let path = dir.appendingPathComponent("\(mode).ark").path
            let writer = try KaldiArchiveWriter(path: path, mode: mode)
            for (key, matrix) in records { try writer.write(key: key, matrix: matrix) }
            try writer.close()
            summaries.append(try ArchiveSummary(path: path))
        }
        for summary in summaries {
            XCTAssertEqual(summary.minDimension, 3, summary.name)
            XCTAssertEqual(summary.maxDimension, 6, summary.name)
            XCTAssertTrue(summary.description.contains("\n  dimension: varies, 3–6\n"), summary.description)
            XCTAssertTrue(summary.description.contains("\n  frames: 3 (0–2 per utterance)\n"), summary.description)
        }
        // Nothing but empty matrices: no dimension to report.
        var empty = ArchiveSummary(name: "e")
        empty.add(KaldiRecord(key: "x", matrix: Matrix(rows: 0, cols: 0)))
        empty.add(KaldiRecord(key: "y", matrix: Matrix(rows: 0, cols: 4)))
        XCTAssertTrue(empty.description.contains("\n  dimension: none (every matrix is empty)\n"), empty.description)
    }

    func testSafeTensorsSummaryListsTensorsAndCutsLongMetadata() throws {
        let file = SafeTensorsFile(tensors: ["b": SafeTensor(int64s: [1, 2], shape: [2]), "a.w": SafeTensor(floats: [0, 0, 0, 0, 0, 0], shape: [2, 3])],
                                   metadata: ["config": String(repeating: "x", count: 200), "note": "two\nlines"])
        let text = SafeTensorsSummary(name: "m.safetensors", file: file).description
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "m.safetensors: safetensors, 2 tensors, 8 values, 40 bytes of data")
        XCTAssertEqual(lines[1], "  a.w  F32   [2, 3]")
        XCTAssertEqual(lines[2], "  b    I64   [2]")
        XCTAssertEqual(lines[3], "  metadata: 2 keys")
        XCTAssertEqual(lines[4], "    config: " + String(repeating: "x", count: 72) + "… (200 characters)")
        XCTAssertEqual(lines[5], "    note: two\\nlines")
    }
}
