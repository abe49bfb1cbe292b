// The BLAS product against the plain-loop oracle on odd shapes, and the seeded generator's reproducibility.
import XCTest
import Tensors
import TestSupport

final class MatrixProductTests: XCTestCase {
    func randomMatrix(_ r: Int, _ c: Int, _ g: inout SeededGenerator) -> Matrix {
        Matrix(rows: r, cols: c, data: (0..<(r * c)).map { _ in Float(g.normal()) })
    }

    func testBLASMatchesNaiveOnOddShapes() {
        var g = SeededGenerator(seed: 7)
        for (m, k, n) in [(1, 1, 1), (3, 17, 5), (17, 3, 1), (1, 33, 17), (31, 64, 9)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = ta ? randomMatrix(k, m, &g) : randomMatrix(m, k, &g)
                let b = tb ? randomMatrix(n, k, &g) : randomMatrix(k, n, &g)
                // Float accumulation over k ≤ 64 terms of unit-variance products: 1e-4 covers rounding.
                assertClose(a.multiplied(by: b, transposeSelf: ta, transposeOther: tb),
                            a.multipliedNaively(by: b, transposeSelf: ta, transposeOther: tb),
                            absolute: 1e-4, "m=\(m) k=\(k) n=\(n) ta=\(ta) tb=\(tb)")
            }
        }
    }

    func testSeededGeneratorIsReproducibleAndRestorable() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let first = (0..<5).map { _ in a.next() }
        XCTAssertEqual(first, (0..<5).map { _ in b.next() })
        var c = SeededGenerator(state: a.state)
        XCTAssertEqual(a.next(), c.next())
        var d = SeededGenerator(seed: 43)
        XCTAssertNotEqual(first[0], d.next())
    }

    func testNormalSamplesHaveUnitMoments() {
        var g = SeededGenerator(seed: 1)
        let xs = (0..<200_000).map { _ in g.normal() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        // Standard error of the mean is 1/sqrt(200000) ≈ 0.0022; 0.01 is over four of them.
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
    }
}
