// NetworkScalar: the element type layers are generic over — Float for training, Double for gradient checks.
import CBLAS
import Foundation
import Tensors

/// A floating-point type the network layers can compute in.
///
/// Every layer, loss and optimizer in `Networks` is generic over `S: NetworkScalar`, so one
/// piece of code serves two purposes: `Float` for training and inference (BLAS `sgemm`), and
/// `Double` for the finite-difference gradient checks of STYLE.md (BLAS `dgemm`), where the
/// rounding of Float would swamp the difference quotient. The hot entry points carry
/// `@_specialize(where S == Float)`, so callers in other modules get compiled Float code
/// rather than the generic (witness-table) path.
public protocol NetworkScalar: BinaryFloatingPoint, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// C ← α·op(A)·op(B) + β·C over raw row-major buffers (op(A) m×k, op(B) k×n, C m×n).
    static func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                     alpha: Self, _ a: UnsafePointer<Self>, lda: Int,
                     _ b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// C ← β·C + A·op(B) with A m×k untransposed (the per-frame products of recurrent layers, where
    /// m is the batch size). Defaults to `gemm`.
    static func rowsGemm(_ transB: Transpose, m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int,
                         _ b: UnsafePointer<Self>, ldb: Int, beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    /// The logistic function σ(x) = 1 / (1 + e^(−x)), finite for every finite x.
    static func logistic(_ x: Self) -> Self
    /// Short name used in messages and safetensors dtypes ("F32", "F64").
    static var dtypeName: String { get }
}

extension NetworkScalar {
    @inlinable public static func rowsGemm(_ transB: Transpose, m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int,
                                           _ b: UnsafePointer<Self>, ldb: Int, beta: Self,
                                           _ c: UnsafeMutablePointer<Self>, ldc: Int) {
        gemm(.none, transB, m: m, n: n, k: k, alpha: 1, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }
}

extension Float: NetworkScalar {
    @inlinable public static func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                       alpha: Float, _ a: UnsafePointer<Float>, lda: Int,
                                       _ b: UnsafePointer<Float>, ldb: Int,
                                       beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        Tensors.gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }
    /// One row (batch-1 inference) goes to `cblas_sgemv`, which reads B as it lies, where OpenBLAS's
    /// sgemm would pack all of B (e.g. W_hh, 4H × H) on every frame to multiply it by a single row —
    /// unless OpenBLAS runs its AVX-512 kernels, whose sgemm has a small-matrix path that beats its
    /// sgemv there (measured on batch-1 inference of a 2×256 BLSTM, before its forward moved to
    /// `RecurrentProduct`: sgemv 3.8× faster with the Haswell kernels, 15% slower with Cooperlake's).
    /// The LSTM's backward of one row and its start from a given state still come here.
    public static func rowsGemm(_ transB: Transpose, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int,
                                           _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
                                           _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m == 1, n > 0, k > 0, !openBLASHasSmallGemm else {
            gemm(.none, transB, m: m, n: n, k: k, alpha: 1, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
            return
        }
        if beta == 0 { c.update(repeating: 0, count: n) }     // C may hold anything, NaN included
        // c = op(B)·a: B stored n×k (transposed) or k×n (as is, so op(B)·a = Bᵀ·a in BLAS terms).
        if transB == .transposed {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, b, Int32(ldb), a, 1, beta, c, 1)
        } else {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, b, Int32(ldb), a, 1, beta, c, 1)
        }
    }
    /// e^x without a libm call, so loops that use it vectorise: Cephes `expf` (range reduction
    /// x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial, 2ⁿ through the exponent bits). Relative
    /// error below 3·10⁻⁷ for x in [−87, 88]; the argument is clamped to that range (so
    /// e^x ≥ 1.6·10⁻³⁸ and ≤ 1.7·10³⁸, never 0 or ∞ for finite x); NaN stays NaN.
    @inlinable public static func exp(_ x: Float) -> Float {
        let xc = x.isNaN ? 0 : Swift.min(Swift.max(x, -87), 88)
        // n = round(x/ln2) by the 1.5·2²³ trick: the sum's low mantissa bits hold n (SSE2-vectorisable).
        let magic: Float = 12_582_912
        let shifted = xc * 1.442_695_04 + magic
        let n = shifted - magic
        let r = (xc - n * 0.693_359_375) - n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * r * r + r + 1
        let exponent = (shifted.bitPattern &- magic.bitPattern &+ 127) &<< 23
        return x.isNaN ? x : y * Float(bitPattern: exponent)
    }
    /// σ(x) = 1/(1 + e^(−x)); with `exp` clamped it cannot overflow, and it has no branch.
    @inlinable public static func logistic(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    /// tanh through one `expf`: 1 − 2/(e^(2x) + 1). Absolute error below 3·10⁻⁷ (a few ulps of 1);
    /// branch-free and vectorisable, unlike libm's `tanhf`, which dominated the LSTM's elementwise time.
    @inlinable public static func tanh(_ x: Float) -> Float {
        let e = exp(2 * Swift.min(Swift.max(x, -20), 20))
        return 1 - 2 / (e + 1)
    }
    public static var dtypeName: String { "F32" }
}

/// Whether OpenBLAS's kernels for this CPU (or OPENBLAS_CORETYPE) are the AVX-512 ones with a
/// small-matrix sgemm (SkylakeX, Cooperlake, Sapphire Rapids).
private let openBLASHasSmallGemm: Bool = {
    guard let name = openblas_get_corename() else { return false }
    let core = String(cString: name).lowercased()
    return ["skylakex", "cooperlake", "sapphirerapids"].contains(core)
}()

extension Double: NetworkScalar {
    @inlinable public static func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                       alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
                                       _ b: UnsafePointer<Double>, ldb: Int,
                                       beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        cblas_dgemm(CblasRowMajor, transA == .none ? CblasNoTrans : CblasTrans,
                    transB == .none ? CblasNoTrans : CblasTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    /// σ(x), computed on the side where e^(−|x|) ≤ 1 so it never overflows.
    @inlinable public static func logistic(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }
    public static var dtypeName: String { "F64" }
}
