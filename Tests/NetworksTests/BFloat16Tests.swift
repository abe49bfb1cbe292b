// bfloat16 inference: the rounding on values worked out by hand, the packed products against a
// Double loop over the rounded operands (every kernel family this CPU has), and LSTM networks at
// bfloat16 against the same networks in float.
import CKernels
import XCTest
@testable import Networks
import Tensors
import TestSupport

final class BFloat16Tests: XCTestCase {
    /// The bfloat16 bits of x: the top half of the float's after rounding to nearest even.
    func bits(_ x: Float) -> UInt16 { seqlab_bf16_from_float(x) }

    func testRoundingToNearestEvenOnValuesWorkedOutByHand() {
        XCTAssertEqual(bits(1), 0x3F80)
        XCTAssertEqual(bits(-2.5), 0xC020)
        XCTAssertEqual(bits(0), 0x0000)
        XCTAssertEqual(bits(-0.0), 0x8000)
        // bfloat16 keeps 7 fraction bits: 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷ and goes to the
        // even one (1); 1 + 3·2⁻⁸ is halfway between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶, and goes up.
        XCTAssertEqual(bits(1 + 0x1p-8), 0x3F80)
        XCTAssertEqual(bits(1 + 3 * 0x1p-8), 0x3F82)
        XCTAssertEqual(bits(1 + 0x1p-8 + 0x1p-20), 0x3F81)      // above halfway: up
        XCTAssertEqual(bits(1 + 0x1p-8 - 0x1p-20), 0x3F80)      // below: down
        XCTAssertEqual(bits(.infinity), 0x7F80)
        XCTAssertEqual(bits(.greatestFiniteMagnitude), 0x7F80)  // rounds past the largest bfloat16
        XCTAssertEqual(bits(Float(bitPattern: 0x7F80_0001)) & 0x7FC0, 0x7FC0)   // a signalling NaN comes out quiet
        XCTAssertTrue(seqlab_bf16_to_float(bits(.nan)).isNaN)
        XCTAssertEqual(seqlab_bf16_to_float(0x3F82), 1.015625)
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<1000 {
            let x = Float.random(in: -100...100, using: &rng)
            let rounded = seqlab_bf16_to_float(bits(x))
            XCTAssertLessThanOrEqual(abs(rounded - x), abs(x) * 0x1p-8, "\(x)")      // half a unit in the 8th bit
            XCTAssertEqual(bits(rounded), bits(x), "rounding is idempotent")
        }
    }

    /// The AVX-512 rounding of a row into pairs equals the portable one, odd lengths (a zero high half) included.
    func testRowRoundingIntoPairsIsTheSameVectorisedAndPortable() {
        var rng = SeededGenerator(seed: 4)
        for n in [1, 2, 15, 16, 17, 33, 256, 257] {
            var x = (0..<n).map { _ in Float.random(in: -4...4, using: &rng) }
            if n > 5 { x[5] = .nan; x[3] = 1 + 0x1p-8 }
            var portable = [UInt32](repeating: 0xDEAD_BEEF, count: (n + 1) / 2)
            var native = portable
            seqlab_bf16_round_with(0, Int32(n), x, &portable)
            seqlab_bf16_round_with(2, Int32(n), x, &native)   // the best this CPU has when it lacks AVX-512
            XCTAssertEqual(native, portable, "n = \(n)")
            for i in 0..<n {
                let half = UInt16(truncatingIfNeeded: portable[i / 2] >> (i % 2 == 0 ? 0 : 16))
                XCTAssertEqual(half, bits(x[i]), "n = \(n), element \(i)")
            }
            if n % 2 == 1 { XCTAssertEqual(portable[n / 2] >> 16, 0, "the padding half of an odd row") }
        }
    }

