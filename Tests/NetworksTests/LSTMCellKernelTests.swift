// The C cell kernels (every instruction set this CPU has) against the LSTM equations in Double; the one-row BLAS path.
import CKernels
import Foundation
import XCTest
import Networks
import Tensors
import TestSupport

final class LSTMCellKernelTests: XCTestCase {
    func random(_ n: Int, _ rng: inout SeededGenerator, scale: Double = 2) -> [Float] {
        (0..<n).map { _ in Float((rng.uniform() * 2 - 1) * scale) }
    }

    func sigma(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Forward: gates, s, tanh(s), h as LSTMLayer's equations give them (Graves 2012 §4.5), with and
    /// without peepholes, H = 37 so vector tails are exercised. Backward: ∂L/∂a, ∂L/∂s_{t−1} and the
    /// peephole gradients of the chain rule through the same equations, with and without a next frame.
    func testEveryFamilyMatchesTheEquations() {
        var rng = SeededGenerator(seed: 5)
        let H = 37
        for family in 0...2 where seqlab_kernel_available(Int32(family)) != 0 {
            for peep in [false, true] {
                let pre = random(4 * H, &rng), bias = random(4 * H, &rng, scale: 1), sp = random(H, &rng)
                let p = random(3 * H, &rng, scale: 0.5)
                var a = pre, s = [Float](repeating: .nan, count: H), c = s, h = s
                p.withUnsafeBufferPointer { pp in
                    let pi = peep ? pp.baseAddress! : nil
                    seqlab_lstm_forward_with(Int32(family), Int32(H), &a, bias, sp, pi, pi.map { $0 + H }, pi.map { $0 + 2 * H }, &s, &c, &h)
                }
                // Reference in Double.
                var gates = [Double](repeating: 0, count: 4 * H), sRef = [Double](repeating: 0, count: H)
                var cRef = sRef, hRef = sRef
                for j in 0..<H {
                    let spj = Double(sp[j]), pk = { (k: Int) in peep ? Double(p[k * H + j]) : 0 }
                    let z = { (g: Int) in Double(pre[g * H + j]) + Double(bias[g * H + j]) }
                    let i = sigma(z(0) + pk(0) * spj), f = sigma(z(1) + pk(1) * spj), g = tanh(z(2))
                    let st = f * spj + i * g
                    let o = sigma(z(3) + pk(2) * st)
                    gates[j] = i; gates[H + j] = f; gates[2 * H + j] = g; gates[3 * H + j] = o
                    sRef[j] = st; cRef[j] = tanh(st); hRef[j] = o * tanh(st)
                }
                let what = "family \(family), peepholes \(peep)"
                assertClose(a.map(Double.init), gates, absolute: 2e-6, what)
                assertClose(s.map(Double.init), sRef, absolute: 2e-6, what)
                assertClose(c.map(Double.init), cRef, absolute: 2e-6, what)
                assertClose(h.map(Double.init), hRef, absolute: 2e-6, what)

                for next in [false, true] {
                    let dh = random(H, &rng), dhNext = random(H, &rng), dsIn = random(H, &rng)
                    var ds = next ? dsIn : [Float](repeating: .nan, count: H)
                    var d = [Float](repeating: .nan, count: 4 * H)
                    var dp = [Float](repeating: 0.25, count: 3 * H)
                    p.withUnsafeBufferPointer { pp in
                        dp.withUnsafeMutableBufferPointer { dpp in
                            let pi = peep ? pp.baseAddress! : nil, dpi = peep ? dpp.baseAddress! : nil
                            seqlab_lstm_backward_with(Int32(family), Int32(H), a, sp, s, c, dh, next ? dhNext : nil, &ds, &d,
                                                      pi, pi.map { $0 + H }, pi.map { $0 + 2 * H },
                                                      dpi, dpi.map { $0 + H }, dpi.map { $0 + 2 * H })
                        }
                    }
                    var dRef = [Double](repeating: 0, count: 4 * H), dsRef = [Double](repeating: 0, count: H)
                    var dpRef = [Double](repeating: 0.25, count: 3 * H)
                    for j in 0..<H {
                        let i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j]
                        let spj = Double(sp[j]), tj = cRef[j], pk = { (k: Int) in peep ? Double(p[k * H + j]) : 0 }
                        let dhj = Double(dh[j]) + (next ? Double(dhNext[j]) : 0)
                        let dao = dhj * tj * o * (1 - o)
                        let dsj = dhj * o * (1 - tj * tj) + (next ? Double(dsIn[j]) : 0) + dao * pk(2)
                        let dai = dsj * g * i * (1 - i), dag = dsj * i * (1 - g * g), daf = dsj * spj * f * (1 - f)
                        dsRef[j] = dsj * f + dai * pk(0) + daf * pk(1)
                        dRef[j] = dai; dRef[H + j] = daf; dRef[2 * H + j] = dag; dRef[3 * H + j] = dao
                        if peep { dpRef[j] += dai * spj; dpRef[H + j] += daf * spj; dpRef[2 * H + j] += dao * sRef[j] }
                    }
                    let what = "family \(family), peepholes \(peep), next frame \(next)"
                    assertClose(d.map(Double.init), dRef, absolute: 1e-5, what)
                    assertClose(ds.map(Double.init), dsRef, absolute: 1e-5, what)
                    assertClose(dp.map(Double.init), dpRef, absolute: 1e-5, what)
                }
            }
        }
    }

