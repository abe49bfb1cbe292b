// IAM-OnDB XML and seqlab's pen text format on small fixtures, including broken input.
import XCTest
import Foundation
import Tensors
import Features
import TestSupport

final class IAMAndPenTextTests: XCTestCase {
    func fixture(_ name: String) -> String { strokeFixtures.appendingPathComponent(name).path }

    func testIAMStrokesTimesAndTranscription() throws {
        let s = try IAMOnDBReader().read(path: fixture("iam/a01-000u-01.xml"))
        XCTAssertEqual(s.id, "a01-000u-01")
        XCTAssertEqual(s.label, "A MOVE to stop", "TextLine text is preferred over the <Text> block")
        XCTAssertFalse(s.yPointsUp)
        XCTAssertEqual(s.strokes.map(\.points.count), [3, 2])
        XCTAssertEqual(s.strokes[0].points[1], PenPoint(x: 1072, y: 1085, t: 769.07))
        XCTAssertEqual(s.source.line, 13)
        let labelled = try IAMOnDBReader().read(path: fixture("iam/a01-000u-01.xml"), label: "given")
        XCTAssertEqual(labelled.label, "given")
    }

    func testIAMSidecarLabel() throws {
        let s = try IAMOnDBReader().read(path: fixture("iam/notext.xml"))
        XCTAssertEqual(s.label, "the sidecar label")
        XCTAssertEqual(s.strokes, [Stroke(points: [PenPoint(x: 1, y: 2, t: 0.5)])])
    }

    func testBrokenXMLNamesTheLine() {
        XCTAssertThrowsError(try IAMOnDBReader().read(path: fixture("iam/broken.xml"))) { e in
            let e = e as! InputError
            XCTAssertTrue(e.file.hasSuffix("broken.xml"))
            XCTAssertEqual(e.place, "line 6", e.description)
            XCTAssertEqual(e.message, "not well-formed XML: start and end tags do not match (parser error code 76)")
        }
        XCTAssertThrowsError(try IAMOnDBReader().read(path: fixture("iam/badpoint.xml"))) { e in
            XCTAssertEqual((e as! InputError).place, "line 6", "\(e)")
        }
        XCTAssertThrowsError(try IAMOnDBReader().read(data: Data("<StrokeSet></StrokeSet>".utf8), name: "empty.xml")) { e in
            XCTAssertTrue((e as! InputError).message.contains("no <Stroke>"), "\(e)")
        }
    }

    /// The common ways XML breaks are said in words, with the parser's code: a file cut short
    /// (the IAM fixture truncated after its 10th line, as a copy that stopped), an attribute cut
    /// before its value, a tag cut before its '>', a control byte, an attribute given twice.
    func testXMLErrorsAreSaidInWords() throws {
        let whole = try String(contentsOfFile: fixture("iam/a01-000u-01.xml"), encoding: .utf8)
        let cut = whole.split(separator: "\n", omittingEmptySubsequences: false).prefix(10).joined(separator: "\n") + "\n"
        let cases: [(xml: String, line: Int, words: String)] = [
            (cut, 10, "premature end of the document, or content after its root element (parser error code 5)"),
            ("<StrokeSet>\n<Stroke><Point x=\"1\" y", 2, "attribute without a value (parser error code 41)"),
            ("<StrokeSet>\n<Stroke", 2, "'>' required (a tag not closed) (parser error code 73)"),
            ("<StrokeSet>\u{1}</StrokeSet>", 1, "invalid character (parser error code 9)"),
            ("<StrokeSet a=\"1\" a=\"2\"/>", 1, "attribute given twice (parser error code 42)"),
        ]
        for c in cases {
            XCTAssertThrowsError(try IAMOnDBReader().read(data: Data(c.xml.utf8), name: "t.xml")) { e in
                XCTAssertEqual("\(e)", "t.xml: line \(c.line): not well-formed XML: \(c.words)", c.xml)
            }
        }
    }

    func testPenTextSamplesStrokesAndRejection() throws {
        let r = try PenTextReader().read(path: fixture("pentext/sample.pen"))
        XCTAssertEqual(r.samples.map(\.id), ["sample-0000", "sample-0002"])
        XCTAssertEqual(r.samples.map(\.label), ["hi there", ""])
        XCTAssertEqual(r.samples.map(\.yPointsUp), [true, false])
        XCTAssertEqual(r.samples[0].strokes, [
            Stroke(points: [PenPoint(x: 0, y: 0, t: 0), PenPoint(x: 0, y: 1, t: 0.1)]),
            Stroke(points: [PenPoint(x: 1, y: 0, t: 0.2, pressure: 0.5), PenPoint(x: 1, y: 1, t: 0.3, pressure: 0.7)]),
        ])
        XCTAssertEqual(r.samples[0].source.line, 2)
        XCTAssertEqual(r.samples[1].strokes.map(\.points.count), [2, 1], "a blank line ends a stroke")
        XCTAssertEqual(r.rejected.count, 1)
        XCTAssertEqual(r.rejected[0].place, "line 14")
        XCTAssertTrue(r.rejected[0].message.contains("bad point here"), r.rejected[0].message)
    }

    /// A pen-text file and a stroke config saved with CR LF line ends (Swift reads "\r\n" as one
    /// Character) read as with LF: the same samples, lines numbered the same.
    func testCRLFLineEndsReadAsLF() throws {
        let text = try String(contentsOfFile: fixture("pentext/sample.pen"), encoding: .utf8)
        let lf = PenTextReader().read(text: text, name: "s.pen")
        let crlf = PenTextReader().read(text: text.replacingOccurrences(of: "\n", with: "\r\n"), name: "s.pen")
        XCTAssertEqual(crlf.samples, lf.samples)
        XCTAssertEqual(crlf.rejected.map(\.place), lf.rejected.map(\.place))
        let config = try StrokeFeatureConfig(text: "--kind=strokes\r\n--scale=file\r\n--resample-step=0.05\r\n--direction=true\r\n")
        XCTAssertEqual(config.scale, .file)
        XCTAssertEqual(config.resampleStep, 0.05)
        XCTAssertTrue(config.direction)
        XCTAssertTrue(StrokeFeatureConfig.describesStrokes("--kind=strokes\r\n--scale=file\r\n"))
        XCTAssertThrowsError(try StrokeFeatureConfig(text: "--scale=file\r\n--feature-type=fbank\r\n", file: "c.conf")) {
            XCTAssertEqual("\($0)", "c.conf: line 2: unknown stroke feature option --feature-type (an audio front-end option: this looks like a config for extract audio, not extract strokes)")
        }
    }
}
