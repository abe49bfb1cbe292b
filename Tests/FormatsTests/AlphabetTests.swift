// Alphabet: blank at 0, reproducible order, JSON round trip, unknown tokens named.
import XCTest
import Formats
import Tensors

final class AlphabetTests: XCTestCase {
    func testCollectingSortsTokensAfterTheBlank() {
        let a = Alphabet(collecting: [["b", "a"], ["c", "a"]])
        XCTAssertEqual(a.symbols, ["<blk>", "a", "b", "c"])
        XCTAssertEqual(a.count, 4)
        XCTAssertEqual(a.index(of: "c"), 3)
        XCTAssertNil(a.index(of: "z"))
    }

    func testEncodeDecodeAndUnknownToken() throws {
        let a = try Alphabet(tokens: ["one", "two"])
        XCTAssertEqual(try a.encode(["two", "one", "two"], file: "text", key: "u1"), [2, 1, 2])
        XCTAssertEqual(a.decode([2, 0, 1]), ["two", "<blk>", "one"])
        XCTAssertThrowsError(try a.encode(["three"], file: "data/text", key: "u7")) { error in
            XCTAssertEqual("\(error)", "data/text: u7: label \"three\" is not in the model's alphabet (2 tokens)")
        }
    }

    func testJSONRoundTripKeepsOrderAndSpaces() throws {
        let a = try Alphabet(tokens: ["z", " ", "\"", "é"])
        let b = try Alphabet(json: a.json, file: "m.safetensors")
        XCTAssertEqual(a, b)
        XCTAssertThrowsError(try Alphabet(json: "{\"a\":1}", file: "m.safetensors"))
        XCTAssertThrowsError(try Alphabet(tokens: ["a", "a"]))
        XCTAssertThrowsError(try Alphabet(tokens: ["<blk>"]))
    }

    func testTokenUnits() {
        XCTAssertEqual(TokenUnit.characters.tokens(of: ["a", "cat"]), ["a", " ", "c", "a", "t"])
        XCTAssertEqual(TokenUnit.words.tokens(of: ["4", "1"]), ["4", "1"])
        XCTAssertEqual(TokenUnit.characters.text(of: ["a", " ", "c"]), "a c")
        XCTAssertEqual(TokenUnit.words.text(of: ["4", "1"]), "4 1")
    }
}
