// Writes our archives and safetensors where scripts/reference/check-ours-in-python.py reads them back.
import XCTest
import Tensors
import TestSupport
@testable import Formats

/// Writes, from the reference values in `expected.txt`, our binary and text archives and both
/// safetensors files into `<temporary folder>/seqlab-formats-ours/`. The Python script then
/// checks that kaldiio and Python's safetensors read them back with the same values — the
/// reverse direction of `KaldiReferenceTests`/`SafeTensorsReferenceTests`. Here the files are
/// also re-read with our own reader, so the test checks something even when Python is absent.
final class OursForPythonTests: XCTestCase {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seqlab-formats-ours")

    func testWriteFilesForThePythonCheck() throws {
        let fixtures = try ReferenceFixtures()
        try? FileManager.default.removeItem(at: Self.folder)
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
        for (file, mode) in [("float.ark", KaldiArchiveMode.binary), ("text.ark", .text), ("cm.ark", .binary)] {
            let path = Self.folder.appendingPathComponent(file).path
            let writer = try KaldiArchiveWriter(path: path, mode: mode)
            let expected = fixtures.matrices(in: file)
            for e in expected { try writer.write(key: e.key, matrix: e.matrix) }
            try writer.close()
            XCTAssertEqual(try KaldiArchiveReader(path: path).readAll().map(\.matrix), expected.map(\.matrix), file)
        }
        for file in ["tensors.safetensors", "model.safetensors"] {
            let path = Self.folder.appendingPathComponent(file).path
            try fixtures.safeTensorsFile(file).write(to: path)
            XCTAssertEqual(try SafeTensorsFile(contentsOf: path), fixtures.safeTensorsFile(file), file)
        }
    }
}
