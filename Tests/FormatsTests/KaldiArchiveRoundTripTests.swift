// Round trips through our own Kaldi archive writer and reader: binary, text, pipes, scp.
import XCTest
import Tensors
import TestSupport
@testable import Formats

final class KaldiArchiveRoundTripTests: XCTestCase {
    /// Records with awkward shapes (1×1, 0×0, 3×17) and awkward values (tiny, huge, negative zero).
    func sampleRecords() -> [KaldiRecord] {
        var generator = SeededGenerator(seed: 7)
        let a = Matrix(rows: 3, cols: 17, data: (0..<51).map { _ in Float(generator.normal()) * 10 })
        let b = Matrix([[1e-30, -0.0, 3.4e38]])
        let c = Matrix(rows: 0, cols: 0)
        let d = Matrix(rows: 5, cols: 2, data: (0..<10).map { Float($0) * 0.1 })
        return [KaldiRecord(key: "utt-a", matrix: a), KaldiRecord(key: "b_2", matrix: b),
                KaldiRecord(key: "empty", matrix: c), KaldiRecord(key: "d", matrix: d)]
    }

    func roundTrip(mode: KaldiArchiveMode) throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("x.ark").path
        let writer = try KaldiArchiveWriter(path: path, mode: mode)
        for r in sampleRecords() { try writer.write(key: r.key, matrix: r.matrix) }
        try writer.close()
        let back = try KaldiArchiveReader(path: path).readAll()
        XCTAssertEqual(back.map(\.key), sampleRecords().map(\.key))
        for (x, y) in zip(back, sampleRecords()) {
            XCTAssertEqual(x.matrix.rows, y.matrix.rows)
            XCTAssertEqual(x.matrix.cols, y.matrix.cols)
            // Both forms are exact: binary stores the bits, text prints round-trip digits.
            XCTAssertEqual(x.matrix.data.map(\.bitPattern), y.matrix.data.map(\.bitPattern), x.key)
        }
    }

    func testBinaryRoundTripIsExact() throws { try roundTrip(mode: .binary) }
    func testTextRoundTripIsExact() throws { try roundTrip(mode: .text) }

    func testBinaryLayoutMatchesKaldiSpec() throws {
        let path = temporaryDirectory().appendingPathComponent("one.ark").path
        let writer = try KaldiArchiveWriter(path: path)
        try writer.write(key: "k", matrix: Matrix([[1, 2]]))
        try writer.close()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let expected: [UInt8] = Array("k \0BFM ".utf8) + [4, 1, 0, 0, 0, 4, 2, 0, 0, 0] + [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]
        XCTAssertEqual(bytes, expected)
    }

    func testSpecifiersSelectArchiveAndTextMode() throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("t.ark").path
        let writer = try KaldiArchiveWriter(path: "ark,t:" + path)
        try writer.write(key: "k", matrix: Matrix([[0.5, 2], [3, 4]]))
        try writer.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, "k  [\n  0.5 2.0 \n  3.0 4.0 ]\n")
        let back = try KaldiArchiveReader(path: "ark:" + path).readAll()
        XCTAssertEqual(back, [KaldiRecord(key: "k", matrix: Matrix([[0.5, 2], [3, 4]]))])
    }

    func testReadsKaldiStyleTextWithVectorsAndMixedRecords() throws {
        let path = temporaryDirectory().appendingPathComponent("mixed.ark").path
        var bytes = Array("a  [\n  1 2.5 -3e-2\n  4 5 6 ]\nv [ 7 8 ]\n".utf8)
        bytes += Array("bin ".utf8) + KaldiBinaryMatrix.encodeFloatMatrix(Matrix([[9]]))
        bytes += Array("\nz [ ]\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let records = try KaldiArchiveReader(path: path).readAll()
        XCTAssertEqual(records.map(\.key), ["a", "v", "bin", "z"])
        XCTAssertEqual(records[0].matrix, Matrix([[1, 2.5, -0.03], [4, 5, 6]]))
        XCTAssertEqual(records[1].matrix, Matrix([[7, 8]]))
        XCTAssertEqual(records[2].matrix, Matrix([[9]]))
        XCTAssertEqual(records[3].matrix, Matrix(rows: 0, cols: 0))
    }

    func testStreamsThroughAPipeRecordByRecord() throws {
        // A pipe whose writer keeps it open: the reader must return the first record before the end.
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let record = Array("first ".utf8) + KaldiBinaryMatrix.encodeFloatMatrix(Matrix([[1, 2, 3]]))
        _ = record.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        let reader = try KaldiArchiveReader(path: "/dev/fd/\(fds[0])")
        let first = try reader.next()
        XCTAssertEqual(first?.key, "first")
        XCTAssertEqual(first?.matrix, Matrix([[1, 2, 3]]))
        let second = Array("second ".utf8) + KaldiBinaryMatrix.encodeFloatMatrix(Matrix([[4]]))
        _ = second.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        XCTAssertEqual(try reader.next()?.key, "second")
        XCTAssertNil(try reader.next())
        close(fds[0])
    }

    func testScpWithOffsetsReadsEachMatrix() throws {
        let dir = temporaryDirectory()
        let ark = dir.appendingPathComponent("f.ark").path
        let writer = try KaldiArchiveWriter(path: ark)
        for r in sampleRecords() { try writer.write(key: r.key, matrix: r.matrix) }
        try writer.close()
        // Offsets point just past "key ", as Kaldi and kaldiio write them.
        var offsets: [Int] = []
        var position = 0
        for r in sampleRecords() {
            position += r.key.utf8.count + 1
            offsets.append(position)
            position += KaldiBinaryMatrix.encodeFloatMatrix(r.matrix).count
        }
        let scp = dir.appendingPathComponent("f.scp").path
        let lines = zip(sampleRecords(), offsets).reversed().map { "\($0.key) \(ark):\($1)\n" }.joined()
        try lines.write(toFile: scp, atomically: true, encoding: .utf8)
        let back = try KaldiArchiveReader(path: scp).readAll()
        XCTAssertEqual(back.map(\.key), sampleRecords().reversed().map(\.key))
        XCTAssertEqual(back.map(\.matrix), sampleRecords().reversed().map(\.matrix))
        XCTAssertEqual(try KaldiArchiveReader(path: "scp:" + scp).readAll().count, 4)
    }

    /// Matrices of a block (64 KiB) or more bypass the output buffer; the bytes must still be
    /// the plain encoding, in order, between buffered small records, with right scp offsets.
    func testLargeRecordsWrittenDirectlyKeepTheEncodingAndOffsets() throws {
        var generator = SeededGenerator(seed: 9)
        let big = Matrix(rows: 200, cols: 100, data: (0..<20_000).map { _ in Float(generator.normal()) })
        let huge = Matrix(rows: 1000, cols: 33, data: (0..<33_000).map { Float($0) })
        let records = [KaldiRecord(key: "small1", matrix: sampleRecords()[0].matrix), KaldiRecord(key: "big", matrix: big),
                       KaldiRecord(key: "small2", matrix: sampleRecords()[3].matrix), KaldiRecord(key: "huge", matrix: huge),
                       KaldiRecord(key: "small3", matrix: sampleRecords()[1].matrix)]
        let dir = temporaryDirectory()
        let ark = dir.appendingPathComponent("g.ark").path, scp = dir.appendingPathComponent("g.scp").path
        let writer = try KaldiArchiveWriter(path: "ark,scp:\(ark),\(scp)")
        for r in records { try writer.write(key: r.key, matrix: r.matrix) }
        try writer.close()
        var expected: [UInt8] = []
        for r in records { expected += Array((r.key + " ").utf8) + KaldiBinaryMatrix.encodeFloatMatrix(r.matrix) }
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: ark))), expected)
        let back = try KaldiArchiveReader(path: "scp:" + scp).readAll()
        XCTAssertEqual(back.map(\.key), records.map(\.key))
        XCTAssertEqual(back.map(\.matrix), records.map(\.matrix))
    }

    func testWriterRefusesBadAndDuplicateKeys() throws {
        let path = temporaryDirectory().appendingPathComponent("k.ark").path
        let writer = try KaldiArchiveWriter(path: path)
        try writer.write(key: "ok", matrix: Matrix([[1]]))
        XCTAssertThrowsError(try writer.write(key: "ok", matrix: Matrix([[1]]))) {
            XCTAssertTrue("\($0)".contains("record 2: duplicate key \"ok\""), "\($0)")
        }
        XCTAssertThrowsError(try writer.write(key: "has space", matrix: Matrix([[1]])))
        XCTAssertThrowsError(try writer.write(key: "", matrix: Matrix([[1]])))
        try writer.close()
    }

    /// A key longer than the reader takes (4096 bytes) is refused, the record not written: the
    /// writer used to write it, and the archive then failed to read back ("record key longer than
    /// 4096 bytes"). The longest key the reader takes still round-trips.
    func testWriterRefusesKeysTheReaderWouldNot() throws {
        let path = temporaryDirectory().appendingPathComponent("long.ark").path
        let writer = try KaldiArchiveWriter(path: path)
        let longest = String(repeating: "k", count: 4096)
        XCTAssertThrowsError(try writer.write(key: longest + "k", matrix: Matrix([[1]]))) {
            XCTAssertEqual("\($0)", "\(path): record 1: key \"\(String(repeating: "k", count: 40))…\" is 4097 bytes long; archives take keys of at most 4096")
        }
        XCTAssertFalse(writer.outputFailed)
        try writer.write(key: longest, matrix: Matrix([[2]]))
        try writer.close()
        let reader = try KaldiArchiveReader(path: path)
        let record = try XCTUnwrap(reader.next())
        XCTAssertEqual(record.key, longest)
        XCTAssertEqual(record.matrix.data, [2])
        XCTAssertNil(try reader.next())
    }

    func testPythonFloatRepr() {
        let cases: [(Double, String)] = [
            (0.1, "0.1"), (2, "2.0"), (-0.25, "-0.25"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"), (0.00001, "1e-05"), (Double(Float(0.1)), "0.10000000149011612"),
            (1.5e-300, "1.5e-300"), (0, "0.0"), (-0.0, "-0.0"), (.infinity, "inf"), (123456.75, "123456.75"),
            (Double(Float(3.4e38)), "3.3999999521443642e+38"),
        ]
        for (x, expected) in cases { XCTAssertEqual(KaldiTextMatrix.pythonRepr(x), expected) }
    }
}
