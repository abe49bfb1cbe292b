// readInkSamples: format guessing from content and extension, missing files, forced formats.
import XCTest
import Foundation
import Tensors
import Features
import TestSupport

final class ReadInkSamplesTests: XCTestCase {
    func testFormatIsGuessedFromContent() throws {
        let unipen = try readInkSamples(path: strokeFixtures.appendingPathComponent("unipen/data/a.dat").path,
                                        format: nil, includeRoot: strokeFixtures.appendingPathComponent("unipen/include").path)
        XCTAssertEqual(unipen.samples.count, 7)
        XCTAssertEqual(unipen.rejected.count, 4)
        let iam = try readInkSamples(path: strokeFixtures.appendingPathComponent("iam/a01-000u-01.xml").path, format: nil, includeRoot: nil)
        XCTAssertEqual(iam.samples.map(\.label), ["A MOVE to stop"])
        let pen = try readInkSamples(path: strokeFixtures.appendingPathComponent("pentext/sample.pen").path, format: nil, includeRoot: nil)
        XCTAssertEqual(pen.samples.count, 2)
        XCTAssertEqual(guessInkFormat(path: "x.txt", data: Data("  <?xml version=\"1.0\"?>".utf8)), .iam)
        XCTAssertEqual(guessInkFormat(path: "x.txt", data: Data("# c\n.PEN_DOWN\n1 2\n".utf8)), .unipen)
        XCTAssertEqual(guessInkFormat(path: "x.dat", data: Data("1 2\n".utf8)), .unipen)
        XCTAssertEqual(guessInkFormat(path: "x", data: Data("label a\n1 2\n".utf8)), .pentext)
    }

    func testMissingFileAndForcedFormat() {
        XCTAssertThrowsError(try readInkSamples(path: "no/such/file.pen", format: nil, includeRoot: nil)) { e in
            XCTAssertEqual((e as! InputError).message, "no such file")
        }
        // Pen text read as UNIPEN finds no segments.
        let r = try? readInkSamples(path: strokeFixtures.appendingPathComponent("pentext/sample.pen").path, format: .unipen, includeRoot: nil)
        XCTAssertEqual(r?.samples.count, 0)
    }
}

final class DistinctFileKeysTests: XCTestCase {
    func testKeysGrowUntilDistinct() {
        XCTAssertEqual(distinctFileKeys(["data/6/abm/ca0.dat", "data/7/abm/ca0.dat", "data/7/abm/sm0.dat", "x/y z.pen"]),
                       ["6-abm-ca0", "7-abm-ca0", "sm0", "y_z"])
        XCTAssertEqual(distinctFileKeys(["a/b.dat", "c/b.xml", "a/b.dat"]), ["a-b", "c-b", "a-b"])
        XCTAssertEqual(distinctFileKeys(["b.dat", "a/b.dat"]), ["b", "a-b"])
    }

    func testIdPrefixReplacesTheFileName() throws {
        let r = try readInkSamples(path: strokeFixtures.appendingPathComponent("pentext/sample.pen").path, format: nil,
                                   includeRoot: nil, idPrefix: "set1-sample")
        XCTAssertEqual(r.samples.map(\.id), ["set1-sample-0000", "set1-sample-0002"])
    }
}
