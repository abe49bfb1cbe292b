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

    func testReportsHowEachArchiveIsStored() throws {
        let cases: [(String, KaldiMatrixEncoding)] = [("float.ark", .fm), ("double.ark", .dm), ("vector.ark", .fv),
                                                      ("cm.ark", .cm), ("cm2.ark", .cm2), ("cm3.ark", .cm3), ("text.ark", .text)]
        for (file, encoding) in cases {
            let reader = try KaldiArchiveReader(path: ReferenceFixtures.path(file))
            XCTAssertNil(reader.lastEncoding)
            _ = try reader.next()
            XCTAssertEqual(reader.lastEncoding, encoding, file)
        }
    }
    func testBinaryDoubleArchiveConvertsToFloat() throws { try assertReadsLikeKaldiio("double.ark") }
    func testFloatVectorsReadAsOneRow() throws { try assertReadsLikeKaldiio("vector.ark") }
    func testCompressedSpeechFeatureCM() throws { try assertReadsLikeKaldiio("cm.ark") }
    func testCompressedTwoByteCM2() throws { try assertReadsLikeKaldiio("cm2.ark") }
    func testCompressedOneByteCM3() throws { try assertReadsLikeKaldiio("cm3.ark") }
    func testTextArchive() throws { try assertReadsLikeKaldiio("text.ark") }

    /// kaldiio wrote paths relative to the fixture folder; Kaldi resolves them against the
    /// working directory, so point them at the fixture folder and keep the offsets.
    func movedScp(_ scp: String, archive: String) throws -> String {
        let text = try String(contentsOfFile: ReferenceFixtures.path(scp), encoding: .utf8)
        let moved = temporaryDirectory().appendingPathComponent(scp).path
        try text.replacingOccurrences(of: " \(archive):", with: " \(ReferenceFixtures.path(archive)):")
            .write(toFile: moved, atomically: true, encoding: .utf8)
        return moved
    }

    func testTextScpWrittenByKaldiio() throws {
        try assertReadsLikeKaldiio("text.scp", path: try movedScp("text.scp", archive: "text.ark"))
    }

    /// Row and column ranges after the offsets (`float.ark:74[2:4]`, `[1:6,1:3]`, `[:,2:2]`, a
    /// last row past the end, a compressed matrix, a vector) cut what kaldiio cuts.
    func testScpRangesCutLikeKaldiio() throws {
        var text = try String(contentsOfFile: ReferenceFixtures.path("range.scp"), encoding: .utf8)
        for archive in ["float.ark", "cm.ark", "vector.ark"] {
            text = text.replacingOccurrences(of: " \(archive):", with: " \(ReferenceFixtures.path(archive)):")
        }
        let moved = temporaryDirectory().appendingPathComponent("range.scp").path
        try text.write(toFile: moved, atomically: true, encoding: .utf8)
        try assertReadsLikeKaldiio("range.scp", path: moved)
    }

    func testScpWrittenByKaldiioReadsAtItsOffsets() throws {
        try assertReadsLikeKaldiio("float.scp", path: try movedScp("float.scp", archive: "float.ark"))
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

    /// `ark,scp:` writes the archive and an scp equal to kaldiio's (`save_ark(..., scp=)`).
    func assertWritesScpLikeKaldiio(_ archive: String, _ scp: String, mode: KaldiArchiveMode, line: UInt = #line) throws {
        let fixtures = try ReferenceFixtures()
        let dir = temporaryDirectory()
        let ark = dir.appendingPathComponent(archive).path, list = dir.appendingPathComponent(scp).path
        let writer = try KaldiArchiveWriter(path: "ark,scp:\(ark),\(list)", mode: mode)
        for e in fixtures.matrices(in: archive) { try writer.write(key: e.key, matrix: e.matrix) }
        try writer.close()
        let ours = try String(contentsOfFile: list, encoding: .utf8).replacingOccurrences(of: dir.path + "/", with: "")
        XCTAssertEqual(ours, try String(contentsOfFile: ReferenceFixtures.path(scp), encoding: .utf8), line: line)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ark)), try Data(contentsOf: URL(fileURLWithPath: ReferenceFixtures.path(archive))), line: line)
        // And the scp reads back through our reader.
        XCTAssertEqual(try KaldiArchiveReader(path: list).readAll().map(\.key), fixtures.matrices(in: archive).map(\.key), line: line)
    }

    func testArchiveWithScpMatchesKaldiio() throws {
        try assertWritesScpLikeKaldiio("float.ark", "float.scp", mode: .binary)
        try assertWritesScpLikeKaldiio("text.ark", "text.scp", mode: .text)
        XCTAssertThrowsError(try KaldiArchiveWriter(path: "ark,scp:-,x.scp")) {
            XCTAssertTrue("\($0)".contains("write the archive to a file, not stdout"), "\($0)")
        }
        XCTAssertThrowsError(try KaldiArchiveWriter(path: "ark,scp:only.ark"))
    }

    func testBinaryWriterIsByteIdenticalToKaldiio() throws { try assertWritesLikeKaldiio("float.ark", mode: .binary) }
    func testTextWriterIsByteIdenticalToKaldiio() throws { try assertWritesLikeKaldiio("text.ark", mode: .text) }
}
