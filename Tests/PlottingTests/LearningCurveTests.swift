// Tests of grid-world learning curves: reading TSV and JSON lines, the moving average, fixed y ranges.
import Foundation
import Plotting
import TestSupport
import XCTest

final class LearningCurveTests: XCTestCase {
    func testReadsTSVAndJSONLines() throws {
        let tsv = try LearningCurveData.read(Data("episode\tmean_return\tmean_steps\n1\t-100\t12\n2\t-13.5\t13\n\n".utf8), file: "q.tsv")
        XCTAssertEqual(tsv, LearningCurveData(episodes: [1, 2], returns: [-100, -13.5], steps: [12, 13]))
        let jsonl = try LearningCurveData.read(Data("{\"episode\":1,\"return\":-100,\"steps\":12}\n{\"episode\":2,\"return\":-13.5,\"steps\":13}\n".utf8),
                                               file: "q.jsonl")
        XCTAssertEqual(jsonl, tsv)
        XCTAssertThrowsError(try LearningCurveData.read(Data("episode\tmean_return\tmean_steps\n1\t-100\n".utf8), file: "q.tsv")) {
            XCTAssertEqual("\($0)", "q.tsv: line 2: expected three tab-separated numbers: episode, mean return, mean steps")
        }
        XCTAssertThrowsError(try LearningCurveData.read(Data("{\"episode\":1,\"return\":-1,\"steps\":2}\n{\"episode\":2}\n".utf8), file: "q.jsonl")) {
            XCTAssertTrue("\($0)".hasPrefix("q.jsonl: line 2: expected a JSON object"), "\($0)")
        }
        XCTAssertThrowsError(try LearningCurveData.read(Data("episode\tmean_return\tmean_steps\n".utf8), file: "e.tsv")) {
            XCTAssertEqual("\($0)", "e.tsv: no episodes: the curve is empty")
        }
    }

    /// A return or step count that is not finite cannot be drawn: one error naming the file and line
    /// (a NaN point was dropped from the drawing without a word).
    func testNonFiniteValuesAreRefused() throws {
        let cases: [(text: String, file: String, error: String)] = [
            ("episode\treturn\tsteps\n1\t-3\t4\n2\tnan\t5\n3\t-1\t2\n", "c.tsv", "c.tsv: line 3: expected a finite mean return, found nan"),
            ("episode\treturn\tsteps\n1\t-3\t4\n2\t-1\tinf\n", "c.tsv", "c.tsv: line 3: expected a finite mean steps, found inf"),
            ("1\t-1e400\t4\n", "c.tsv", "c.tsv: line 1: expected a finite mean return, found -inf"),
            ("{\"episode\":1,\"return\":-3,\"steps\":4}\n\n{\"episode\":2,\"return\":1e400,\"steps\":4}\n", "c.jsonl",
             "c.jsonl: line 3: expected a JSON object with numbers \"episode\", \"return\" and \"steps\""),
        ]
        for c in cases {
            XCTAssertThrowsError(try LearningCurveData.read(Data(c.text.utf8), file: c.file), c.text) { XCTAssertEqual("\($0)", c.error) }
        }
    }

    /// Trailing means worked by hand: window 3 over 1, 2, 3, 4, 5, 6.
    func testMovingAverage() {
        assertClose(movingAverage([1, 2, 3, 4, 5, 6], window: 3), [1, 1.5, 2, 3, 4, 5], absolute: 1e-12)
        XCTAssertEqual(movingAverage([4, 5], window: 1), [4, 5])
        XCTAssertEqual(movingAverage([], window: 5), [])
    }

    func testLearningCurvesWithAFixedReturnRange() throws {
        let q = LearningCurveData(episodes: [1, 2, 3, 4], returns: [-900, -60, -50, -40], steps: [300, 40, 30, 20])
        let s = LearningCurveData(episodes: [1, 2, 3, 4], returns: [-800, -30, -25, -20], steps: [250, 30, 25, 22])
        let svg = try parseSVG(try learningCurvesSVG([("q", q), ("s", s)], smoothing: 2, returnRange: -100...0, title: "cliff"))
        XCTAssertEqual(svg.groups("x-axis").count, 2)
        // The return axis is −100…0 and its lines are clipped to the plot area.
        XCTAssertEqual(svg.groups("y-axis")[0].elements("text").map(\.text), ["-100", "-80", "-60", "-40", "-20", "0", "return (mean of the last 2 episodes)"])
        // The steps are smoothed as the returns are, and their axis says so.
        XCTAssertEqual(svg.groups("y-axis")[1].elements("text").last?.text, "steps per episode (mean of the last 2 episodes)")
        // Episode 2 of q: (300 + 40) / 2 = 170 steps on the lower panel (y 374…634), whose axis is
        // 0…300 by steps of 50 with 4 % of 300 above the 300 of episode 1: 0…312.
        XCTAssertEqual(polylinePoints(svg.groups("series")[2].elements("polyline")[0])[1].y, 634 - 260 * 170 / 312, accuracy: 0.01)
        let series = svg.groups("series")
        XCTAssertEqual(series.count, 4)
        XCTAssertTrue(series.allSatisfy { ($0.attributes["clip-path"] ?? "").hasPrefix("url(#clip") })
        XCTAssertEqual(svg.elements("clipPath").count, 4)
        XCTAssertEqual(Set(svg.elements("clipPath").compactMap { $0.attributes["id"] }).count, 4)
        // Smoothed: episode 2 of q is (−900 − 60) / 2 = −480, below the range; episode 4 is −45.
        let qLine = polylinePoints(series[0].elements("polyline")[0])
        XCTAssertGreaterThan(qLine[1].y, 304)                        // below the area's bottom (clipped)
        XCTAssertEqual(qLine[3].y, 304 - 260 * 55 / 100, accuracy: 0.01)
        // A series keeps its colour in both panels.
        let colours = series.map { $0.elements("polyline")[0].attributes["stroke"] }
        XCTAssertEqual(colours[0], colours[2])
        XCTAssertEqual(colours[1], colours[3])
        XCTAssertNotEqual(colours[0], colours[1])
        XCTAssertThrowsError(try learningCurvesSVG([("q", q)], smoothing: 1, returnRange: 0...0, title: ""))
    }
}
