// InputError.quoted: input quoted in a message cannot act on the terminal and stays one line.
import XCTest
import Tensors

final class InputErrorTests: XCTestCase {
    func testQuotedEscapesWhatATerminalWouldActOn() {
        XCTAssertEqual(InputError.quoted("abc\u{1B}[2J\u{1B}[31mRED\u{07}"), "abc\\x1B[2J\\x1B[31mRED\\x07")
        XCTAssertEqual(InputError.quoted("a\tb\r\nc\u{7F}\u{0}"), "a\\tb\\r\\nc\\x7F\\x00")
        // C1 controls (a Latin-1 byte 0x9B is a CSI), bidirectional overrides, line separators.
        XCTAssertEqual(InputError.quoted("x\u{9B}2Jy\u{202E}z\u{2028}"), "x\\u{009B}2Jy\\u{202E}z\\u{2028}")
        XCTAssertEqual(InputError.quoted("café 1 2 ✓"), "café 1 2 ✓", "printable text is kept as it is")
    }

    func testQuotedCutsLongInput() {
        XCTAssertEqual(InputError.quoted(String(repeating: "a", count: 81)), String(repeating: "a", count: 80) + "…")
        XCTAssertEqual(InputError.quoted(String(repeating: "a", count: 80)), String(repeating: "a", count: 80))
        XCTAssertEqual(InputError.quoted("abcdef", limit: 3), "abc…")
    }
}
