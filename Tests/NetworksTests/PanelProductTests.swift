// The panel product (CKernels' seqlab_panels_*, `PanelMatrix`) against a Double loop, every kernel
// family this CPU has against portable C bit for bit, and packing from a transposed view.
import CKernels
import XCTest
@testable import Networks
import Tensors
import TestSupport

final class PanelProductTests: XCTestCase {
    /// c = x·Wᵀ (+ c) on shapes with partial 16-output panels, whole panels in threes and left
    /// over (AVX-512), every row count the kernels block (AVX2: 6 at a time, then 1–5, and a single
    /// row four whole panels at a time; AVX-512: 8, then 4, 2, 1), strides wider than the rows, and W
    /// given row-major or as the transpose of a k × n matrix; the panels read first to last or last
    /// to first (`descending`, the same bits).
    func testMatchesADoubleLoopAndEveryFamilyGivesTheSameBits() {
        var rng = SeededGenerator(seed: 31)
        let families = (Int32(0)...seqlab_panels_family_id()).map { $0 }
        for (m, n, k) in [(16, 256, 300), (1, 1, 1), (2, 17, 3), (3, 40, 65), (5, 16, 2), (7, 33, 9), (11, 30, 512),
                          (13, 129, 31), (1, 100, 37), (1, 128, 20), (2, 1_043, 5), (1, 1_043, 4)] {
            for accumulate in [false, true] {
                for transposedView in [false, true] {
                    let ldx = k + 3, ldc = n + 2, ld = transposedView ? n + 5 : k + 1
                    // W (n × k) stored row-major with row stride ld, or as Wᵀ (k × n) with row stride ld.
                    let stored = (0..<((transposedView ? k : n) * ld)).map { _ in Float.random(in: -1...1, using: &rng) }
                    func w(_ j: Int, _ q: Int) -> Float { transposedView ? stored[q * ld + j] : stored[j * ld + q] }
                    let x = (0..<(m * ldx)).map { _ in Float.random(in: -1...1, using: &rng) }
                    // Without accumulating, the old c must not matter (NaN included); beyond n it stays.
                    let c0 = (0..<(m * ldc)).map { i in !accumulate && i % ldc < n ? Float.nan : Float.random(in: -1...1, using: &rng) }
                    let matrix = stored.withUnsafeBufferPointer {
                        PanelMatrix(n: n, k: k, weights: $0.baseAddress!, rowStride: transposedView ? 1 : ld, colStride: transposedView ? ld : 1)
                    }
                    let label = "\(m)×\(k) · \(k)×\(n), accumulate \(accumulate), transposed view \(transposedView)"
                    var portable: [Float] = []
                    for family in families {
                        var packed = [Float](repeating: .nan, count: seqlab_panels_count(Int32(n), Int32(k)))
                        stored.withUnsafeBufferPointer {
                            seqlab_panels_pack(Int32(n), Int32(k), $0.baseAddress!, transposedView ? 1 : ld, transposedView ? ld : 1, &packed)
                        }
                        for descending in [Int32(0), 1] {
                            var c = c0
                            seqlab_panels_gemm_with(family, Int32(m), Int32(n), Int32(k), x, Int32(ldx), packed, &c, Int32(ldc),
                                                    accumulate ? 1 : 0, descending)
                            if family == 0 && descending == 0 {
                                portable = c
                            } else {
                                XCTAssertEqual(c.map(\.bitPattern), portable.map(\.bitPattern), "\(label): family \(family), descending \(descending)")
                            }
                        }
                    }
                    for descending in [false, true] {
                        var viaClass = c0
                        x.withUnsafeBufferPointer {
                            matrix.multiply(m: m, x: $0.baseAddress!, ldx: ldx, into: &viaClass, ldc: ldc, accumulate: accumulate, descending: descending)
                        }
                        XCTAssertEqual(viaClass.map(\.bitPattern), portable.map(\.bitPattern), "\(label): the class runs the same product")
                    }
                    for r in 0..<m {
                        for j in 0..<ldc {
                            let got = portable[r * ldc + j]
                            guard j < n else { XCTAssertEqual(got.bitPattern, c0[r * ldc + j].bitPattern, "\(label): column \(j) beyond n"); continue }
                            var sum = accumulate ? Double(c0[r * ldc + j]) : 0, magnitude = abs(sum)
                            for q in 0..<k {
                                let term = Double(x[r * ldx + q]) * Double(w(j, q))
                                sum += term
                                magnitude += abs(term)
                            }
                            // One float rounding per FMA: k + 1 roundings of at most 2⁻²⁴ of the running magnitude.
                            XCTAssertEqual(Double(got), sum, accuracy: magnitude * Double(k + 1) * 0x1p-24 + 1e-30, "\(label) (\(r), \(j))")
                        }
                    }
                }
            }
        }
    }
}

