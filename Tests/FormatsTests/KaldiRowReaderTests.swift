// KaldiRowReader: row by row equals whole records on every fixture, errors are the whole reader's, rows arrive before the record ends.
import Foundation
import XCTest
import Tensors
import TestSupport
@testable import Formats

final class KaldiRowReaderTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every record of `path` assembled from its rows, with the starts the reader announced.
    func readByRows(_ path: String) throws -> (records: [KaldiRecord], starts: [KaldiRecordStart]) {
        let reader = try KaldiRowReader(path: path)
        var records: [KaldiRecord] = [], starts: [KaldiRecordStart] = []
        while let start = try reader.nextRecord() {
            var data: [Float] = [], rows = 0, cols = start.cols ?? 0
            while let row = try reader.nextRow() {
                if rows == 0 { cols = row.count }
                XCTAssertEqual(row.count, cols, "row \(rows) of \(start.key)")
                data += row
                rows += 1
                XCTAssertEqual(reader.rowsRead, rows)
            }
            XCTAssertNil(try reader.nextRow(), "a finished record stays finished")
            if let announced = start.rows { XCTAssertEqual(announced, rows, start.key) }
            records.append(KaldiRecord(key: start.key, matrix: Matrix(rows: rows, cols: cols, data: data)))
            starts.append(start)
        }
        return (records, starts)
    }

    func testRowsOfEveryFixtureEqualTheWholeRecords() throws {
        for name in ["float.ark", "double.ark", "text.ark", "vector.ark", "cm.ark", "cm2.ark", "cm3.ark", "float.scp", "text.scp"] {
            var path = ReferenceFixtures.path(name)
            if name.hasSuffix(".scp") {
                // The fixture's scp names its archive relative to the fixture folder.
                let archive = name.replacingOccurrences(of: ".scp", with: ".ark")
                let text = try String(contentsOfFile: path, encoding: .utf8)
                path = dir.appendingPathComponent(name).path
                try text.replacingOccurrences(of: " \(archive):", with: " \(ReferenceFixtures.path(archive)):")
                    .write(toFile: path, atomically: true, encoding: .utf8)
            }
            let whole = try KaldiArchiveReader(path: path).readAll()
            let (byRows, starts) = try readByRows(path)
            XCTAssertFalse(whole.isEmpty, name)
            XCTAssertEqual(byRows, whole, name)
            if name == "float.ark" { XCTAssertTrue(starts.allSatisfy { $0.encoding == .fm && $0.cols != nil }) }
            if name == "text.ark" { XCTAssertTrue(starts.allSatisfy { $0.encoding == .text && $0.rows == nil }) }
        }
    }

    func testSkippingUnreadRowsAndMixedRecords() throws {
        let a = Matrix([[1, 2], [3, 4], [5, 6]]), b = Matrix([[7, 8, 9]])
        let path = try file("mixed.ark", Array("a ".utf8) + KaldiBinaryMatrix.encodeFloatMatrix(a)
                            + Array("b ".utf8) + Array(KaldiTextMatrix.encode(b).utf8)
                            + Array("c ".utf8) + KaldiBinaryMatrix.encodeFloatMatrix(a))
        let reader = try KaldiRowReader(path: path)
        XCTAssertEqual(try reader.nextRecord()?.key, "a")
        XCTAssertEqual(try reader.nextRow(), [1, 2])
        XCTAssertEqual(try reader.nextRecord(), KaldiRecordStart(key: "b", encoding: .text, rows: nil, cols: nil))
        XCTAssertEqual(try reader.nextRecord(), KaldiRecordStart(key: "c", encoding: .fm, rows: 3, cols: 2))
        XCTAssertEqual(try reader.nextRow(), [1, 2])
        XCTAssertEqual(try reader.nextRow(), [3, 4])
        XCTAssertEqual(try reader.nextRow(), [5, 6])
        XCTAssertNil(try reader.nextRow())
        XCTAssertNil(try reader.nextRecord())
    }

    /// The whole-record reader's error for `bytes`, and the row reader's.
    func errors(_ name: String, _ bytes: [UInt8]) throws -> (whole: String?, rows: String?) {
        let path = try file(name, bytes)
        var whole: String?, rows: String?
        do { _ = try KaldiArchiveReader(path: path).readAll() } catch let e as InputError { whole = e.description }
        do { _ = try readByRows(path) } catch let e as InputError { rows = e.description }
        return (whole, rows)
    }

    func testErrorsAreTheWholeReadersOnes() throws {
        var header = Array("k \0BFM ".utf8)
        KaldiBinaryMatrix.appendInt32(-3, to: &header)
        KaldiBinaryMatrix.appendInt32(4, to: &header)
        let cases: [(String, [UInt8])] = [
            ("word", Array("k  [\n  1 x2 3 ]\n".utf8)),
            ("ragged", Array("k  [\n  1 2 3\n  4 5 ]\n".utf8)),
            ("open", Array("k  [\n  1 2 3\n".utf8)),
            ("nobracket", Array("k 1 2 3\n".utf8)),
            ("tail", Array("k  [ 1 2 ] x\n".utf8)),
            ("type", Array("k \0BXM \u{4}".utf8)),
            ("marker", Array("k \0XFM ".utf8)),
            ("size", Array("k \0BFM \u{5}".utf8) + [1, 0, 0, 0]),
            ("negative", header),
            ("nokey", Array("\0BFM ".utf8)),
            ("dup", Array("a [ 1 ]\na [ 2 ]\n".utf8)),
            ("dangling", Array("a [ 1 ]\nlast".utf8)),
        ]
        for (name, bytes) in cases {
            let (whole, rows) = try errors(name, bytes)
            XCTAssertNotNil(whole, name)
            XCTAssertEqual(rows, whole, name)
        }
        // Truncated binary data: the same place and check, and the row it stopped in.
        let truncated = Array("a ".utf8) + KaldiBinaryMatrix.encodeFloatMatrix(Matrix([[1, 2], [3, 4]])).dropLast(3)
        let (whole, rows) = try errors("cut", Array(truncated))
        XCTAssertTrue(whole?.contains("needs 16 bytes of data but the file has only 13 left") == true, whole ?? "nil")
        XCTAssertEqual(rows, whole)
    }

    func testTruncatedRowOnAPipeNamesTheRow() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        var bytes = Array("k \0BFM ".utf8)
        KaldiBinaryMatrix.appendInt32(1_000_000, to: &bytes)
        KaldiBinaryMatrix.appendInt32(2, to: &bytes)
        bytes += [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 1, 2]          // row 1 = [1, 2], then 2 bytes of row 2
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        let reader = try KaldiRowReader(path: "/dev/fd/\(fds[0])")
        XCTAssertEqual(try reader.nextRecord()?.rows, 1_000_000)
        XCTAssertEqual(try reader.nextRow(), [1, 2])
        XCTAssertThrowsError(try reader.nextRow()) { error in
            let text = (error as? InputError)?.description ?? "\(error)"
            XCTAssertTrue(text.contains("(record \"k\")") && text.contains("row 2 of 1000000") && text.contains("truncated"), text)
        }
    }

    /// A row is returned as soon as its bytes are in the pipe, before the rest of the record is written.
    func testRowsArriveBeforeTheRecordEnds() throws {
        for text in [false, true] {
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            let matrix = Matrix([[1, 2], [3, 4], [5, 6], [7, 8]])
            let encoded = text ? Array(("k" + KaldiTextMatrix.encode(matrix)).utf8)
                               : Array("k ".utf8) + KaldiBinaryMatrix.encodeFloatMatrix(matrix)
            // Everything up to the end of row 2 (text: its newline), then the rest later.
            let cut = text ? encoded.indices.filter { encoded[$0] == 0x0A }[2] + 1 : encoded.count - 2 * 8
            let first = Array(encoded[..<cut]), rest = Array(encoded[cut...])
            _ = first.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
            let restWritten = LockedFlag(), rowsSeen = LockedFlag()
            let writeEnd = fds[1]
            let writer = Thread {
                let deadline = Date().addingTimeInterval(20)
                while !rowsSeen.value && Date() < deadline { usleep(2_000) }
                restWritten.value = true
                _ = rest.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
                close(writeEnd)
            }
            writer.start()
            let reader = try KaldiRowReader(path: "/dev/fd/\(fds[0])")
            XCTAssertEqual(try reader.nextRecord()?.key, "k")
            XCTAssertEqual(try reader.nextRow(), [1, 2])
            XCTAssertEqual(try reader.nextRow(), [3, 4])
            XCTAssertFalse(restWritten.value, text ? "text" : "binary" + ": rows 1–2 waited for the rest of the record")
            rowsSeen.value = true
            XCTAssertEqual(try reader.nextRow(), [5, 6])
            XCTAssertEqual(try reader.nextRow(), [7, 8])
            XCTAssertNil(try reader.nextRow())
            XCTAssertNil(try reader.nextRecord())
            close(fds[0])
        }
    }
}

/// A Bool shared between two threads.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
