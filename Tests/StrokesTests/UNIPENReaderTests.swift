// UNIPEN reader on hand-written fixtures: includes, every delineation form, labels, rejections, pendigits.
import XCTest
import Tensors
import Features
import TestSupport

let strokeFixtures = packageRoot.appendingPathComponent("Tests/StrokesTests/Fixtures")

final class UNIPENReaderTests: XCTestCase {
    let root = strokeFixtures.appendingPathComponent("unipen/include").path

    func read(_ name: String) throws -> InkReadResult {
        try UNIPENReader(includeRoot: root).read(path: strokeFixtures.appendingPathComponent("unipen/data/\(name)").path)
    }

    func points(_ s: Stroke) -> [[Double]] { s.points.map { [$0.x, $0.y] } }

    func testNestedIncludesAndEveryDelineationForm() throws {
        let r = try read("a.dat")
        let byLabel = Dictionary(uniqueKeysWithValues: r.samples.map { ($0.label, $0) })
        XCTAssertEqual(r.samples.map(\.label), ["a", "b c", "say \"hi\" \\o/", "x", "u", "head", "tail"])
        // `7`: one component; empty pen-down blocks and the pen-up block before it are not counted.
        XCTAssertEqual(byLabel["a"]!.strokes.map(points), [[[0, 0], [0, 10], [0, 20]]])
        // `83-95`: a component range; the pen-up component inside it is not ink.
        XCTAssertEqual(byLabel["b c"]!.strokes.map(points), [[[0, 0], [0, 10], [0, 20]], [[10, 0], [10, 10], [10, 20], [10, 30]]])
        // `1:40-3:2`: from a point of one component to a point of another.
        XCTAssertEqual(byLabel["say \"hi\" \\o/"]!.strokes.map(points), [[[0, 10], [0, 20]], [[10, 0], [10, 10], [10, 20]]])
        // `1,4`: a union of components.
        XCTAssertEqual(byLabel["x"]!.strokes.map(points), [[[0, 0], [0, 10], [0, 20]], [[20, 0], [20, 10]]])
        // `3:1-3:2,1`: a union, returned in component order.
        XCTAssertEqual(byLabel["u"]!.strokes.map(points), [[[0, 0], [0, 10], [0, 20]], [[10, 10], [10, 20]]])
        // Omitted ends: `-1` starts at component 0, `3:2-` runs to the last component.
        XCTAssertEqual(byLabel["head"]!.strokes.map(points), [[[0, 0], [0, 10], [0, 20]]])
        XCTAssertEqual(byLabel["tail"]!.strokes.map(points), [[[10, 20], [10, 30]], [[20, 0], [20, 10]]])

        let a = byLabel["a"]!
        XCTAssertEqual(a.id, "a-0000")
        XCTAssertEqual(byLabel["tail"]!.id, "a-0010")
        XCTAssertEqual(a.category, "CHARACTER")
        XCTAssertEqual(a.writer, "w17", "the .WRITER_ID from the nested include")
        XCTAssertEqual(a.source.line, 3)
        XCTAssertTrue(a.source.file.hasSuffix("unipen/data/a.dat"))
        XCTAssertEqual(a.pointsPerInch?.x, 1000)
        XCTAssertEqual(a.pointsPerInch!.y, 40 * 25.4, accuracy: 1e-9)
        // Times from .POINTS_PER_SECOND 100 (pen-up points take time too) and the .DT 500 ms gap.
        assertClose(a.strokes[0].points.map { $0.t! }, [0.02, 0.03, 0.04], absolute: 1e-9)
        assertClose(byLabel["x"]!.strokes[1].points.map { $0.t! }, [0.60, 0.61], absolute: 1e-9)
    }