/// An LSTM layer's input gradient dX (+)= dA·W_ih by the panel product in blocks of 128 rows
/// (`InputGradientProduct`, AVX-512 only) against a Double loop: 300 rows (two whole blocks and a
/// partial one), dX wider than the inputs, dA's rows padded with NaN that must not be read, with and
/// without accumulating.
final class InputGradientProductTests: XCTestCase {
    func testMatchesADoubleLoopOverBlocksOfRows() throws {
        var rng = SeededGenerator(seed: 32)
        let rows = 300, outputs = 64, inputs = 37, lddx = 41, ldA = LSTMLayer<Float>.gradientRowStride(outputs)
        XCTAssertGreaterThan(ldA, outputs)
        let w = (0..<(outputs * inputs)).map { _ in Float.random(in: -1...1, using: &rng) }
        let dA = (0..<(rows * ldA)).map { i in i % ldA < outputs ? Float.random(in: -1...1, using: &rng) : .nan }
        guard let product = w.withUnsafeBufferPointer({ InputGradientProduct(weights: $0.baseAddress!, outputs: outputs, inputs: inputs) }) else {
            XCTAssertLessThan(seqlab_panels_family_id(), 2, "nil only without AVX-512")
            throw XCTSkip("the input-gradient panel product runs with AVX-512 only")
        }
        for accumulate in [false, true] {
            let dx0 = (0..<(rows * lddx)).map { i in !accumulate && i % lddx < inputs ? Float.nan : Float.random(in: -1...1, using: &rng) }
            var dx = dx0
            dA.withUnsafeBufferPointer { product.run(dA: $0.baseAddress!, ldA: ldA, rows: rows, into: &dx, lddx: lddx, accumulate: accumulate) }
            for r in 0..<rows {
                for i in 0..<lddx {
                    guard i < inputs else { XCTAssertEqual(dx[r * lddx + i].bitPattern, dx0[r * lddx + i].bitPattern); continue }
                    var sum = accumulate ? Double(dx0[r * lddx + i]) : 0, magnitude = abs(sum)
                    for j in 0..<outputs {
                        let term = Double(dA[r * ldA + j]) * Double(w[j * inputs + i])
                        sum += term
                        magnitude += abs(term)
                    }
                    XCTAssertEqual(Double(dx[r * lddx + i]), sum, accuracy: magnitude * Double(outputs + 1) * 0x1p-24 + 1e-30,
                                   "accumulate \(accumulate), row \(r), input \(i)")
                }
            }
        }
    }
}

/// The FMA-rate probe bench-networks divides by (CKernels' seqlab_fma_chains): its chains compute
/// what they claim, so the rate counts real multiply-adds.
final class FMARateProbeTests: XCTestCase {
    /// Chain i starts at a₀ = 0.01·i and runs a ← 0.999·a + 0.001 n times, so a_n = 1 + 0.999ⁿ(a₀ − 1);
    /// `seqlab_fma_lanes` lanes a chain (16 with AVX-512, else 8), ten chains.
    func testChainsSumToTheClosedForm() {
        XCTAssertEqual(seqlab_fma_lanes(), seqlab_panels_family_id() == 2 ? 16 : 8)
        for n in [0, 1, 10, 1_000] {
            var expected = 0.0
            for i in 0..<10 { expected += Double(seqlab_fma_lanes()) * (1 + pow(0.999, Double(n)) * (0.01 * Double(i) - 1)) }
            XCTAssertEqual(Double(seqlab_fma_chains(n)), expected, accuracy: 1e-3 * max(1, expected), "n = \(n)")
        }
    }
}

/// One part of an LSTM direction's weight gradient, dW (+)= dAᵀ·X by libxsmm reading dA transposed
/// (`WeightGradientProduct`, where libxsmm runs), against a Double loop: more rows than a block
/// and a partial last block, columns in a block of 128 and a remainder, X's and dA's rows padded with
/// NaN that must not be read, added to the gradient already there.
final class WeightGradientProductTests: XCTestCase {
    func testAddsDATransposedTimesXOverBlocksOfRows() throws {
        var rng = SeededGenerator(seed: 33)
        let outputs = 48, ldA = LSTMLayer<Float>.gradientRowStride(outputs)
        let rows = 2 * WeightGradientProduct.frameBlock + 37
        for columns in [5, 150] {
            let ldx = columns + 3
            let x = (0..<(rows * ldx)).map { i in i % ldx < columns ? Float.random(in: -1...1, using: &rng) : .nan }
            let dA = (0..<(rows * ldA)).map { i in i % ldA < outputs ? Float.random(in: -1...1, using: &rng) : .nan }
            let dW0 = (0..<(outputs * columns)).map { _ in Float.random(in: -1...1, using: &rng) }
            guard let product = WeightGradientProduct(columns: columns, outputs: outputs, ldx: ldx, ldA: ldA, rows: rows) else {
                XCTAssertFalse(SmallGemm.isUsed, "nil only where libxsmm is not used")
                throw XCTSkip("the weight-gradient product runs on libxsmm, used with AVX-512 only")
            }
            var dW = dW0
            x.withUnsafeBufferPointer { xp in
                dA.withUnsafeBufferPointer { ap in product.run(x: xp.baseAddress!, dA: ap.baseAddress!, into: &dW) }
            }
            for g in 0..<outputs {
                for i in 0..<columns {
                    var sum = Double(dW0[g * columns + i]), magnitude = abs(sum)
                    for r in 0..<rows {
                        let term = Double(dA[r * ldA + g]) * Double(x[r * ldx + i])
                        sum += term
                        magnitude += abs(term)
                    }
                    XCTAssertEqual(Double(dW[g * columns + i]), sum, accuracy: magnitude * Double(rows + 1) * 0x1p-24,
                                   "columns \(columns), output \(g), column \(i)")
                }
            }
        }
    }
}
