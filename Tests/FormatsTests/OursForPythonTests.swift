// Writes our archives and safetensors, and has scripts/reference/check-ours-in-python.py read them back.
import XCTest
import Tensors
import TestSupport
@testable import Formats

/// Writes, from the reference values in `expected.txt`, our binary and text archives and both
/// safetensors files into `<temporary folder>/seqlab-formats-ours/`, re-reads them with our own
/// readers, then runs the Python script, which checks that kaldiio and Python's safetensors read
/// them back with the same values — the reverse direction of
/// `KaldiReferenceTests`/`SafeTensorsReferenceTests`. Without those modules the Python half skips.
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
        // The same files through kaldiio and Python's safetensors (installed by scripts/setup --test).
        guard (try? runPython3(["-c", "import kaldiio, safetensors, numpy"]).status) == 0 else {
            throw XCTSkip("python3 with kaldiio, safetensors and numpy not found (scripts/setup --test installs them): our files were read back by our own reader only")
        }
        let check = try runPython3([packageRoot.appendingPathComponent("scripts/reference/check-ours-in-python.py").path, Self.folder.path])
        XCTAssertEqual(check.status, 0, check.output)
        let lines = check.output.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok ") }.count, 5, check.output)
    }
}