    /// c (+)= x·Wᵀ with both operands rounded to bfloat16, against Double sums of the rounded values,
    /// on shapes with partial 16-row panels, odd column counts, 1–9 and 150 rows of x (rounded in
    /// chunks of 64 by the class), and strides; added to c, or written over it (c then holding NaN
    /// that must not be read).
    func testPackedProductMatchesADoubleLoopOverTheRoundedOperands() {
        var rng = SeededGenerator(seed: 5)
        let families = (0...3).map(Int32.init).filter { seqlab_bf16_available($0) != 0 }
        for (m, rows, cols) in [(1, 1024, 256), (1, 1, 1), (2, 17, 3), (3, 40, 65), (4, 130, 64), (5, 16, 2), (9, 200, 7), (1, 129, 33), (150, 20, 5)] {
        for accumulate in [true, false] {
            let ldw = cols + 3, ldx = cols + 1, ldc = rows + 2
            let label = "\(m)×\(cols) · \(cols)×\(rows), accumulate \(accumulate)"
            let w = (0..<(rows * ldw)).map { _ in Float.random(in: -1...1, using: &rng) }
            let x = (0..<(m * ldx)).map { _ in Float.random(in: -2...2, using: &rng) }
            let c0 = (0..<(m * ldc)).map { i in !accumulate && i % ldc < rows ? Float.nan : Float.random(in: -1...1, using: &rng) }
            var expected = [Double](repeating: 0, count: m * ldc), bound = [Double](repeating: 0, count: m * ldc)
            for r in 0..<m {
                for j in 0..<ldc {
                    guard j < rows else { expected[r * ldc + j] = Double(c0[r * ldc + j]); continue }
                    var sum = accumulate ? Double(c0[r * ldc + j]) : 0, magnitude = abs(sum)
                    for k in 0..<cols {
                        let term = Double(seqlab_bf16_to_float(bits(w[j * ldw + k]))) * Double(seqlab_bf16_to_float(bits(x[r * ldx + k])))
                        sum += term
                        magnitude += abs(term)
                    }
                    expected[r * ldc + j] = sum
                    bound[r * ldc + j] = magnitude * Double(cols + 1) * 0x1p-24   // one float rounding per addition
                }
            }
            let packed = w.withUnsafeBufferPointer { BFloat16Matrix(rows: rows, cols: cols, weights: $0.baseAddress!, ld: ldw) }
            var portable: [Float] = []
            for family in families {
                let pairs = packed.pairsPerRow
                var xPairs = [UInt32](repeating: 0, count: m * pairs)
                for r in 0..<m { x.withUnsafeBufferPointer { seqlab_bf16_round_with(family, Int32(cols), $0.baseAddress! + r * ldx, &xPairs[r * pairs]) } }
                var c = c0
                let count = seqlab_bf16_packed_count(Int32(rows), Int32(cols))
                var panel = [UInt16](repeating: 0, count: count)
                w.withUnsafeBufferPointer { seqlab_bf16_pack(Int32(rows), Int32(cols), $0.baseAddress!, Int32(ldw), &panel) }
                seqlab_bf16_gemm_with(family, Int32(m), Int32(rows), Int32(cols), xPairs, Int32(pairs), panel, &c, Int32(ldc),
                                      accumulate ? 1 : 0)
                // AVX2 and AVX-512F do the portable code's FMAs in its order: the same bits.
                if family == 0 { portable = c } else if family < 3 {
                    XCTAssertEqual(c.map(\.bitPattern), portable.map(\.bitPattern), "\(label), family \(family) against portable C")
                }
                for i in 0..<(m * ldc) {
                    if i % ldc >= rows {
                        XCTAssertEqual(c[i], c0[i], "\(label), family \(family): column \(i % ldc) beyond the rows is left alone")
                    } else {
                        XCTAssertEqual(Double(c[i]), expected[i], accuracy: bound[i] + 1e-30,
                                       "\(label), family \(family), row \(i / ldc), output \(i % ldc)")
                    }
                }
                // The class runs the same product (rounding x itself, with the best family).
                var viaClass = c0
                x.withUnsafeBufferPointer { xp in
                    let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: m * pairs)
                    defer { scratch.deallocate() }
                    packed.multiply(m: m, x: xp.baseAddress!, ldx: ldx, into: &viaClass, ldc: ldc, accumulate: accumulate, scratch: scratch)
                }
                for i in 0..<(m * ldc) where i % ldc < rows {
                    XCTAssertEqual(Double(viaClass[i]), expected[i], accuracy: bound[i] + 1e-30, "multiply, \(label)")
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

    /// A 2-layer BLSTM with peepholes and a unidirectional one carried over from an initial state:
    /// at bfloat16, every log-probability within 0.005 of float's (here about 0.0004: rounding to 8
    /// significant bits moves each product by up to 0.4%, and the errors mostly cancel), never equal everywhere (the rounding happens), padding
    /// still zero, and float again after setPrecision(.float32) bit for bit.
    func testNetworksAtBFloat16StayCloseToFloat() throws {
        var rng = SeededGenerator(seed: 6)
        for (config, lengths) in [
            (LSTMNetworkConfiguration(inputSize: 13, hiddenSizes: [24, 20], bidirectional: true, peepholes: true, classes: 7), [30, 17, 1, 25]),
            (LSTMNetworkConfiguration(inputSize: 5, hiddenSizes: [33], bidirectional: false, peepholes: false, classes: 4), [40]),
        ] {
            var network = LSTMNetwork<Float>(config, rng: &rng)
            let input = batch(dimension: config.inputSize, lengths: lengths, rng: &rng)
            var state: LSTMNetwork<Float>.State? = nil
            if !config.bidirectional {
                state = LSTMNetwork<Float>.State(
                    hidden: config.hiddenSizes.map { Array2D(rows: 1, cols: $0, data: (0..<$0).map { _ in Float.random(in: -0.9...0.9, using: &rng) }) },
                    cells: config.hiddenSizes.map { Array2D(rows: 1, cols: $0, data: (0..<$0).map { _ in Float.random(in: -2...2, using: &rng) }) })
            }
            let reference = network.forward(input, initialState: state)
            network.setPrecision(.bfloat16)
            XCTAssertEqual(network.precision, .bfloat16)
            XCTAssertEqual(network.copy().precision, .bfloat16)
            let reduced = network.forward(input, initialState: state)
            var largest: Float = 0
            for (a, b) in zip(reduced.logProbabilities.data, reference.logProbabilities.data) {
                XCTAssertTrue(a.isFinite)
                largest = max(largest, abs(a - b))
            }
            XCTAssertLessThan(largest, 0.005, "\(config)")
            XCTAssertGreaterThan(largest, 0, "bfloat16 must round something")
            if let final = reduced.finalState, let exact = reference.finalState {
                for (a, b) in zip(final.hidden[0].data, exact.hidden[0].data) { XCTAssertEqual(a, b, accuracy: 0.005) }
            }
            // Padded frames still hold h = 0 in every layer.
            for (k, out) in reduced.layerOutputs.enumerated() {
                let width = config.directions * config.hiddenSizes[k]
                for b in 0..<lengths.count {
                    for t in lengths[b]..<input.maxLength {
                        for j in 0..<width { XCTAssertEqual(out.pointer[(t * lengths.count + b) * width + j], 0) }
                    }
                }
            }
            network.setPrecision(.float32)
            XCTAssertEqual(network.forward(input, initialState: state).logProbabilities.data, reference.logProbabilities.data)
        }
    }
}
