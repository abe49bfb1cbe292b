// Our Kaldi reader and writer against archives written by kaldiio (scripts/reference/make-formats-fixtures.py).
import XCTest
import Tensors
import TestSupport
@testable import Formats

final class KaldiReferenceTests: XCTestCase {
    /// Reads `file` with our reader and compares every record bit for bit with kaldiio's values.
    func assertReadsLikeKaldiio(_ file: String, path: String? = nil, line: UInt = #line) throws {
        let fixtures = try ReferenceFixtures()
        let expected = fixtures.matrices(in: file)
        XCTAssertFalse(expected.isEmpty, "no expected values for \(file)", line: line)
        let records = try KaldiArchiveReader(path: path ?? ReferenceFixtures.path(file)).readAll()
        XCTAssertEqual(records.map(\.key), expected.map(\.key), file, line: line)
        for (r, e) in zip(records, expected) {
            XCTAssertEqual(r.matrix.rows, e.matrix.rows, "\(file) \(r.key)", line: line)
            XCTAssertEqual(r.matrix.cols, e.matrix.cols, "\(file) \(r.key)", line: line)
            // Exact: same bits as kaldiio (float32 arithmetic in the same order for compressed matrices).
            XCTAssertEqual(r.matrix.data.map(\.bitPattern), e.matrix.data.map(\.bitPattern), "\(file) \(r.key)", line: line)
        }
    }

    func testBinaryFloatArchive() throws { try assertReadsLikeKaldiio("float.ark") }
    func testBinaryDoubleArchiveConvertsToFloat() throws { try assertReadsLikeKaldiio("double.ark") }
    func testFloatVectorsReadAsOneRow() throws { try assertReadsLikeKaldiio("vector.ark") }
    func testCompressedSpeechFeatureCM() throws { try assertReadsLikeKaldiio("cm.ark") }
    func testCompressedTwoByteCM2() throws { try assertReadsLikeKaldiio("cm2.ark") }
    func testCompressedOneByteCM3() throws { try assertReadsLikeKaldiio("cm3.ark") }
    func testTextArchive() throws { try assertReadsLikeKaldiio("text.ark") }

    func testScpWrittenByKaldiioReadsAtItsOffsets() throws {
        // kaldiio wrote paths relative to the fixture folder; Kaldi resolves them against the
        // working directory, so point them at the fixture folder and keep the offsets.
        let scp = try String(contentsOfFile: ReferenceFixtures.path("float.scp"), encoding: .utf8)
        let moved = temporaryDirectory().appendingPathComponent("float.scp").path
        try scp.replacingOccurrences(of: " float.ark:", with: " \(ReferenceFixtures.path("float.ark")):")
            .write(toFile: moved, atomically: true, encoding: .utf8)
        try assertReadsLikeKaldiio("float.scp", path: moved)
        let entries = try KaldiScp.read(path: ReferenceFixtures.path("float.scp"))
        XCTAssertEqual(entries.map(\.archivePath), Array(repeating: "float.ark", count: 4))
        XCTAssertEqual(entries.first?.offset, 5)   // just after "utt1 "
    }

    /// Our writer, given kaldiio's values, must produce kaldiio's bytes.
    func assertWritesLikeKaldiio(_ file: String, mode: KaldiArchiveMode, line: UInt = #line) throws {
        let fixtures = try ReferenceFixtures()
        let path = temporaryDirectory().appendingPathComponent(file).path
        let writer = try KaldiArchiveWriter(path: path, mode: mode)
        for e in fixtures.matrices(in: file) { try writer.write(key: e.key, matrix: e.matrix) }
        try writer.close()
        let ours = try Data(contentsOf: URL(fileURLWithPath: path))
        let theirs = try Data(contentsOf: URL(fileURLWithPath: ReferenceFixtures.path(file)))
        XCTAssertEqual(ours.count, theirs.count, file, line: line)
        XCTAssertTrue(ours == theirs, "\(file): our bytes differ from kaldiio's at byte \(zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ours.count, theirs.count))", line: line)
    }

    func testBinaryWriterIsByteIdenticalToKaldiio() throws { try assertWritesLikeKaldiio("float.ark", mode: .binary) }
    func testTextWriterIsByteIdenticalToKaldiio() throws { try assertWritesLikeKaldiio("text.ark", mode: .text) }
}
