// The one-stream product (CKernels' seqlab_stream_*, `StreamMatrix`) against the panel product bit
// for bit, every kernel family, both block orders, and a Double loop.
import CKernels
import XCTest
@testable import Networks
import Tensors
import TestSupport

final class StreamProductTests: XCTestCase {
    /// c += x·Wᵀ for one row: the same bits as the panel product's single row (which batch-1
    /// recurrences ran before, and whose sums a batch of several rows shares), from the portable loop
    /// and every vector kernel this CPU has, the blocks first to last and last to first; W read with a row stride
    /// wider than k; near a Double loop.
    func testOneRowGivesThePanelProductsBits() {
        var rng = SeededGenerator(seed: 41)
        let families = (Int32(0)...seqlab_kernel_family_id()).map { $0 }
        for (n, k) in [(64, 1), (64, 7), (128, 33), (512, 128), (768, 192), (1_024, 256)] {
            let ldw = k + 3
            let w = (0..<(n * ldw)).map { i in i % ldw < k ? Float.random(in: -1...1, using: &rng) : .nan }
            let x = (0..<k).map { _ in Float.random(in: -1...1, using: &rng) }
            let c0 = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
            XCTAssertEqual(seqlab_stream_supported(Int32(n)), 1)
            var packed = [Float](repeating: .nan, count: seqlab_stream_count(Int32(n), Int32(k)))
            w.withUnsafeBufferPointer { seqlab_stream_pack(Int32(n), Int32(k), $0.baseAddress!, ldw, &packed) }
            let panels = w.withUnsafeBufferPointer { PanelMatrix(n: n, k: k, weights: $0.baseAddress!, rowStride: ldw, colStride: 1) }
            var expected = c0
            x.withUnsafeBufferPointer { panels.multiply(m: 1, x: $0.baseAddress!, ldx: k, into: &expected, ldc: n, accumulate: true) }
            for family in families {
                for descending in [Int32(0), 1] {
                    var c = c0
                    seqlab_stream_product_with(family, Int32(n), Int32(k), x, packed, &c, descending)
                    XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern), "\(n) × \(k): family \(family), descending \(descending)")
                }
            }
            if let matrix = w.withUnsafeBufferPointer({ StreamMatrix(n: n, k: k, weights: $0.baseAddress!, ldw: ldw) }) {
                for descending in [false, true] {
                    var c = c0
                    x.withUnsafeBufferPointer { matrix.multiply(x: $0.baseAddress!, into: &c, descending: descending) }
                    XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern), "\(n) × \(k): StreamMatrix, descending \(descending)")
                }
            } else {
                XCTAssertEqual(seqlab_kernel_family_id(), 0, "StreamMatrix packs wherever a vector kernel runs")
            }
            for j in 0..<n {
                var sum = Double(c0[j]), magnitude = abs(sum)
                for q in 0..<k {
                    let term = Double(x[q]) * Double(w[j * ldw + q])
                    sum += term
                    magnitude += abs(term)
                }
                XCTAssertEqual(Double(expected[j]), sum, accuracy: magnitude * Double(k + 1) * 0x1p-24, "\(n) × \(k): output \(j)")
            }
        }
        XCTAssertEqual(seqlab_stream_supported(0), 0)
        XCTAssertEqual(seqlab_stream_supported(96), 0, "blocks of 64 outputs only")
        XCTAssertNil([Float](repeating: 0, count: 96 * 4).withUnsafeBufferPointer { StreamMatrix(n: 96, k: 4, weights: $0.baseAddress!, ldw: 4) })
    }
}
