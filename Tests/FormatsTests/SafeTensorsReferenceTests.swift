// Our safetensors reader and writer against files written by Python's safetensors package.
import XCTest
import Tensors
import TestSupport
@testable import Formats

final class SafeTensorsReferenceTests: XCTestCase {
    func testReadsPythonFilesWithTheirValues() throws {
        let fixtures = try ReferenceFixtures()
        for file in ["tensors.safetensors", "model.safetensors"] {
            let ours = try SafeTensorsFile(contentsOf: ReferenceFixtures.path(file))
            XCTAssertEqual(ours, fixtures.safeTensorsFile(file), file)
            XCTAssertFalse(ours.metadata.isEmpty, file)
        }
        let f = try SafeTensorsFile(contentsOf: ReferenceFixtures.path("tensors.safetensors"))
        XCTAssertEqual(f.tensors["scalar"]?.shape, [])
        XCTAssertEqual(try f.tensors["steps"]?.int64s(), [1 << 40, -5])
    }

    func testWriterIsByteIdenticalToPython() throws {
        // One metadata entry: Python's header order is then fully determined (tensors by
        // descending dtype, then name), and ours must match it byte for byte.
        let fixtures = try ReferenceFixtures()
        let theirs = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ReferenceFixtures.path("tensors.safetensors"))))
        XCTAssertEqual(fixtures.safeTensorsFile("tensors.safetensors").serialized(), theirs)
    }

    func testMultiKeyMetadataDiffersOnlyInPythonsHashOrder() throws {
        // Python writes several metadata keys in hash-map order, so bytes can differ; the content
        // cannot: re-reading ours gives the same file, and our header has the same length.
        let fixtures = try ReferenceFixtures()
        let theirs = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ReferenceFixtures.path("model.safetensors"))))
        let ours = fixtures.safeTensorsFile("model.safetensors").serialized()
        XCTAssertEqual(ours.count, theirs.count)
        XCTAssertEqual(Array(ours[0..<8]), Array(theirs[0..<8]))
        XCTAssertEqual(Array(ours.suffix(64)), Array(theirs.suffix(64)))
    }
}
