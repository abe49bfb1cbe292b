// Inputs the libFuzzer stroke targets (scripts/fuzz pentext, iam) crashed or ran out of memory on: now one-line InputErrors.
import XCTest
import Features
import Tensors
import TestSupport

final class StrokeFuzzRegressionTests: XCTestCase {
    let resampling = StrokeFeatureConfig(resampleStep: 0.05, direction: true, curvature: true)

    func sample(_ name: String) throws -> InkSample {
        let path = strokeFixtures.appendingPathComponent("fuzz/\(name)").path
        let read = try PenTextReader().read(path: path)
        XCTAssertEqual(read.rejected.count, 0, "\(read.rejected)")
        return try XCTUnwrap(read.samples.first)
    }

    /// fuzz-pentext: an 18-byte file, one line 10^9 wide and 1 high. `.height` scaling makes it
    /// 10^9 units long, so resampling every 0.05 units asked for 2·10^10 points (a 512 MB
    /// allocation before the fuzzer stopped it, hundreds of GB in all). Now refused before any
    /// point is made.
    func testAFlatLineTooLongToResampleIsAnInputError() throws {
        let flat = try sample("flat-line.pen")
        XCTAssertThrowsError(try checkedStrokeFeatures(flat, config: resampling)) { error in
            guard let error = error as? InputError else { return XCTFail("\(error) is not an InputError") }
            XCTAssertTrue(error.file.hasSuffix("fuzz/flat-line.pen"), error.description)
            XCTAssertEqual(error.place, "line 1")
            XCTAssertTrue(error.message.contains("resampling every 0.05 units would give 20000000002 points"), error.message)
        }
        // Without resampling the same sample is two points, as recorded.
        XCTAssertEqual(try checkedStrokeFeatures(flat, config: StrokeFeatureConfig()).rows, 2)
    }

    /// A line whose length overflows to infinity (x from -1e308 to 1e308) made the resampling
    /// loop append points forever; now it is refused, and the resampler skips such a step.
    func testAnOverflowingLineIsAnInputErrorNotAnEndlessLoop() throws {
        let line = try sample("overflowing-line.pen")
        XCTAssertThrowsError(try checkedStrokeFeatures(line, config: resampling)) { error in
            guard let error = error as? InputError else { return XCTFail("\(error) is not an InputError") }
            XCTAssertTrue(error.message.contains("infinitely many points"), error.message)
        }
        let points = [InkXY(x: 0, y: 0), InkXY(x: .infinity, y: 0)]
        XCTAssertEqual(resampledByArcLength(points, step: 0.5), [InkXY(x: 0, y: 0)])
    }

    /// The bound leaves ordinary samples alone: a unit square path resampled every 0.05 units
    /// gives 4 / 0.05 + 1 = 81 points.
    func testOrdinarySamplesStillResample() throws {
        let square = InkSample(id: "sq", label: "o", strokes: [Stroke(points: [
            PenPoint(x: 0, y: 0), PenPoint(x: 1, y: 0), PenPoint(x: 1, y: 1), PenPoint(x: 0, y: 1), PenPoint(x: 0, y: 0),
        ])], source: ("square", 1))
        XCTAssertEqual(try checkedStrokeFeatures(square, config: resampling).rows, 81)
    }
}

final class IAMFuzzRegressionTests: XCTestCase {
    let body = "<WhiteboardCaptureSession>\n<StrokeSet><Stroke><Point x=\"1\" y=\"2\" time=\"0\"/></Stroke></StrokeSet>\n</WhiteboardCaptureSession>\n"

    func refusal(_ data: Data, name: String = "fuzz.xml") -> InputError? {
        do {
            _ = try IAMOnDBReader().read(data: data, name: name)
            return nil
        } catch {
            return error
        }
    }

    /// fuzz-iam: 27 bytes starting `<?xol?>` killed the process (SEGV in strlen called by
    /// Foundation's `_NSXMLParserProcessingInstruction` on libxml2's null data pointer).
    func testTheCrashingInputIsAnInputError() throws {
        let path = strokeFixtures.appendingPathComponent("fuzz/pi-without-data.xml").path
        XCTAssertThrowsError(try IAMOnDBReader().read(path: path)) { error in
            guard let error = error as? InputError else { return XCTFail("\(error) is not an InputError") }
            XCTAssertEqual(error.file, path)
            XCTAssertEqual(error.place, "line 1")
            XCTAssertTrue(error.message.contains("processing instruction <?xol?> has no data"), error.message)
        }
    }

