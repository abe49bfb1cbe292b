// The vectorised floored log against Foundation's log: a sweep over every exponent, and the edge cases.
import Foundation
import XCTest
@testable import Features

final class FastLogTests: XCTestCase {
    func testCephesLogIsWithinTwoUlpsOfFoundationLog() {
        // 64 mantissas for every exponent from ε (2⁻²³) to the largest finite float, plus
        // neighbours of 1 where ln x is smallest and the relative error largest.
        var inputs: [Float] = []
        for e in -23...127 {
            for k in 0..<64 { inputs.append(Float(sign: .plus, exponent: e, significand: 1 + Float(k) / 64 + 0x1p-20)) }
        }
        for k in 1...50 { inputs.append(1 + Float(k) * .ulpOfOne); inputs.append(1 - Float(k) * .ulpOfOne / 2) }
        inputs += [1, 2, 0.5, .greatestFiniteMagnitude, featureEpsilon]
        var worst: Float = 0
        for x in inputs {
            let expected = Float(Foundation.log(Double(x)))
            let error = abs(cephesLog(x) - expected)
            let ulps = error / max(expected.ulp, Float.leastNormalMagnitude)
            worst = max(worst, ulps)
            XCTAssertLessThanOrEqual(ulps, 2, "ln \(x): \(cephesLog(x)), expected \(expected)")
        }
        XCTAssertGreaterThan(inputs.count, 9000)
    }

    func testFlooredLogFloorsAtEpsilonAndPassesInfinityAndNaN() {
        var x: [Float] = [0, -3, 1e-30, featureEpsilon, 1, 1e20, 7, 0.25, 3]
        let expected = x.map { Foundation.log(max($0, featureEpsilon)) }
        x.withUnsafeMutableBufferPointer { flooredLog($0.baseAddress!, $0.count) }
        for (a, b) in zip(x, expected) { XCTAssertEqual(a, b, accuracy: 2 * b.ulp) }
        var special: [Float] = [2, .infinity, .nan, 0]
        special.withUnsafeMutableBufferPointer { flooredLog($0.baseAddress!, $0.count) }
        XCTAssertEqual(special[0], Foundation.log(2))
        XCTAssertEqual(special[1], .infinity)
        XCTAssertTrue(special[2].isNaN)
        XCTAssertEqual(special[3], Foundation.log(featureEpsilon))
    }
}
