// Mixed-precision training: the packings the backward pass needs against the documented layout
// built here, the long-k product against a Double loop over the rounded operands, and the
// gradients of LSTM networks trained in bfloat16 against the same networks in float.
import CKernels
import XCTest
@testable import Networks
import Tensors
import TestSupport

final class BFloat16TrainingTests: XCTestCase {
    func bits(_ x: Float) -> UInt16 { seqlab_bf16_from_float(x) }
    func rounded(_ x: Float) -> Double { Double(seqlab_bf16_to_float(bits(x))) }

    /// CKernels.h's layout, written out: panel p, pair q, row i of the panel, element e of the pair
    /// at ((p·pairs + q)·16 + i)·2 + e, zero beyond the matrix.
    func layout(rows: Int, cols: Int, _ w: (Int, Int) -> Float) -> [UInt16] {
        let pairs = (cols + 1) / 2, panels = (rows + 15) / 16
        var out = [UInt16](repeating: 0, count: panels * pairs * 32)
        for p in 0..<panels {
            for q in 0..<pairs {
                for i in 0..<16 {
                    for e in 0..<2 {
                        let r = 16 * p + i, c = 2 * q + e
                        out[((p * pairs + q) * 16 + i) * 2 + e] = r < rows && c < cols ? bits(w(r, c)) : 0
                    }
                }
            }
        }
        return out
    }

    /// seqlab_bf16_pack (each row rounded, then spread over its panel) and the transposed packing
    /// (AVX-512 and portable C) both give the layout, on partial panels, odd column counts,
    /// strides and a NaN; the padding of a reused buffer is overwritten with zeros.
    func testPackingsGiveTheDocumentedLayout() {
        var rng = SeededGenerator(seed: 21)
        let families = [Int32(0), 2].filter { seqlab_bf16_available($0) != 0 }
        for (rows, cols) in [(1, 1), (16, 2), (17, 3), (40, 65), (130, 64), (5, 257), (1024, 31)] {
            let ldw = cols + 2, ldt = rows + 5
            var w = (0..<(rows * ldw)).map { _ in Float.random(in: -3...3, using: &rng) }
            if rows * cols > 7 { w[ldw + min(2, cols - 1)] = .nan }
            let expected = layout(rows: rows, cols: cols) { w[$0 * ldw + $1] }
            let count = seqlab_bf16_packed_count(Int32(rows), Int32(cols))
            XCTAssertEqual(count, expected.count)
            var packed = [UInt16](repeating: 0xFFFF, count: count)
            seqlab_bf16_pack(Int32(rows), Int32(cols), w, Int32(ldw), &packed)
            XCTAssertEqual(packed, expected, "pack, \(rows) × \(cols)")
            // The same matrix stored transposed (cols × rows, row stride ldt).
            var wt = [Float](repeating: 7, count: cols * ldt)
            for r in 0..<rows { for c in 0..<cols { wt[c * ldt + r] = w[r * ldw + c] } }
            for family in families {
                var fromTranspose = [UInt16](repeating: 0xFFFF, count: count)
                seqlab_bf16_pack_transposed_with(family, Int32(rows), Int32(cols), wt, Int32(ldt), &fromTranspose)
                XCTAssertEqual(fromTranspose, expected, "pack_transposed, family \(family), \(rows) × \(cols)")
            }
        }
    }

    /// c (+)= x·y with x rounded into pairs and y packed `kc` rows at a time, against Double sums of
    /// the rounded values: k a multiple of kc, not one, odd, smaller than kc; strides on every operand;
    /// added to c, or written over it (c then holding NaN that must not be read).
    func testUnpackedProductMatchesADoubleLoopOverTheRoundedOperands() {
        var rng = SeededGenerator(seed: 22)
        for (m, n, k, kc) in [(3, 40, 7, 2), (5, 17, 100, 16), (1, 1024, 33, 8), (9, 20, 1, 4), (4, 64, 256, 256), (6, 33, 300, 64)] {
        for accumulate in [true, false] {
            let ldy = n + 3, ldc = n + 1, pairs = (k + 1) / 2, ldx = pairs + 2
            let x = (0..<(m * k)).map { _ in Float.random(in: -2...2, using: &rng) }
            let y = (0..<(k * ldy)).map { _ in Float.random(in: -1...1, using: &rng) }
            let c0 = (0..<(m * ldc)).map { i in !accumulate && i % ldc < n ? Float.nan : Float.random(in: -1...1, using: &rng) }
            var xPairs = [UInt32](repeating: 0xDEAD_BEEF, count: m * ldx)
            for r in 0..<m { x.withUnsafeBufferPointer { seqlab_bf16_round(Int32(k), $0.baseAddress! + r * k, &xPairs[r * ldx]) } }
            var scratch = [UInt16](repeating: 0, count: seqlab_bf16_packed_count(Int32(n), Int32(kc)))
            var c = c0
            seqlab_bf16_gemm_unpacked(Int32(m), Int32(n), Int32(k), xPairs, Int32(ldx), y, Int32(ldy), Int32(kc), &scratch, &c, Int32(ldc),
                                      accumulate ? 1 : 0)
            for r in 0..<m {
                for j in 0..<ldc {
                    let i = r * ldc + j
                    guard j < n else { XCTAssertEqual(c[i], c0[i], "column \(j) beyond n is left alone"); continue }
                    var sum = accumulate ? Double(c0[i]) : 0, magnitude = abs(sum)
                    for t in 0..<k {
                        let term = rounded(x[r * k + t]) * rounded(y[t * ldy + j])
                        sum += term
                        magnitude += abs(term)
                    }
                    XCTAssertEqual(Double(c[i]), sum, accuracy: magnitude * Double(k + 1) * 0x1p-24 + 1e-30,
                                   "\(m) × \(k) · \(k) × \(n) in blocks of \(kc), accumulate \(accumulate), row \(r), output \(j)")
                }
            }
        }
        }
    }

