// Bad input gives one-line errors naming the file, the place and what was expected — never a crash.
import XCTest
import Tensors
import TestSupport
@testable import Formats

final class MalformedInputTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Asserts `body` throws an `InputError` whose one-line description contains every fragment.
    func assertInputError(_ body: () throws -> Void, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("no error; expected one containing \(fragments)", file: file, line: line)
        } catch let error as InputError {
            let text = error.description
            XCTAssertFalse(text.contains("\n"), "not one line: \(text)", file: file, line: line)
            for f in fragments where !text.contains(f) {
                XCTFail("error \"\(text)\" lacks \"\(f)\"", file: file, line: line)
            }
        } catch {
            XCTFail("expected InputError, got \(error)", file: file, line: line)
        }
    }

    func readAll(_ path: String) throws { _ = try KaldiArchiveReader(path: path).readAll() }

    let good = Array("a ".utf8) + KaldiBinaryMatrix.encodeFloatMatrix(Matrix([[1, 2], [3, 4]]))

    func header(rows: Int32, cols: Int32, type: String = "FM") -> [UInt8] {
        var h = Array("k \0B\(type) ".utf8)
        KaldiBinaryMatrix.appendInt32(rows, to: &h)
        KaldiBinaryMatrix.appendInt32(cols, to: &h)
        return h
    }

    // MARK: Kaldi archives

    func testTruncatedRecordInAFile() throws {
        let path = try file("cut.ark", good + Array("b ".utf8) + Array(KaldiBinaryMatrix.encodeFloatMatrix(Matrix([[1, 2], [3, 4]])).dropLast(3)))
        assertInputError({ try readAll(path) }, [path + ": byte 50 (record \"b\")", "needs 16 bytes of data but the file has only 13 left"])
    }

    func testTruncatedRecordOnAPipe() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let bytes = header(rows: 1_000_000, cols: 100) + [1, 2, 3, 4, 5, 6]
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        assertInputError({ try readAll("/dev/fd/\(fds[0])") }, ["(record \"k\")", "input ends inside the matrix data: 1 of 100000000 values present"])
    }

    func testWrongTypeToken() throws {
        let path = try file("tok.ark", Array("k \0BXM \u{4}".utf8))
        assertInputError({ try readAll(path) }, [path + ": byte 4 (record \"k\")", "unknown matrix type \"XM\"", "expected FM, DM"])
        let marker = try file("zero.ark", Array("k \0XFM ".utf8))
        assertInputError({ try readAll(marker) }, [marker + ": byte 2 (record \"k\")", "expected the binary marker \\0B, found \\0 followed by \"X\""])
    }

    func testMissingSizeMarker() throws {
        let path = try file("marker.ark", Array("k \0BFM \u{5}".utf8) + [1, 0, 0, 0])
        assertInputError({ try readAll(path) }, [path + ": byte 7", "expected the size byte \\x04 before the row count, found \\x05"])
    }

    func testNegativeDimensions() throws {
        let path = try file("neg.ark", header(rows: -3, cols: 4))
        assertInputError({ try readAll(path) }, [path + ": byte 7 (record \"k\")", "negative matrix size -3×4"])
    }

    func testHugeClaimedDimensionsAreRefusedBeforeAllocating() throws {
        let path = try file("huge.ark", header(rows: Int32.max, cols: Int32.max) + [0, 0, 0, 0])
        assertInputError({ try readAll(path) }, [path + ": byte 7", "matrix claims 2147483647×2147483647 elements", "corrupt"])
        let compressed = try file("hugecm.ark", Array("k \0BCM2 ".utf8) + [0, 0, 0, 0, 0, 0, 0x80, 0x3F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0, 0])
        assertInputError({ try readAll(compressed) }, [compressed + ": byte 8", "matrix claims 2147483647×65535"])
        let withinLimitButAbsent = try file("big.ark", header(rows: 100_000, cols: 1000))
        assertInputError({ try readAll(withinLimitButAbsent) }, ["needs 400000000 bytes of data but the file has only 0 left"])
    }

    func testDuplicateKey() throws {
        let path = try file("dup.ark", good + good)
        assertInputError({ try readAll(path) }, [path + ": byte 33", "duplicate key \"a\" (first at byte 0)"])
    }

    func testEmptyKeyAndKeyWithoutMatrix() throws {
        let path = try file("nokey.ark", Array("\0BFM ".utf8))
        assertInputError({ try readAll(path) }, [path + ": byte 0", "empty record key"])
        let dangling = try file("dangling.ark", good + Array("last".utf8))
        assertInputError({ try readAll(dangling) }, [dangling + ": byte 37", "input ends after the key \"last\""])
        let newline = try file("newline.ark", Array("key\n[ 1 ]\n".utf8))
        assertInputError({ try readAll(newline) }, [newline + ": byte 3", "end of line inside the record key"])
    }

    func testBadTextMatrices() throws {
        let word = try file("word.ark", Array("k  [\n  1 x2 3 ]\n".utf8))
        assertInputError({ try readAll(word) }, [word + ": byte 9 (record \"k\")", "\"x2\" is not a number"])
        let ragged = try file("ragged.ark", Array("k  [\n  1 2 3\n  4 5 ]\n".utf8))
        assertInputError({ try readAll(ragged) }, [ragged + ": byte 20 (record \"k\")", "row 2 has 2 values, expected 3"])
        let open = try file("open.ark", Array("k  [\n  1 2 3\n".utf8))
        assertInputError({ try readAll(open) }, [open + ": byte 13", "input ends before the \"]\" closing the matrix opened at byte 3"])
        let noBracket = try file("nobracket.ark", Array("k 1 2 3\n".utf8))
        assertInputError({ try readAll(noBracket) }, [noBracket + ": byte 2", "expected \"[\" (text matrix) or \\0B"])
        // A token and a key quoted in a message have their control characters escaped.
        let escape = try file("escape.ark", Array("k\u{9B}  [\n  1 \u{1B}[31m 3 ]\n".utf8))
        assertInputError({ try readAll(escape) }, [escape + ": byte 11 (record \"k\\u{009B}\")", "\"\\x1B[31m\" is not a number"])
    }

    func testScpProblemsNameTheLine() throws {
        let ark = try file("s.ark", good)
        let pipeScp = try file("p.scp", Array("a \(ark):2\nb gunzip -c x.ark.gz |\n".utf8))
        assertInputError({ try readAll(pipeScp) }, [pipeScp + ": line 2", "command pipe", "not supported"])
        let past = try file("past.scp", Array("a \(ark):999\n".utf8))
        assertInputError({ try readAll(past) }, [past + ": line 1", "offset 999 is past the end"])
        let missing = try file("missing.scp", Array("a no-such.ark:2\n".utf8))
        assertInputError({ try readAll(missing) }, [missing + ": line 1", "no-such.ark: cannot open"])
        let wrongOffset = try file("wrong.scp", Array("a \(ark):3\n".utf8))
        assertInputError({ try readAll(wrongOffset) }, [ark + ": byte 3 (record \"a\")", "found \"B\""])
        // A command is read (its failure at the end of its output); an output command is not, and
        // a command to read is not written to; an scp beside an output command is refused.
        assertInputError({ _ = try KaldiArchiveReader(path: "ark:exit 2 |").readAll() }, ["command \"exit 2 |\": byte 0: exited with status 2"])
        assertInputError({ _ = try KaldiArchiveReader(path: "ark:| gzip -c > x.gz") }, ["ark:| gzip -c > x.gz: an output command (\"| CMD\") is written to, not read"])
        assertInputError({ _ = try KaldiArchiveWriter(path: "ark:cat > x |") }, ["a command (\"… |\") is read, not written to; write to a command with \"ark:| CMD\""])
        assertInputError({ _ = try KaldiArchiveWriter(path: "ark: | ") }, ["command \"|\": no command after the \"|\""])
        assertInputError({ _ = try KaldiArchiveWriter(path: "ark,scp:| gzip -c > x.gz,x.scp") }, ["an scp lists byte offsets into a file; write the archive to a file, not a command"])
    }

    /// A binary archive where a text list is expected (`scp:feats.ark`, `--text feats.ark`) is
    /// named as an archive, not as bad UTF-8; an scp read as an archive (`ark:feats.scp`) says so.
    func testArchivesAndScpsMistakenForEachOther() throws {
        let ark = try file("m.ark", good)
        let binary = ark + ": line 1: binary Kaldi archive data (\"\\0B\" at column 3), not a text list; archives are read as ark:PATH"
        assertInputError({ _ = try KaldiScp.read(path: ark) }, [binary])
        assertInputError({ try readAll("scp:" + ark) }, [binary])
        assertInputError({ _ = try KaldiText.read(path: ark) }, [binary])
        assertInputError({ _ = try WavScp.read(path: ark) }, [binary])
        let scp = try file("m.scp", Array("a \(ark):2\n".utf8))
        assertInputError({ try readAll("ark:" + scp) }, [scp + ": byte 2 (record \"a\"): expected \"[\" (text matrix) or \\0B (binary matrix), found \"/\" (a list of \"key location\" lines is an scp: read it as scp:PATH)"])
        let relative = try file("r.scp", Array("a m.ark:2\n".utf8))
        assertInputError({ try readAll("ark:" + relative) }, ["found \"m\" (a list of \"key location\" lines is an scp: read it as scp:PATH)"])
        // A text matrix without its "[" is no scp: no hint.
        let numbers = try file("n.ark", Array("k 1 2 3\n".utf8))
        do { try readAll(numbers); XCTFail("no error") } catch let error as InputError { XCTAssertFalse(error.description.contains("scp"), error.description) }
    }

    /// Kaldi's range specifiers: a malformed one is refused when the scp is read, naming the line
    /// and the forms expected; one that does not fit its matrix is that entry's failure.
    func testScpRangeProblemsNameTheLine() throws {
        let ark = try file("r.ark", good)
        for bad in ["[3]", "[2:1]", "[-1:2]", "[:3]", "[0:1,]", "[0:1,0:1,0:1]", "[a:b]", "[0:1][0:1]", "[]"] {
            let scp = try file("bad.scp", Array("a \(ark):2\nb \(ark):2\(bad)\n".utf8))
            assertInputError({ _ = try KaldiScp.read(path: scp) }, [scp + ": line 2: bad range in", "expected LOCATION[first:last]"])
        }
        // good is one 2×2 matrix: its last row may lie up to 2 rows past the end (cut to the
        // matrix, as Kaldi does for segments rounded to 10 ms), no column may.
        let rows = try file("rows.scp", Array("a \(ark):2[0:5]\n".utf8))
        assertInputError({ try readAll(rows) }, [rows + ": line 1: key \"a\" at offset 2: range [0:5] does not fit a matrix of 2×2"])
        let cols = try file("cols.scp", Array("a \(ark):2[0:1,1:2]\n".utf8))
        assertInputError({ try readAll(cols) }, [cols + ": line 1", "range [0:1,1:2] does not fit a matrix of 2×2"])
        let start = try file("start.scp", Array("a \(ark):2[2:3]\n".utf8))
        assertInputError({ try readAll(start) }, [start + ": line 1", "range [2:3] does not fit"])
        let cut = try KaldiArchiveReader(path: try file("cut.scp", Array("a \(ark):2[1:4,1:1]\nb \(ark):2[:,0:0]\n".utf8))).readAll()
        XCTAssertEqual(cut.map(\.matrix), [Matrix([[4]]), Matrix([[1], [3]])])
    }

    // MARK: Kaldi text and wav.scp

    func testKaldiTextErrorsNameTheLine() throws {
        let utf = try file("text", Array("u1 a b\nu2 c \u{FF}d\n".utf8.map { $0 == 0xC3 ? 0xFF : $0 }))
        assertInputError({ _ = try KaldiText.read(path: utf) }, [utf + ": line 2", "invalid UTF-8 at column 6"])
        let dup = try file("text2", Array("u1 a\n\nu1 b\n".utf8))
        assertInputError({ _ = try KaldiText.read(path: dup) }, [dup + ": line 3", "duplicate key \"u1\" (first on line 1)"])
        let indented = try file("text4", Array("u1 a\n  b c\n".utf8))
        assertInputError({ _ = try KaldiText.read(path: indented) }, [indented + ": line 2", "missing key"])
        let escape = try file("text5", Array("\u{1B}[31m a\n\u{1B}[31m b\n".utf8))
        assertInputError({ _ = try KaldiText.read(path: escape) }, [escape + ": line 2: duplicate key \"\\x1B[31m\" (first on line 1)"])
        let scp = try file("e.scp", Array("\u{1B}[31monly\n".utf8))
        assertInputError({ _ = try KaldiScp.read(path: scp) }, [scp + ": line 1: expected \"key location\", found only \"\\x1B[31monly\""])
        let fine = try file("text3", Array("u1 a  b\r\nu2\n".utf8))
        let entries = try KaldiText.read(path: fine)
        XCTAssertEqual(entries, [KaldiTextEntry(key: "u1", tokens: ["a", "b"], line: 1), KaldiTextEntry(key: "u2", tokens: [], line: 2)])
        // A UTF-8 byte order mark (a file saved by a Windows editor) is not read into the first key
        // (which then matched no hypothesis in score, nor any feature in train or align); a BOM
        // anywhere else is text.
        let bom = try file("text6", [0xEF, 0xBB, 0xBF] + Array("u1 a b\r\nu2 \u{FEFF}c\n".utf8))
        XCTAssertEqual(try KaldiText.read(path: bom), [KaldiTextEntry(key: "u1", tokens: ["a", "b"], line: 1),
                                                      KaldiTextEntry(key: "u2", tokens: ["\u{FEFF}c"], line: 2)])
        let bomScp = try file("bom.scp", [0xEF, 0xBB, 0xBF] + Array("u1 feats.ark:12\n".utf8))
        XCTAssertEqual(try KaldiScp.read(path: bomScp).map(\.key), ["u1"])
    }

    func testSegmentsErrors() throws {
        let cases: [(String, String)] = [
            ("u r 0 1\nv r 1\n", "line 2: expected \"uttid recording start end [channel]\", found 3 fields"),
            ("u r 0 1 0 x\n", "line 1: expected \"uttid recording start end [channel]\", found 6 fields"),
            ("u r 0x10 20\n", "line 1: start \"0x10\" is not a number of seconds"),
            ("u r 0 inf\n", "line 1: end \"inf\" is not a number of seconds"),
            ("u r -0.5 1\n", "line 1: start -0.5 is negative"),
            ("u r 2.0 1.5\n", "line 1: end 1.5 is not after the start 2.0 (-1 means the end of the recording)"),
            ("u r 1 1\n", "line 1: end 1 is not after the start 1"),
            ("u r 0 1 -1\n", "line 1: channel \"-1\" is not a channel number (0, 1, …)"),
            ("u r 0 1\n\nu r 1 2\n", "line 3: duplicate utterance \"u\" (first on line 1)"),
            (" u r 0 1\n", "line 1: missing key"),
        ]
        for (text, message) in cases {
            let path = try file("segments", Array(text.utf8))
            assertInputError({ _ = try KaldiSegments.read(path: path) }, [path + ": " + message])
        }
        let path = try file("segments", Array("u r 0.5 -1\r\nv\tr 1.25 2.5 1\n".utf8))
        let read = try KaldiSegments.read(path: path)
        XCTAssertEqual(read, [KaldiSegment(key: "u", recording: "r", start: 0.5, end: nil, line: 1, file: path),
                              KaldiSegment(key: "v", recording: "r", start: 1.25, end: 2.5, channel: 1, line: 2, file: path)])
        // Kaldi's extract-segments arithmetic: truncated sample numbers, ≤ 0.5 s overshoot cut, > 0.1 s long.
        XCTAssertEqual(try read[0].samples(frames: 16000, rate: 8000), 4000..<16000)
        XCTAssertEqual(try read[1].samples(frames: 19000, rate: 8000), 10000..<19000)
        XCTAssertEqual(try KaldiSegment(key: "w", recording: "r", start: 0.3333, end: 0.7777, line: 1, file: "s").samples(frames: 8000, rate: 8000), 2666..<6221)
        assertInputError({ _ = try read[1].samples(frames: 16000, rate: 8000) }, ["segments: line 2: segment \"v\" of \"r\": ends at 2.5 s, 0.5 s or more after the end of the recording (2.0 s)"])
        assertInputError({ _ = try read[0].samples(frames: 4000, rate: 8000) }, ["starts at 0.5 s, at or after the end of the recording (0.5 s)"])
        assertInputError({ _ = try read[0].samples(frames: 4800, rate: 8000) }, ["0.1 s of audio, not more than the 0.1 s a segment needs"])
        // Times far beyond any recording are reported, not converted to sample numbers that overflow.
        let huge = try file("huge", Array("a r 1e300 1e301\nb r 0 1e300\n".utf8))
        let far = try KaldiSegments.read(path: huge)
        assertInputError({ _ = try far[0].samples(frames: 16000, rate: 16000) }, ["starts at 1e+300 s, at or after the end of the recording (1.0 s)"])
        assertInputError({ _ = try far[1].samples(frames: 16000, rate: 16000) }, ["ends at 1e+300 s, 0.5 s or more after the end of the recording (1.0 s)"])
    }

    func testWavScpErrors() throws {
        // A command is an entry as a path is (Kaldi's `… |`), run when the audio is read.
        let scp = try file("wav.scp", Array("a /data/a.wav\nb sox b.flac -t wav - |\nc flac -c -d -s /data/c.flac|\n".utf8))
        let entries = try WavScp.read(path: scp)
        XCTAssertEqual(entries, [WavScpEntry(key: "a", path: "/data/a.wav", line: 1), WavScpEntry(key: "b", path: "sox b.flac -t wav - |", line: 2),
                                 WavScpEntry(key: "c", path: "flac -c -d -s /data/c.flac|", line: 3)])
        XCTAssertEqual(entries.map(\.isCommand), [false, true, true])
        // Its errors, which name the command, are placed at its line; others are left as they are.
        let places = WavScpPlaces(path: scp, entries: entries)
        XCTAssertEqual(places.placed(InputError(file: "command \"sox b.flac -t wav - |\"", "exited with status 2"), key: "b").description,
                       scp + ": line 2: command \"sox b.flac -t wav - |\": exited with status 2")
        XCTAssertEqual(places.placed(InputError(file: "command \"flac -c -d -s /data/c.flac|\"", place: "frame 9", "truncated"), key: "c").description,
                       scp + ": line 3: command \"flac -c -d -s /data/c.flac|\" at frame 9: truncated")
        let other = InputError(file: "/data/a.wav", "no such file")
        XCTAssertEqual(places.placed(other, key: "a"), other)
        XCTAssertEqual(places.placed(InputError(file: "command \"sox b.flac -t wav - |\"", "x"), key: "a").file, "command \"sox b.flac -t wav - |\"")
        let indented = try file("wav3.scp", Array("\ta.wav\n".utf8))
        assertInputError({ _ = try WavScp.read(path: indented) }, [indented + ": line 1", "missing key"])
        let alone = try file("wav2.scp", Array("a dir/a b.wav\nonlykey\n".utf8))
        assertInputError({ _ = try WavScp.read(path: alone) }, [alone + ": line 2", "expected \"uttid path\""])
        let escaped = try file("wav4.scp", Array("\u{1B}[31m a.wav\n\u{1B}[31m b.wav\n\u{1B}]0;title\u{7}\n".utf8))
        assertInputError({ _ = try WavScp.read(path: escaped) }, [escaped + ": line 2: duplicate key \"\\x1B[31m\" (first on line 1)"])
        let bell = try file("wav5.scp", Array("\u{1B}]0;title\u{7}\n".utf8))
        assertInputError({ _ = try WavScp.read(path: bell) }, [bell + ": line 1: expected \"uttid path\", found only \"\\x1B]0;title\\x07\""])
    }

    // MARK: safetensors

    func safetensors(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        let n = length ?? UInt64(h.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h + data
    }

    func load(_ path: String) throws { _ = try SafeTensorsFile(contentsOf: path) }

    func testTruncatedSafetensors() throws {
        let whole = SafeTensorsFile(tensors: ["w": SafeTensor(floats: [1, 2, 3], shape: [3])]).serialized()
        let path = try file("cut.safetensors", Array(whole.dropLast(2)))
        assertInputError({ try load(path) }, [path + ": tensor \"w\"", "data_offsets [0, 12] run past the 10-byte data buffer"])
        let tiny = try file("tiny.safetensors", [1, 2, 3])
        assertInputError({ try load(tiny) }, [tiny + ": byte 0", "shorter than the 8-byte header length"])
    }

    func testHugeHeaderLength() throws {
        let path = try file("huge.safetensors", safetensors("{}", length: UInt64(1) << 60))
        assertInputError({ try load(path) }, [path + ": byte 0", "header length 1152921504606846976 exceeds the 2 bytes after it"])
    }

    func testInvalidJSON() throws {
        let path = try file("json.safetensors", safetensors("{\"w\":{\"dtype\" \"F32\"}}"))
        assertInputError({ try load(path) }, [path + ": byte 22", "invalid JSON header: expected \":\""])
        let array = try file("array.safetensors", safetensors("[1,2]   "))
        assertInputError({ try load(array) }, [array + ": byte 8", "does not start with \"{\""])
        let deep = try file("deep.safetensors", safetensors("{\"a\":" + String(repeating: "[", count: 100) + "}"))
        assertInputError({ try load(deep) }, [deep + ": byte", "nested deeper than 64"])
    }

    func testOffsetsOutOfRangeOverlappingOrInconsistent() throws {
        let range = try file("range.safetensors", safetensors(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]))
        assertInputError({ try load(range) }, [range + ": tensor \"w\"", "run past the 4-byte data buffer"])
        let overlap = try file("overlap.safetensors", safetensors(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: Array(repeating: 0, count: 8)))
        assertInputError({ try load(overlap) }, [overlap + ": tensor \"b\"", "overlap the previous tensor, which ends at 8"])
        let shape = try file("shape.safetensors", safetensors(#"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)))
        assertInputError({ try load(shape) }, [shape + ": tensor \"w\"", "shape [2] of F64 needs 16 bytes but data_offsets [0, 8] give 8"])
        let dtype = try file("dtype.safetensors", safetensors(#"{"w":{"dtype":"Q7","shape":[],"data_offsets":[0,1]}}"#, data: [0]))
        assertInputError({ try load(dtype) }, [dtype + ": tensor \"w\"", "unknown dtype \"Q7\""])
        let negative = try file("negative.safetensors", safetensors(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#))
        assertInputError({ try load(negative) }, [negative + ": tensor \"w\"", "expected non-negative integers"])
        let extra = try file("extra.safetensors", safetensors(#"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [1, 2]))
        assertInputError({ try load(extra) }, [extra + ": byte", "1 bytes after the last tensor's data"])
        let meta = try file("meta.safetensors", safetensors(#"{"__metadata__":{"n":3}}"#))
        assertInputError({ try load(meta) }, [meta + ": header \"__metadata__\".\"n\"", "is a number, expected a string"])
    }
}