    func testBadSegmentsAreRejectedWithTheirLine() throws {
        let r = try read("a.dat")
        XCTAssertEqual(r.rejected.count, 4, r.rejected.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(r.rejected.map(\.place), ["line 8", "line 9", "line 10", "line 11"])
        XCTAssertTrue(r.rejected.allSatisfy { $0.file.hasSuffix("unipen/data/a.dat") })
        XCTAssertTrue(r.rejected[0].message.contains("no pen-down"), r.rejected[0].message)
        XCTAssertTrue(r.rejected[1].message.contains("component 5 out of range"), r.rejected[1].message)
        XCTAssertTrue(r.rejected[2].message.contains("unclosed quote"), r.rejected[2].message)
        XCTAssertTrue(r.rejected[3].message.contains("point 9 out of range"), r.rejected[3].message)
    }

    func testMissingIncludeIsReportedAndTheRestGoesOn() throws {
        let r = try read("missing.dat")
        XCTAssertEqual(r.rejected, [], "a missing include rejects no sample by itself")
        XCTAssertEqual(r.warnings.map(\.place), ["line 2"])
        XCTAssertTrue(r.warnings[0].message.hasPrefix(".INCLUDE ink/nowhere.dat: cannot read "), r.warnings[0].message)
        XCTAssertTrue(r.warnings[0].message.hasSuffix("nowhere.dat; skipped"), "--include-root was given: \(r.warnings[0].message)")
        XCTAssertEqual(r.samples.map(\.label), ["still read"])
        XCTAssertEqual(r.samples[0].strokes.map(points), [[[20, 0], [20, 10]]])
    }

    func testIncludeLoopIsReported() throws {
        let r = try read("loop.dat")
        XCTAssertEqual(r.rejected.count, 1)
        XCTAssertTrue(r.rejected[0].file.hasSuffix("loop/second.doc"), r.rejected[0].description)
        XCTAssertEqual(r.rejected[0].place, "line 1")
        XCTAssertTrue(r.rejected[0].message.contains("includes itself"), r.rejected[0].message)
        XCTAssertEqual(r.samples.map(\.label), ["l"])
        XCTAssertEqual(r.samples[0].strokes.map(points), [[[1, 2], [3, 4]]])
    }

    func testTimePressureColumnsSetsAndBadPoints() throws {
        let r = try read("timed.dat")
        XCTAssertEqual(r.samples.map(\.label), ["q", "y"])
        let q = r.samples[0].strokes
        XCTAssertEqual(q.count, 1)
        XCTAssertEqual(q[0].points, [PenPoint(x: 0, y: 0, t: 1.0, pressure: 5), PenPoint(x: 3, y: 4, t: 1.01, pressure: 6)])
        XCTAssertEqual(r.samples[1].strokes, [Stroke(points: [PenPoint(x: 2, y: 2, t: 2.02, pressure: 8)])],
                       ".START_SET restarts the component count")
        XCTAssertEqual(r.rejected.count, 1)
        XCTAssertEqual(r.rejected[0].place, "line 16")
        XCTAssertTrue(r.rejected[0].message.contains("line 13"), r.rejected[0].message)
    }

    func testLatin1LabelsAndCRLF() {
        let bytes: [UInt8] = Array(".COORD X Y\r\n.PEN_DOWN\r\n 1 2\r\n 3 4\r\n.SEGMENT WORD 0 ? \"caf".utf8) + [0xE9] + Array("\"\r\n".utf8)
        let r = UNIPENReader().read(bytes: bytes, name: "mem.dat")
        XCTAssertEqual(r.rejected, [])
        XCTAssertEqual(r.samples.first?.label, "caf\u{E9}")
        XCTAssertEqual(r.samples.first?.strokes.first?.points.count, 2)
    }

    func testLabelsAcrossLinesEscapesAndUnresolvableSegments() {
        // A raw literal: the file holds \t (a tab escape), \\ (a backslash) and \" (a quote).
        let text = #"""
        .PEN_DOWN
         1 2
         3 4
        .SEGMENT TEXT 0 OK "two
        lines\tand\\ a\"quote\""
        .SEGMENT WORD ? ? "which?"
        .SEGMENT WORD 0
        .SEGMENT WORD 0 ? "x" trailing

        """#
        let r = UNIPENReader().read(bytes: Array(text.utf8), name: "mem.dat")
        XCTAssertEqual(r.samples.map(\.label), ["two lines and\\ a\"quote\""])
        XCTAssertEqual(r.rejected.map(\.place), ["line 6", "line 7", "line 8"])
        XCTAssertTrue(r.rejected[0].message.contains("'?'"), r.rejected[0].message)
        XCTAssertTrue(r.rejected[1].message.contains("no label"), r.rejected[1].message)
        XCTAssertTrue(r.rejected[2].message.contains("trailing"), r.rejected[2].message)
    }

    /// A file that uses .PEN_UP and ends inside a .PEN_DOWN with points was cut short: the
    /// segment naming that block is rejected with the .PEN_DOWN's line, the rest is read; a cut
    /// no segment names is reported alone; files that end in an empty .PEN_DOWN, or never lift the
    /// pen, are whole.
    func testFileEndingInsidePenDownIsCutShort() {
        // "2" names the cut block; "3" also a block that was never written.
        let cut = ".SEGMENT DIGIT 0 ? \"8\"\n.PEN_DOWN\n 1 2\n 3 4\n.PEN_UP\n.SEGMENT DIGIT 1 ? \"2\"\n.SEGMENT DIGIT 1-2 ? \"3\"\n"
            + ".PEN_DOWN\n 5 6\n 7 8\n"
        let r = UNIPENReader().read(bytes: Array(cut.utf8), name: "cut.tra")
        XCTAssertEqual(r.samples.map(\.label), ["8"])
        XCTAssertEqual(r.rejected.map(\.description),
                       ["cut.tra: line 6: segment \"2\": the file ends inside the .PEN_DOWN of line 8: the file is cut short?",
                        "cut.tra: line 7: segment \"3\": the file ends inside the .PEN_DOWN of line 8: the file is cut short?"])

        let unnamed = ".PEN_DOWN\n 1 2\n 3 4\n.PEN_UP\n.SEGMENT DIGIT 0 ? \"a\"\n.PEN_DOWN\n 5 6\n"
        let u = UNIPENReader().read(bytes: Array(unnamed.utf8), name: "u.dat")
        XCTAssertEqual(u.samples.map(\.label), ["a"])
        XCTAssertEqual(u.rejected.map(\.description), ["u.dat: line 6: the file ends inside the .PEN_DOWN of line 6: the file is cut short?"])

        let include = UNIPENReader().read(bytes: Array(".PEN_DOWN\n 1 2\n.PEN_UP\n.PEN_DOWN\n 5 6\n".utf8), name: "ink.dat")
        XCTAssertEqual(include.rejected, [], "pen data without segments (an include read alone) ends its last block")
        for whole in [".PEN_DOWN\n 1 2\n 3 4\n.PEN_UP\n.SEGMENT WORD 0 ? \"a\"\n.PEN_DOWN\n\n\n",   // an empty last block
                      ".PEN_DOWN\n 1 2\n 3 4\n.PEN_DOWN\n 5 6\n.SEGMENT WORD 0,1 ? \"a\"\n.PEN_DOWN\n0 0\n"] {   // never lifted
            let w = UNIPENReader().read(bytes: Array(whole.utf8), name: "w.dat")
            XCTAssertEqual(w.rejected, [], whole)
            XCTAssertEqual(w.samples.map(\.label), ["a"], whole)
        }
    }

    func testPendigitsVariantKeepsTheWriter() throws {
        let path = strokeFixtures.appendingPathComponent("pendigits.tra").path
        let r = try UNIPENReader().read(path: path)
        XCTAssertEqual(r.samples.map(\.label), ["7", "4"])
        XCTAssertEqual(r.samples.map(\.writer), ["12", "26"])
        XCTAssertEqual(r.samples.map(\.category), ["DIGIT", "DIGIT"])
        XCTAssertEqual(r.samples[1].strokes.map(\.points.count), [3, 2])
        XCTAssertEqual(r.rejected, [])
        XCTAssertEqual(r.warnings.count, 1, "the missing dene.doc is reported")
        XCTAssertTrue(r.warnings[0].message.hasPrefix(".INCLUDE dene.doc: cannot read "), r.warnings[0].message)
        XCTAssertTrue(r.warnings[0].message.hasSuffix("; give --include-root DIR for the UNIPEN include folder"), r.warnings[0].message)
        // Twice the same missing include: one warning; a segment that needed its ink is still rejected.
        let twice = UNIPENReader().read(bytes: Array(".INCLUDE gone.dat\n.INCLUDE gone.dat\n.SEGMENT WORD 0 ? \"w\"\n".utf8), name: "t.dat")
        XCTAssertEqual(twice.warnings.count, 1)
        XCTAssertEqual(twice.rejected.map(\.place), ["line 3"])
    }

    func testDelineationParser() throws {
        XCTAssertEqual(try UNIPENDelineation(parsing: "7").items, [.component(7)])
        let counts = [5, 5, 5, 5, 5, 5, 20]
        let sel = try UNIPENDelineation(parsing: "1:3-3,5,6:0-6:12").resolve(pointCounts: counts)
        XCTAssertEqual(sel.map(\.component), [1, 2, 3, 5, 6])
        XCTAssertEqual(sel.map(\.points), [3...4, 0...4, 0...4, 0...4, 0...12])
        XCTAssertEqual(try UNIPENDelineation(parsing: "2,0-1,1").resolve(pointCounts: counts).map(\.component), [0, 1, 2])
        for bad in ["", "1-2-3", "a", "1,,2", "3:4", "1:2:3-4", "1:x-2", "?"] {
            XCTAssertThrowsError(try UNIPENDelineation(parsing: Substring(bad)), "'\(bad)' should not parse")
        }
        XCTAssertThrowsError(try UNIPENDelineation(parsing: "3-1").resolve(pointCounts: counts))
        XCTAssertThrowsError(try UNIPENDelineation(parsing: "2:4-2:1").resolve(pointCounts: counts))
    }
}
