// Tests of the SVG builder, escaping, the colour map, nice ticks and row averaging.
import Foundation
import Plotting
import Tensors
import TestSupport
import XCTest

final class SVGAndAxesTests: XCTestCase {
    func testDocumentParsesWithOneElementPerCallAndEscapedText() throws {
        var doc = SVGDocument(width: 100, height: 50, title: "a<b & \"c\"")
        doc.beginGroup("g1")
        doc.rect(x: 1, y: 2, width: 3.456, height: 4, style: .filled("#ff0000"))
        doc.line(x1: 0, y1: 0, x2: 10, y2: 10, style: .stroked("#000000", dash: "2 2"))
        doc.polyline([(0, 0), (5, 5), (10, 0)], style: .stroked("#00ff00"))
        doc.text("x < y && y > z 'q'", x: 5, y: 6, anchor: .middle, rotation: -90)
        // Left open on purpose: render() closes it.
        let text = doc.render()
        XCTAssertTrue(text.contains("a&lt;b &amp; &quot;c&quot;"), text)
        let svg = try parseSVG(text)
        XCTAssertEqual(svg.attributes["viewBox"], "0 0 100 50")
        XCTAssertEqual(svg.elements("title").first?.text, "a<b & \"c\"")
        XCTAssertEqual(svg.groups("g1").count, 1)
        let group = svg.groups("g1")[0]
        XCTAssertEqual(group.children.map(\.name), ["rect", "line", "polyline", "text"])
        XCTAssertEqual(group.children[0].attributes["width"], "3.46")
        XCTAssertEqual(group.children[1].attributes["stroke-dasharray"], "2 2")
        XCTAssertEqual(polylinePoints(group.children[2]).map(\.y), [0, 5, 0])
        XCTAssertEqual(group.children[3].text, "x < y && y > z 'q'")
        XCTAssertEqual(group.children[3].attributes["transform"], "rotate(-90 5 6)")
    }

    func testNumbersAreShortAndControlCharactersReplaced() throws {
        XCTAssertEqual(svgNumber(3), "3")
        XCTAssertEqual(svgNumber(-0.001), "0")
        XCTAssertEqual(svgNumber(2.5), "2.5")
        XCTAssertEqual(svgNumber(1.005001), "1.01")
        XCTAssertEqual(svgNumber(.nan), "0")
        XCTAssertEqual(xmlEscaped("a\u{01}b\tc"), "a\u{FFFD}b\tc")
    }

    /// Viridis stops as matplotlib gives them; between stops, the channel means (worked by hand).
    func testViridisStopsAndInterpolation() {
        let map = ColourMap.viridis
        XCTAssertEqual(map.colour(0), "#440154")
        XCTAssertEqual(map.colour(0.5), "#21918c")
        XCTAssertEqual(map.colour(1), "#fde725")
        XCTAssertEqual(map.colour(-3), "#440154")
        XCTAssertEqual(map.colour(7), "#fde725")
        // Half-way between #440154 and #472d7b: (68+71)/2 = 69.5 → 70, (1+45)/2 = 23, (84+123)/2 = 103.5 → 104.
        XCTAssertEqual(map.colour(1.0 / 16), "#461768")
        XCTAssertEqual(map.table(levels: 3), ["#440154", "#21918c", "#fde725"])
    }

    func testNiceTicks() {
        assertClose(niceTicks(lo: 0, hi: 1, count: 5), [0, 0.2, 0.4, 0.6, 0.8, 1.0], absolute: 1e-12)
        assertClose(niceTicks(lo: 0, hi: 10, count: 8), (0...10).map(Double.init), absolute: 1e-12)
        assertClose(niceTicks(lo: 0.13, hi: 0.97, count: 4), [0.2, 0.4, 0.6, 0.8], absolute: 1e-12)
        assertClose(niceTicks(lo: -7, hi: 23, count: 6), [-5, 0, 5, 10, 15, 20], absolute: 1e-12)
        XCTAssertEqual(niceTicks(lo: 2, hi: 2), [2])
        let bounds = niceBounds(lo: 0.13, hi: 0.97, count: 5)
        XCTAssertEqual(bounds.lo, 0, accuracy: 1e-12)
        XCTAssertEqual(bounds.hi, 1, accuracy: 1e-12)
        let log = Scale(lo: 0.5, hi: 200, from: 0, to: 100, logarithmic: true)
        assertClose(log.ticks(), [1, 10, 100], absolute: 1e-9)
        let narrow = Scale(lo: 1.5, hi: 30, from: 0, to: 100, logarithmic: true)
        assertClose(narrow.ticks(), [2, 5, 10, 20], absolute: 1e-9)
        XCTAssertEqual(log.position(10) - log.position(1), log.position(100) - log.position(10), accuracy: 1e-9)
        XCTAssertEqual(tickLabel(0.4, ticks: [0, 0.2, 0.4]), "0.4")
        XCTAssertEqual(tickLabel(15, ticks: [10, 15, 20]), "15")
        // Every tick shows exactly, with as many decimals as the finest one needs.
        let quarters = [0, 0.25, 0.5, 0.75, 1.0]
        XCTAssertEqual(quarters.map { tickLabel($0, ticks: quarters) }, ["0.00", "0.25", "0.50", "0.75", "1.00"])
        XCTAssertEqual([2.5, 5, 7.5].map { tickLabel($0, ticks: [2.5, 5, 7.5]) }, ["2.5", "5.0", "7.5"])
        XCTAssertEqual(tickLabel(1.0 / 3, ticks: [0, 1.0 / 3]), "0.333333", "at most 6 decimals")
        XCTAssertEqual(tickLabel(0.001, ticks: [0.001, 0.01], logarithmic: true), "0.001")
    }

    /// Every frame in exactly one bin; each output row the mean (in Double) of its bin's rows.
    func testAveragingRows() {
        XCTAssertEqual(frameBins(count: 5, maxBins: 2), [0..<2, 2..<5])
        XCTAssertEqual(frameBins(count: 3, maxBins: 10), [0..<1, 1..<2, 2..<3])
        XCTAssertEqual(frameBins(count: 0, maxBins: 4), [])
        for (t, bins) in [(1, 1), (7, 3), (17, 5), (1001, 1000), (3000, 1000)] {
            let ranges = frameBins(count: t, maxBins: bins)
            XCTAssertEqual(ranges.count, min(t, bins))
            XCTAssertEqual(ranges.first?.lowerBound, 0)
            XCTAssertEqual(ranges.last?.upperBound, t)
            XCTAssertTrue(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
        }
        var g = SeededGenerator(seed: 5)
        let m = Matrix(rows: 17, cols: 3, data: (0..<51).map { _ in Float(g.normal()) })
        let small = averagingRows(m, maxRows: 5)
        XCTAssertEqual(small.rows, 5)
        for (j, bin) in frameBins(count: 17, maxBins: 5).enumerated() {
            for d in 0..<3 {
                let mean = bin.map { Double(m[$0, d]) }.reduce(0, +) / Double(bin.count)
                XCTAssertEqual(Double(small[j, d]), mean, accuracy: 1e-6)
            }
        }
        XCTAssertEqual(averagingRows(m, maxRows: 17), m)
    }
}
