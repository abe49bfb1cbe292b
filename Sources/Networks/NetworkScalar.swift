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
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    /// Short name used in messages and safetensors dtypes ("F32", "F64").
    static var dtypeName: String { get }
}

extension NetworkScalar {
    /// The logistic function σ(x) = 1 / (1 + e^(−x)), computed without overflow for large |x|.
    @inlinable public static func logistic(_ x: Self) -> Self {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }
}

extension Float: NetworkScalar {
    @inlinable public static func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                       alpha: Float, _ a: UnsafePointer<Float>, lda: Int,
                                       _ b: UnsafePointer<Float>, ldb: Int,
                                       beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        Tensors.gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    /// tanh through one `expf`: 1 − 2/(e^(2x) + 1). Absolute error below 2·10⁻⁷ (a few ulps of 1),
    /// and about twice as fast as libm's `tanhf`, which dominated the LSTM's elementwise time.
    @inlinable public static func tanh(_ x: Float) -> Float {
        let e = Foundation.expf(2 * min(max(x, -20), 20))
        return 1 - 2 / (e + 1)
    }
    public static var dtypeName: String { "F32" }
}

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
    public static var dtypeName: String { "F64" }
}