    /// Float.rowsGemm with one row (cblas_sgemv) equals the product in Double, for both layouts of B;
    /// with β = 0 whatever C held (NaN here) is ignored.
    /// A NaN pre-activation stays a NaN through the cell in every family (so a diverging network is
    /// seen, not hidden by a clamp), in that cell only; huge ones saturate the gates to 0 and 1.
    func testEveryFamilyPropagatesNaNAndSaturatesHugeValues() {
        let H = 21
        for family in 0...2 where seqlab_kernel_available(Int32(family)) != 0 {
            var a = [Float](repeating: 0.5, count: 4 * H)
            a[3] = .nan                       // input gate of cell 3
            a[2 * H + 17] = .nan              // cell input of cell 17
            a[5] = 1e30; a[H + 5] = -1e30     // cell 5: input gate open, forget gate shut
            a[2 * H + 5] = 1e30; a[3 * H + 5] = 1e30
            let bias = [Float](repeating: 0, count: 4 * H), sp = [Float](repeating: 0.25, count: H)
            var s = [Float](repeating: 0, count: H), c = s, h = s
            seqlab_lstm_forward_with(Int32(family), Int32(H), &a, bias, sp, nil, nil, nil, &s, &c, &h)
            for j in 0..<H {
                XCTAssertEqual(h[j].isNaN, j == 3 || j == 17, "family \(family), cell \(j)")
                XCTAssertEqual(s[j].isNaN, j == 3 || j == 17, "family \(family), cell \(j)")
            }
            XCTAssertEqual(a[5], 1, "family \(family)")
            XCTAssertEqual(a[H + 5], 0, accuracy: 1e-37, "family \(family)")   // 1/(1 + e⁸⁸): the clamp keeps it above 0
            XCTAssertEqual(s[5], 1, "family \(family)")       // 0 · 0.25 + 1 · tanh(huge)
            XCTAssertEqual(h[5], tanhf(1), accuracy: 1e-6, "family \(family)")
        }
    }

    func testOneRowProductMatchesDouble() {
        var rng = SeededGenerator(seed: 6)
        let (n, k) = (45, 23)
        let a = random(k, &rng), bT = random(n * k, &rng)        // bT: n × k, used transposed
        var bN = [Float](repeating: 0, count: k * n)             // the same matrix stored k × n
        for j in 0..<n { for p in 0..<k { bN[p * n + j] = bT[j * k + p] } }
        var expected = [Double](repeating: 0, count: n)
        for j in 0..<n { for p in 0..<k { expected[j] += Double(a[p]) * Double(bT[j * k + p]) } }
        for beta: Float in [0, 1] {
            let start = random(n, &rng)
            var c1 = beta == 0 ? [Float](repeating: .nan, count: n) : start, c2 = c1
            Float.rowsGemm(.transposed, m: 1, n: n, k: k, a, lda: k, bT, ldb: k, beta: beta, &c1, ldc: n)
            Float.rowsGemm(.none, m: 1, n: n, k: k, a, lda: k, bN, ldb: n, beta: beta, &c2, ldc: n)
            let want = zip(expected, start).map { $0 + (beta == 0 ? 0 : Double($1)) }
            assertClose(c1.map(Double.init), want, absolute: 1e-5, "B transposed, β \(beta)")
            assertClose(c2.map(Double.init), want, absolute: 1e-5, "B as is, β \(beta)")
        }
    }
}
