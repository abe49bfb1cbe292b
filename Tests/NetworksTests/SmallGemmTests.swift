// SmallGemm (libxsmm's kernels for the recurrent per-frame products) against a plain Double loop,
// on every CPU (forced on), and the choice of libxsmm or the panel product by the CPU.
import CKernels
import XCTest
@testable import Networks
import Tensors
import TestSupport

final class SmallGemmTests: XCTestCase {
    override func setUp() { SmallGemm.force(true) }
    override func tearDown() { SmallGemm.force(nil) }

    /// By default libxsmm runs the products only where the CPU has AVX-512 (below it the panel product
    /// is the faster); forced, it runs or does not whatever the CPU.
    func testLibxsmmIsUsedWithAVX512OnlyUnlessForced() {
        SmallGemm.force(nil)
        // AVX-512F by CKernels' check; libxsmm asks for the Skylake set (F, CD, BW, DQ, VL), which
        // every CPU with AVX-512F has but the Xeon Phi.
        let avx512 = seqlab_bf16_family_id() >= 2
        XCTAssertEqual(SmallGemm.isUsed, avx512)
        XCTAssertEqual(SmallGemm(m: 16, n: 64, k: 32, lda: 32, ldb: 64, ldc: 64, beta: 1) != nil, avx512)
        // The panel product when BLAS has one thread (vectorised, it beats libxsmm); with more, libxsmm
        // where it is used, else OpenBLAS's sgemm (both cores).
        let threads = blasThreads()
        defer { setBLASThreads(threads) }
        setBLASThreads(1)
        XCTAssertEqual(perFrameProductLibrary, avx512 ? "panel product, AVX-512" : seqlab_panels_family_id() == 1 ? "panel product, AVX2" : "panel product, C")
        setBLASThreads(2)
        XCTAssertEqual(perFrameProductLibrary, avx512 ? "libxsmm" : "OpenBLAS")
        SmallGemm.force(false)
        XCTAssertFalse(SmallGemm.isUsed)
        XCTAssertNil(SmallGemm(m: 16, n: 64, k: 32, lda: 32, ldb: 64, ldc: 64, beta: 1))
        SmallGemm.force(true)
        XCTAssertTrue(SmallGemm.isUsed)
        XCTAssertNotNil(SmallGemm(m: 16, n: 64, k: 32, lda: 32, ldb: 64, ldc: 64, beta: 1))
    }

    /// Row-major C = A·B + β·C with row strides wider than the rows, on the LSTM's shapes and odd
    /// ones: a 4H of 132 = one 128-column block and a 4-column tail; 300 = two blocks and a tail.
    func testMatchesAPlainLoopOnOddShapesAndStrides() throws {
        var rng = SeededGenerator(seed: 7)
        for (m, n, k) in [(16, 1024, 256), (16, 256, 1024), (3, 132, 33), (2, 300, 7), (5, 1, 9), (7, 128, 1)] {
            for beta: Float in [0, 1] {
                let lda = k + 3, ldb = n + 5, ldc = n + 2
                let a = (0..<(m * lda)).map { _ in Float.random(in: -1...1, using: &rng) }
                let b = (0..<(k * ldb)).map { _ in Float.random(in: -1...1, using: &rng) }
                // With β = 0 the old C must not matter, NaN included; outside the m × n block it stays.
                var c = (0..<(m * ldc)).map { _ in beta == 0 ? Float.nan : Float.random(in: -1...1, using: &rng) }
                var expected = [Double](repeating: 0, count: m * ldc)
                for i in 0..<m {
                    for j in 0..<ldc {
                        guard j < n else { expected[i * ldc + j] = Double(c[i * ldc + j]); continue }
                        var sum: Double = beta == 0 ? 0 : Double(c[i * ldc + j])
                        for p in 0..<k {
                            let x = Double(a[i * lda + p]), y = Double(b[p * ldb + j])
                            sum += x * y
                        }
                        expected[i * ldc + j] = sum
                    }
                }
                let product = try XCTUnwrap(SmallGemm(m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, beta: beta),
                                            "no kernel for \(m)×\(n)×\(k)")
                c.withUnsafeMutableBufferPointer { cp in product.run(a, b, cp.baseAddress!) }
                let label = "\(m)×\(k) · \(k)×\(n), β \(beta)"
                for i in 0..<m {   // the padding columns j ≥ n are NaN when β = 0 and must stay so
                    let row = Array(c[(i * ldc)..<(i * ldc + n)]), want = Array(expected[(i * ldc)..<(i * ldc + n)])
                    // Float sums of up to 1024 products of terms in ±1: 2e-4 absolute.
                    assertClose(row, want, absolute: 2e-4, "\(label) row \(i)")
                    for j in n..<ldc {
                        XCTAssertEqual(c[i * ldc + j].isNaN, expected[i * ldc + j].isNaN, "\(label) padding (\(i), \(j))")
                        if !expected[i * ldc + j].isNaN { XCTAssertEqual(Double(c[i * ldc + j]), expected[i * ldc + j]) }
                    }
                }
            }
        }
    }

    func testRefusesWhatItCannotDo() {
        XCTAssertNil(SmallGemm(m: 2, n: 3, k: 4, lda: 4, ldb: 3, ldc: 3, beta: 0.5), "β other than 0 or 1")
        XCTAssertNil(SmallGemm(m: 2, n: 3, k: 4, lda: 3, ldb: 3, ldc: 3, beta: 1), "row stride of A shorter than k")
        XCTAssertNil(SmallGemm(m: 0, n: 3, k: 4, lda: 4, ldb: 3, ldc: 3, beta: 1), "empty")
    }
}