    /// Random features of variable lengths (padded), time-major.
    func batch(dimension: Int, lengths: [Int], rng: inout SeededGenerator) -> SequenceBatch<Float> {
        SequenceBatch(matrices: lengths.map { t in
            Matrix(rows: t, cols: dimension, data: (0..<(t * dimension)).map { _ in Float.random(in: -2...2, using: &rng) })
        })
    }

    /// ‖a − b‖ / ‖b‖.
    func relativeDifference(_ a: [Float], _ b: [Float]) -> Double {
        var difference = 0.0, norm = 0.0
        for (u, v) in zip(a, b) { difference += Double(u - v) * Double(u - v); norm += Double(v) * Double(v) }
        return (difference / max(norm, 1e-300)).squareRoot()
    }

    /// A 2-layer BLSTM with peepholes (variable lengths, one sequence of a single frame) and a
    /// 3-layer unidirectional LSTM without: with `trainsInBFloat16` every parameter gradient and the
    /// input gradient lie within 2% of float's (relative norm; here 0.004–0.7%), none equal to it (the
    /// products do round), padded frames' input gradient still zero, and float again, bit for bit,
    /// once the flag is off. The gradients are of Σ u·log y for fixed random u.
    func testMixedPrecisionGradientsStayCloseToFloat() {
        var rng = SeededGenerator(seed: 23)
        for (config, lengths) in [
            (LSTMNetworkConfiguration(inputSize: 13, hiddenSizes: [24, 20], bidirectional: true, peepholes: true, classes: 7), [30, 17, 1, 25]),
            (LSTMNetworkConfiguration(inputSize: 6, hiddenSizes: [40, 33, 17], bidirectional: false, peepholes: false, classes: 5), [50, 44]),
        ] {
            var network = LSTMNetwork<Float>(config, rng: &rng)
            let input = batch(dimension: config.inputSize, lengths: lengths, rng: &rng)
            let rows = input.maxLength * lengths.count
            let u = Array2D<Float>(rows: rows, cols: config.classes,
                                   data: (0..<(rows * config.classes)).map { _ in Float.random(in: -1...1, using: &rng) })
            func gradients() -> (parameters: [[Float]], input: [Float]) {
                network.parameters.zeroGradients()
                let pass = network.forward(input)
                let dx = network.backward(pass, dLogProbabilities: u)
                return (network.parameters.map(\.gradient.data), dx.data)
            }
            let exact = gradients()
            network.trainsInBFloat16 = true
            XCTAssertTrue(network.copy().trainsInBFloat16)
            let mixed = gradients()
            for (p, (a, b)) in zip(network.parameters, zip(mixed.parameters, exact.parameters)) {
                XCTAssertTrue(a.allSatisfy(\.isFinite), p.name)
                let difference = relativeDifference(a, b)
                XCTAssertLessThan(difference, 0.02, "\(p.name), \(config)")
                XCTAssertGreaterThan(difference, 0, "\(p.name): bfloat16 must round something")
            }
            XCTAssertLessThan(relativeDifference(mixed.input, exact.input), 0.02, "input gradient, \(config)")
            for b in 0..<lengths.count {
                for t in lengths[b]..<input.maxLength {
                    for j in 0..<config.inputSize { XCTAssertEqual(mixed.input[(t * lengths.count + b) * config.inputSize + j], 0) }
                }
            }
            network.trainsInBFloat16 = false
            let again = gradients()
            XCTAssertEqual(again.parameters, exact.parameters)
            XCTAssertEqual(again.input, exact.input)
        }
    }
}
