// Inputs the libFuzzer list target (scripts/fuzz text) failed on, kept as tests of the fixed readers.
import XCTest
import Formats
import Tensors
import TestSupport

final class KaldiTextFuzzRegressionTests: XCTestCase {
    /// fuzz-text: a `text` line whose token begins with a combining mark (U+05AF) read as five
    /// fields, but `KaldiText.write` joins tokens with a space, and a space followed by a combining
    /// mark is one Character: split at Characters, the written line read back as four tokens (two
    /// merged). Fields are now split at Unicode scalars, as Kaldi splits at bytes.
    func testTheFuzzInputRoundTripsThroughWrite() throws {
        let path = ReferenceFixtures.directory.appendingPathComponent("fuzz/text-combining-mark.txt").path
        let entries = try KaldiText.read(path: path)
        XCTAssertEqual(entries.map(\.key), ["sam"])
        XCTAssertEqual(entries[0].tokens, ["\u{1}\0\0\0\0\0\0\u{1C}", "\u{5AF}", ";", "o4\u{4}8J"])
        let copy = temporaryDirectory().appendingPathComponent("text").path
        try KaldiText.write(entries.map { ($0.key, $0.tokens) }, to: copy)
        let again = try KaldiText.read(path: copy)
        XCTAssertEqual(again.map(\.tokens), entries.map(\.tokens))
    }

    /// The same for tokens starting with any combining mark, and a key followed by one.
    func testCombiningMarksAfterSeparatorsStartNewTokens() throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("text").path
        let entries: [(key: String, tokens: [String])] = [("u1", ["a", "\u{301}b", "\u{5AF}"]), ("u2", ["\u{300}"])]
        try KaldiText.write(entries, to: path)
        let read = try KaldiText.read(path: path)
        XCTAssertEqual(read.map(\.key), ["u1", "u2"])
        XCTAssertEqual(read.map(\.tokens), entries.map(\.tokens))
        // A line starting with a space and a combining mark is indented: its key is missing.
        try Data(" \u{301}x a\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try KaldiText.read(path: path)) { error in
            XCTAssertTrue((error as? InputError)?.message.contains("missing key") == true, "\(error)")
        }
    }
}
