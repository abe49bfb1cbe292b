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

    /// wav.scp and feature scp lines split key from location at Unicode scalars too: split at
    /// Characters, `key \u{301}path` had no separator and was refused as a line without a path.
    func testScpLocationsMayStartWithCombiningMarks() throws {
        let dir = temporaryDirectory()
        let wavScp = dir.appendingPathComponent("wav.scp").path
        try Data("u1 \u{301}a b.wav\nu2\t \u{300}x.wav \r\n".utf8).write(to: URL(fileURLWithPath: wavScp))
        let wavs = try WavScp.read(path: wavScp)
        XCTAssertEqual(wavs.map(\.key), ["u1", "u2"])
        XCTAssertEqual(wavs.map(\.path), ["\u{301}a b.wav", "\u{300}x.wav"])
        let featsScp = dir.appendingPathComponent("feats.scp").path
        try Data("u1 \u{301}feats.ark:42\n".utf8).write(to: URL(fileURLWithPath: featsScp))
        let feats = try KaldiScp.read(path: featsScp)
        XCTAssertEqual(feats.map(\.archivePath), ["\u{301}feats.ark"])
        XCTAssertEqual(feats.map(\.offset), [42])
        // A key alone is still refused with the line.
        try Data("u1 a.wav\nlonely \t\n".utf8).write(to: URL(fileURLWithPath: wavScp))
        XCTAssertThrowsError(try WavScp.read(path: wavScp)) { error in
            XCTAssertEqual((error as? InputError)?.place, "line 2", "\(error)")
        }
    }
}

final class ArchiveFuzzRegressionTests: XCTestCase {
    func archive(_ bytes: [UInt8]) throws -> String {
        let path = temporaryDirectory().appendingPathComponent("a.ark").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func header(_ token: String, _ sizes: [Int32]) -> [UInt8] {
        Array("k \0B\(token) ".utf8) + sizes.flatMap { [4] + withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
    }

    /// fuzz-ark: 17 bytes, `d \0BDM` with 728,956,928 rows of 0 columns. No data bytes, so no size
    /// check stopped it; the target's text writer then spent minutes on 729 million empty rows
    /// (a timeout), as any later stage looping over frames would. Now refused like Kaldi does.
    func testTheFuzzInputIsRefused() throws {
        let path = ReferenceFixtures.directory.appendingPathComponent("fuzz/rows-without-columns.ark").path
        XCTAssertThrowsError(try KaldiArchiveReader(path: path).readAll()) { error in
            guard let error = error as? InputError else { return XCTFail("\(error) is not an InputError") }
            XCTAssertEqual(error.file, path)
            XCTAssertEqual(error.place, "byte 7 (record \"d\")")
            XCTAssertTrue(error.message.contains("matrix 728956928×0: rows without columns"), error.message)
        }
    }

    /// Rows without columns are refused in every encoding; no rows (an empty utterance) and the
    /// empty vector stay readable.
    func testRowsWithoutColumnsAreRefusedEmptyMatricesRead() throws {
        for bytes in [header("FM", [3, 0]), header("DM", [1, 0]),
                      Array("k \0BCM2 ".utf8) + [0, 0, 0, 0, 0, 0, 128, 63, 2, 0, 0, 0, 0, 0, 0, 0]] {
            let path = try archive(bytes)
            XCTAssertThrowsError(try KaldiArchiveReader(path: path).readAll()) { error in
                XCTAssertTrue((error as? InputError)?.message.contains("rows without columns") == true, "\(error)")
            }
        }
        XCTAssertEqual(try KaldiArchiveReader(path: archive(header("FM", [0, 5]))).readAll().first?.matrix, Matrix(rows: 0, cols: 5))
        XCTAssertEqual(try KaldiArchiveReader(path: archive(header("FV", [0]))).readAll().first?.matrix, Matrix(rows: 0, cols: 0))
        XCTAssertEqual(try KaldiArchiveReader(path: archive(header("FV", [1]) + [0, 0, 128, 63])).readAll().first?.matrix, Matrix([[1]]))
    }
}
