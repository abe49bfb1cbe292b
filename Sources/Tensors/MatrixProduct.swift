// Matrix products: the BLAS sgemm call every layer uses, and a plain loop kept as its oracle.
import CBLAS

/// Whether a gemm operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// C ← α·op(A)·op(B) + β·C over raw row-major buffers (cblas_sgemm).
///
/// op(A) is m×k, op(B) is k×n, C is m×n; `lda`, `ldb`, `ldc` are the row strides as stored.
@inlinable
public func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                 alpha: Float, _ a: UnsafePointer<Float>, lda: Int,
                 _ b: UnsafePointer<Float>, ldb: Int,
                 beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

extension Matrix {
    /// op(self)·op(other) as a new matrix (BLAS).
    public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? cols : rows, k = transposeSelf ? rows : cols
        let k2 = transposeOther ? other.cols : other.rows, n = transposeOther ? other.rows : other.cols
        precondition(k == k2, "matrix product: inner dimensions \(k) and \(k2) differ")
        var out = Matrix(rows: m, cols: n)
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                out.data.withUnsafeMutableBufferPointer { c in
                    gemm(transposeSelf ? .transposed : .none, transposeOther ? .transposed : .none,
                         m: m, n: n, k: k, alpha: 1, a.baseAddress!, lda: cols,
                         b.baseAddress!, ldb: other.cols, beta: 0, c.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }

    /// op(self)·op(other) by three plain loops in Double: the oracle the BLAS path is tested against.
    public func multipliedNaively(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let a = transposeSelf ? transposed() : self
        let b = transposeOther ? other.transposed() : other
        precondition(a.cols == b.rows, "matrix product: inner dimensions \(a.cols) and \(b.rows) differ")
        var out = Matrix(rows: a.rows, cols: b.cols)
        for i in 0..<a.rows {
            for j in 0..<b.cols {
                var s = 0.0
                for p in 0..<a.cols { s += Double(a[i, p]) * Double(b[p, j]) }
                out[i, j] = Float(s)
            }
        }
        return out
    }
}

/// Sets the number of threads OpenBLAS uses (one and two threads are not bitwise equal).
public func setBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

/// The number of threads OpenBLAS will use.
public func blasThreads() -> Int { Int(openblas_get_num_threads()) }
