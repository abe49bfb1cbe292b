// FNV1a64 against the published FNV-1a 64 test vectors and a word-wise value computed in Python.
import XCTest
import Tensors

final class FNV1aTests: XCTestCase {
    func testPublishedVectors() {
        // The FNV reference vectors ("", "a", "foobar"); the same by Python's arbitrary-precision
        // h = ((h ^ x) * 0x100000001b3) % 2**64 from 0xcbf29ce484222325.
        XCTAssertEqual(FNV1a64().hex, "cbf29ce484222325")
        XCTAssertEqual(FNV1a64.hash("a"), 0xaf63_dc4c_8601_ec8c)
        var h = FNV1a64()
        h.add(utf8: "foo")
        h.add(utf8: "bar")
        XCTAssertEqual(h.hex, "85944171f73967e8")
    }

    func testWordsMixInOneStep() {
        var h = FNV1a64()
        h.add(word: 1)
        h.add(word: UInt64.max)
        XCTAssertEqual(h.hex, "f7d0dcf84b177189")   // Python, as above, over the words 1 and 2**64 - 1
        var byte = FNV1a64()
        byte.add(byte: 1)
        XCTAssertEqual(byte.hex, "af63bc4c8601b62c")   // Python, as above, over the byte 1
    }
}
