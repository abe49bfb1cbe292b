// fixedPoint against glibc's printf (through String(format:)) character for character: random
// values at every scale, frame times, exact ties, values a hair either side of a tie, negatives and
// the values it hands to printf itself.
import Foundation
import XCTest
import Tensors
@testable import Decoding

final class FixedPointTests: XCTestCase {
    private func check(_ x: Double, _ places: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(fixedPoint(x, places: places), String(format: "%.\(places)f", x),
                       "\(x.debugDescription) to \(places) places", file: file, line: line)
    }

    func testRandomValuesAtEveryScale() {
        var rng = SeededGenerator(seed: 7)
        for places in 0...9 {
            for exponent in -12...14 {
                for _ in 0..<60 {
                    let x = Double.random(in: 0.5...1, using: &rng) * pow(2, Double(exponent))
                    check(x, places)
                    check(-x, places)
                }
            }
        }
    }

    /// Starts and durations of frames of 10 ms, 12.5 ms and 1/3 s, and confidences as Floats.
    func testFrameTimesAndFloatConfidences() {
        for frame in 0..<20_000 {
            check(Double(frame) * 0.01, 3)
            check(Double(frame) * 0.0125, 3)
            check(Double(frame) / 3, 3)
        }
        var rng = SeededGenerator(seed: 8)
        for _ in 0..<20_000 { check(Double(Float.random(in: 0...1, using: &rng)), 4) }
        for c: Float in [0, 1, 0.5, 0.00005, 0.99995, 0.12345, 0.00004999] { check(Double(c), 4) }
    }

    /// Exact ties (k + 1/2 units of the last place, representable in binary) go to the even digit,
    /// and the doubles next to a tie or next to a decimal one (1.0005, 2.675, 0.125) go as printf
    /// sends them, by their exact binary value.
    func testTiesAndTheirNeighbours() {
        for places in 0...6 {
            let unit = pow(10, -Double(places))
            for k in 0..<300 {
                let tie = (Double(k) + 0.5) * unit
                for x in [tie, tie.nextUp, tie.nextDown, Double(k) * unit, (Double(k) * unit).nextUp, (Double(k) * unit).nextDown] {
                    check(x, places)
                }
            }
        }
        for (x, places) in [(1.0005, 3), (2.675, 2), (0.125, 2), (0.375, 2), (2.5, 0), (3.5, 0), (0.5, 0), (1.5, 0), (1e-300, 3), (5e-324, 9)] {
            check(x, places)
        }
    }

    func testSignsAndValuesPrintfWrites() {
        for x in [0.0, -0.0, -0.0001, -0.0005, -1.25, 4.4e15, 4.6e15, 1e20, -3e18, .infinity, -.infinity, .nan, .greatestFiniteMagnitude] {
            for places in [0, 3, 4, 9] { check(x, places) }
        }
    }

    /// A CTM line as the writers give it (the Float nearest 0.98765 is 0.987649977…, so 0.9876).
    func testCTMLine() {
        XCTAssertEqual(Hypothesis.ctmLine(utterance: "utt1", start: 0.37, duration: 0.05, token: "seven", confidence: 0.98765),
                       "utt1 1 0.370 0.050 seven 0.9876\n")
        XCTAssertEqual(Hypothesis.ctmLine(utterance: "u", channel: "A", start: 12, duration: 0.0005, token: "x", confidence: 1),
                       "u A 12.000 0.001 x 1.0000\n")
    }
}
