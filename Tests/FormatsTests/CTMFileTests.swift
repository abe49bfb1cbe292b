// CTMFile: reading what `seqlab decode --format ctm` writes, and one-line errors for malformed lines.
import Foundation
import XCTest
import Formats
import TestSupport

final class CTMFileTests: XCTestCase {
    func write(_ text: String) throws -> String {
        let dir = temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("hyp.ctm").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Utterances in the order of their first line, tokens in time order, a missing confidence as 1.
    func testReadsUtterancesInFileOrder() throws {
        let path = try write("""
        u2 1 0.240 0.010 five 0.9547
        u1 1 0.000 0.030 <space> 0.5
        u2 1 0.930 0.020 six 0.0001

        u1 A 1.5 0.25 x
        """)
        let read = try CTMFile.read(path: path)
        XCTAssertEqual(read.map(\.key), ["u2", "u1"])
        XCTAssertEqual(read[0].tokens, [CTMToken(token: "five", start: 0.24, duration: 0.01, confidence: 0.9547, line: 1),
                                        CTMToken(token: "six", start: 0.93, duration: 0.02, confidence: 0.0001, line: 3)])
        XCTAssertEqual(read[1].tokens.map(\.token), ["<space>", "x"])
        XCTAssertEqual(read[1].tokens.map(\.confidence), [0.5, 1])
        XCTAssertEqual(read[1].tokens[1].line, 5)
    }

    /// Tokens in order of start time whatever the order of the lines (a file sorted as text puts
    /// 10.00 before 9.00), equal starts in line order.
    func testTokensAreInTimeOrder() throws {
        let path = try write("""
        u1 1 10.00 0.50 d 0.9
        u1 1 2.00 0.50 b 0.9
        u1 1 9.00 0.50 c 0.9
        u1 1 2.00 0.00 b2 0.9
        u2 1 0.30 0.10 y
        u1 1 0.50 0.50 a 0.9
        u2 1 0.10 0.10 x
        """)
        let read = try CTMFile.read(path: path)
        XCTAssertEqual(read.map(\.key), ["u1", "u2"])
        XCTAssertEqual(read[0].tokens.map(\.token), ["a", "b", "b2", "c", "d"])
        XCTAssertEqual(read[0].tokens.map(\.line), [6, 2, 4, 3, 1])
        XCTAssertEqual(read[1].tokens.map(\.token), ["x", "y"])
    }

    func testMalformedLinesNameTheLine() throws {
        for (text, message) in [
            ("u1 1 0.1 0.2\n", "line 1: 4 fields; expected UTTERANCE CHANNEL START DURATION TOKEN [CONFIDENCE]"),
            ("u1 1 0.1 0.2 a 0.5\nu1 1 0.3 0.2 b 0.5 x\n", "line 2: 7 fields"),
            ("u1 1 x 0.2 a 0.5\n", "line 1: start \"x\" is not a time in seconds"),
            ("u1 1 0.1 -0.2 a 0.5\n", "line 1: duration \"-0.2\" is not a time in seconds"),
            ("u1 1 0.1 nan a 0.5\n", "line 1: duration \"nan\""),
            ("u1 1 0.1 0.2 a 1.5\n", "line 1: confidence \"1.5\" is not a number in [0, 1]"),
            ("u1 1 0.1 0.2 a nan\n", "line 1: confidence \"nan\""),
            (" u1 1 0.1 0.2 a 0.5\n", "line 1: missing key"),
        ] {
            let path = try write(text)
            XCTAssertThrowsError(try CTMFile.read(path: path), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(path + ": " + message.prefix(while: { $0 != ":" })), "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        let noConfidence = try write("u1 1 0.1 0.2 a 0.5\nu1 1 0.3 0.2 b\n")
        XCTAssertNoThrow(try CTMFile.read(path: noConfidence))
        XCTAssertThrowsError(try CTMFile.read(path: noConfidence, requireConfidence: true)) { error in
            XCTAssertEqual("\(error)", "\(noConfidence): line 2: no confidence (sixth field); expected UTTERANCE CHANNEL START DURATION TOKEN CONFIDENCE")
        }
    }
}