    /// The instruction is found on any line, and instructions with data still parse.
    func testInstructionsWithoutDataAreRefusedWhereverTheyAre() throws {
        let declaration = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<?xml-stylesheet href=\"a.xsl\"?>\n"
        let good = Data((declaration + body).utf8)
        XCTAssertEqual(try IAMOnDBReader().read(data: good, name: "good.xml").pointCount, 1)
        let bad = Data((declaration + "<?x ?>\n<?x?>\n" + body).utf8)
        XCTAssertEqual(refusal(bad)?.place, "line 4")
    }

    /// Encodings that would let the instruction past a byte scan are refused: UTF-16 (NUL bytes),
    /// a declared non-ASCII-compatible encoding, EBCDIC.
    func testEncodingsTheScanCannotSeeThroughAreRefused() throws {
        let utf16 = try XCTUnwrap(("<?x?>" + body).data(using: .utf16LittleEndian))
        XCTAssertTrue(refusal(utf16)?.message.contains("NUL byte") == true, "\(String(describing: refusal(utf16)))")
        let declared = Data(("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n" + body).utf8)
        XCTAssertTrue(refusal(declared)?.message.contains("encoding \"UTF-16\" is not supported") == true)
        let ebcdic = Data([0x4C, 0x6F, 0xA7, 0x94, 0x93])
        XCTAssertTrue(refusal(ebcdic)?.message.contains("EBCDIC") == true)
        let latin1 = Data(("<?xml version='1.0' encoding='iso-8859-1'?>\n" + body).utf8)
        XCTAssertNil(refusal(latin1))
    }

    /// Found probing around the crash: FoundationXML's DTD callbacks pass libxml2's null ids and
    /// defaults to strlen too (the same SEGV). Any document type declaration is refused.
    func testDocumentTypeDeclarationsAreRefused() {
        for dtd in ["<!DOCTYPE a [<!NOTATION n SYSTEM \"x\"><!ENTITY e SYSTEM \"y\" NDATA n>]>",
                    "<!DOCTYPE a [<!ELEMENT a ANY><!ATTLIST a b CDATA #IMPLIED>]>",
                    "<!DOCTYPE a [<!NOTATION n PUBLIC \"p\">]>"] {
            let error = refusal(Data(("<?xml version=\"1.0\"?>\n" + dtd + "\n" + body).utf8))
            XCTAssertEqual(error?.place, "line 2", dtd)
            XCTAssertTrue(error?.message.contains("document type declarations") == true, "\(String(describing: error))")
        }
    }

    /// fuzz-iam, second run: a declaration `encoding="ISO-8859-1.1">` (unknown name, no `?>`)
    /// crashed inside libxml2 (SEGV in `xmlSwitchToEncoding`). Encodings are now accepted by exact
    /// name only, and read from an unclosed declaration too.
    func testUnknownOrUnclosedEncodingDeclarationsAreRefused() throws {
        let path = strokeFixtures.appendingPathComponent("fuzz/unknown-encoding.xml").path
        XCTAssertThrowsError(try IAMOnDBReader().read(path: path)) { error in
            guard let error = error as? InputError else { return XCTFail("\(error) is not an InputError") }
            XCTAssertEqual(error.file, path)
            XCTAssertTrue(error.message.contains("encoding \"ISO-8859-1.1\" is not supported"), error.message)
        }
        XCTAssertNotNil(refusal(Data(("<?xml version=\"1.0\" encoding=\"UTF-16\">\n" + body).utf8)))
        XCTAssertNotNil(refusal(Data(("<?xml version=\"1.0\" encoding=UTF-8?>\n" + body).utf8)))
        XCTAssertNil(refusal(Data(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body).utf8)))
    }

    /// fuzz-iam, third run: `encoding="ISO-8859-11"` with bytes the converter cannot map crashed
    /// inside libxml2 (SEGV in `xmlParseChunk`); windows-1252 and ISO-8859-7 do the same on 0x81
    /// or 0xFF. Only UTF-8, US-ASCII and ISO-8859-1 are accepted.
    func testEncodingsWithUnmappableBytesAreRefused() throws {
        let path = strokeFixtures.appendingPathComponent("fuzz/unmappable-encoding.xml").path
        XCTAssertThrowsError(try IAMOnDBReader().read(path: path)) { error in
            XCTAssertTrue((error as? InputError)?.message.contains("encoding \"ISO-8859-11\" is not supported") == true, "\(error)")
        }
        // Fourth run: a UTF-16 byte-order mark and an invalid surrogate, no NUL byte, no declaration.
        let bom = strokeFixtures.appendingPathComponent("fuzz/utf16-bom.xml").path
        XCTAssertThrowsError(try IAMOnDBReader().read(path: bom)) { error in
            XCTAssertTrue((error as? InputError)?.message.contains("UTF-16 byte-order mark") == true, "\(error)")
        }
        for encoding in ["windows-1252", "ISO-8859-7"] {
            var bytes = Array("<?xml version=\"1.0\" encoding=\"\(encoding)\"?>\n<a>x".utf8) + [0x81, 0xFF]
            bytes += Array("</a>\n".utf8)
            XCTAssertNotNil(refusal(Data(bytes)), encoding)
        }
    }
}

final class UNIPENFuzzRegressionTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func write(_ text: String, _ name: String) throws {
        try Data(text.utf8).write(to: dir.appendingPathComponent(name))
    }

    /// fuzz-unipen: a timeout (over 10 s) on 734 bytes that include themselves as
    /// `input.unipen\0\0…` with different numbers of NULs. The file system reads each as
    /// input.unipen, but the loop check compared the names with their NULs, so every variant not
    /// yet on the include chain was read again, up to 64 deep. Include paths with control
    /// characters are refused now, and the chain compares real paths.
    func testTheSelfIncludeWithNULsIsRefused() throws {
        let input = dir.appendingPathComponent("input.unipen")
        try FileManager.default.copyItem(at: strokeFixtures.appendingPathComponent("fuzz/self-include-with-nul.unipen"), to: input)
        let read = try UNIPENReader(includeRoot: dir.path).read(path: input.path)
        let messages = read.rejected.map(\.message)
        XCTAssertEqual(messages, Array(repeating: ".INCLUDE path holds control characters; skipped", count: 9))
        XCTAssertTrue(read.rejected.allSatisfy { $0.file == input.path }, "\(read.rejected)")
    }

    /// The chain compares real paths: a symbolic link to the including file, or a path through
    /// `..`, is the same file and a loop.
    func testLoopsThroughLinksAndDotDotAreFound() throws {
        try write(".INCLUDE link\n.INCLUDE sub/../top.unipen\n.PEN_DOWN\n1 2\n3 4\n.PEN_UP\n.SEGMENT WORD 0 OK \"a\"\n", "top.unipen")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link").path, withDestinationPath: "top.unipen")
        let read = try UNIPENReader(includeRoot: dir.path).read(path: dir.appendingPathComponent("top.unipen").path)
        XCTAssertEqual(read.rejected.map(\.place), ["line 1", "line 2"])
        XCTAssertTrue(read.rejected.allSatisfy { $0.message.contains("includes itself") }, "\(read.rejected)")
        XCTAssertEqual(read.samples.map(\.label), ["a"])
    }

    /// An include bomb without a loop: f0 includes f1 twice, f1 includes f2 twice, … f11 holds a
    /// point: 4,094 reads. Reading stops after 1,000 includes: the includes met after that are
    /// refused without being read (so the second half of the tree, from f0's line 2, never is).
    func testAnIncludeBombStopsAtOneThousandIncludes() throws {
        for level in 0..<11 { try write(".INCLUDE f\(level + 1)\n.INCLUDE f\(level + 1)\n", "f\(level)") }
        try write(".PEN_DOWN\n1 2\n.PEN_UP\n", "f11")
        let read = try UNIPENReader(includeRoot: dir.path).read(path: dir.appendingPathComponent("f0").path)
        XCTAssertFalse(read.rejected.isEmpty)
        XCTAssertTrue(read.rejected.allSatisfy { $0.message.contains("more than 1000 includes in one file") }, "\(read.rejected)")
        let last = try XCTUnwrap(read.rejected.last)
        XCTAssertEqual([last.file, last.place], [dir.appendingPathComponent("f0").path, "line 2"])
    }
}
