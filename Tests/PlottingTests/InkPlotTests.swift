// Tests of the ink drawing: one scale for both axes, centring, y flipped for tablets, errors.
import Foundation
import Plotting
import XCTest

final class InkPlotTests: XCTestCase {
    /// A 10 × 20 stroke in a 220-pixel panel at (16, 44) with 14-pixel margins: scale 192 / 20 = 9.6,
    /// the ink 96 wide, centred at x = 16 + (220 − 96) / 2 = 78, y from 44 + 14 = 58 to 250.
    func testStrokesAreScaledCentredAndUpright() throws {
        let strokes: [[(x: Double, y: Double)]] = [[(0, 0), (10, 0), (10, 20)], [(2, 10), (8, 10)]]
        let up = try parseSVG(try inkSVG([InkDrawing(id: "s", label: "7", strokes: strokes, yPointsUp: true)], title: "ink"))
        let lines = up.elements("polyline").map(polylinePoints)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0].map(\.x), [78, 174, 174])
        XCTAssertEqual(lines[0].map(\.y), [250, 250, 58])     // y up: y = 0 at the bottom
        XCTAssertEqual(lines[1].map(\.y), [154, 154])
        XCTAssertEqual(up.elements("circle").map { $0.number("cx")! }, [78, 97.2])   // stroke starts
        XCTAssertEqual(up.elements("text").map(\.text), ["ink", "7", "s, 2 strokes, 5 points"])
        XCTAssertNotEqual(up.elements("polyline")[0].attributes["stroke"], up.elements("polyline")[1].attributes["stroke"])

        let down = try parseSVG(try inkSVG([InkDrawing(id: "s", label: "7", strokes: strokes, yPointsUp: false)], title: ""))
        XCTAssertEqual(polylinePoints(down.elements("polyline")[0]).map(\.y), [58, 58, 250])   // screen y: 0 at the top
    }

    func testPanelsFillRowsOfColumns() throws {
        let one: [[(x: Double, y: Double)]] = [[(0, 0), (1, 1)]]
        let samples = (0..<5).map { InkDrawing(id: "s\($0)", label: "\($0)", strokes: one, yPointsUp: true) }
        let svg = try parseSVG(try inkSVG(samples, columns: 2, title: ""))
        let panels = svg.groups("ink").map { $0.elements("rect")[0] }
        XCTAssertEqual(panels.map { $0.number("x")! }, [16, 252, 16, 252, 16])
        XCTAssertEqual(panels.map { $0.number("y")! }, [44, 44, 314, 314, 584])
    }

    func testNoInkIsAnError() {
        XCTAssertThrowsError(try inkSVG([], title: "")) { XCTAssertEqual("\($0)", "no ink samples to draw") }
        XCTAssertThrowsError(try inkSVG([InkDrawing(id: "e", label: "x", strokes: [[]], yPointsUp: true)], title: "")) {
            XCTAssertEqual("\($0)", "ink sample e has no points")
        }
    }
}
