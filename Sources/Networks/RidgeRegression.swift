// RidgeRegression: a linear readout by L2-penalised least squares, from accumulated normal equations.
import CBLAS
import Foundation

/// Ridge regression (Tikhonov regularisation) for an echo state network's readout
/// (Lukoševičius 2012, "A practical guide to applying echo state networks", §4.1, eq. 9):
///
///     W = argmin_W ‖X·W − Y‖² + λ‖W‖²   ⇔   (XᵀX + λI)·W = XᵀY
///
/// with X the R × P design matrix (one row per time step kept: [1; u(t); x(t)]), Y the R × K
/// targets and W the P × K readout (the network stores Wᵀ, K × P). Rows are added in chunks,
/// so only XᵀX (P × P) and XᵀY (P × K) are kept, in Double, never X itself. The bias column is
/// penalised like the others (as in the guide's eq. 9).
///
/// `solve(ridge:)` factors XᵀX + λI by Cholesky and solves (LAPACK `dposv`);
/// `solvePlainly(ridge:)` is the obviously-correct loop version kept as its oracle. The readout is
/// a linear solve, not a gradient step, so its correctness check is the normal-equations residual
/// `residual(_:ridge:)`, ‖(XᵀX + λI)W − XᵀY‖_max, where a gradient check would stand for a layer.
public struct RidgeRegression: Sendable {
    /// P, the number of features per row.
    public let features: Int
    /// K, the number of outputs per row.
    public let outputs: Int
    /// XᵀX, P × P, row-major.
    public private(set) var gram: [Double]
    /// XᵀY, P × K, row-major.
    public private(set) var cross: [Double]
    /// R, the number of rows added.
    public private(set) var rowCount = 0

    public init(features: Int, outputs: Int) {
        self.features = features
        self.outputs = outputs
        gram = [Double](repeating: 0, count: features * features)
        cross = [Double](repeating: 0, count: features * outputs)
    }

    /// Adds the rows `rows` (all when nil) of `x` (· × P) and `y` (· × K) to the normal equations.
    public mutating func add<S: NetworkScalar>(_ x: Array2D<S>, _ y: Array2D<S>, rows: [Int]? = nil) {
        precondition(x.cols == features && y.cols == outputs && x.rows == y.rows,
                     "ridge regression: got \(x.rows)×\(x.cols) and \(y.rows)×\(y.cols), expected · × \(features) and · × \(outputs)")
        let kept = rows ?? Array(0..<x.rows)
        if kept.isEmpty { return }
        var xd = [Double](repeating: 0, count: kept.count * features), yd = [Double](repeating: 0, count: kept.count * outputs)
        for (i, r) in kept.enumerated() {
            for j in 0..<features { xd[i * features + j] = Double(x.data[r * features + j]) }
            for k in 0..<outputs { yd[i * outputs + k] = Double(y.data[r * outputs + k]) }
        }
        let m = Int32(kept.count), p = Int32(features), k = Int32(outputs)
        // XᵀX += X_chunkᵀ·X_chunk, XᵀY += X_chunkᵀ·Y_chunk (row-major dgemm).
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, p, m, 1, xd, p, xd, p, 1, &gram, p)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, k, m, 1, xd, p, yd, k, 1, &cross, k)
        rowCount += kept.count
    }

    /// The P × K readout W solving (XᵀX + λI)W = XᵀY, by LAPACK `dposv` (Cholesky).
    /// - Throws: `LinearAlgebraError` when XᵀX + λI is not positive definite (λ = 0 with
    ///   collinear or too few rows) or holds non-finite values.
    public func solve(ridge lambda: Double) throws -> Array2D<Double> {
        guard gram.allSatisfy(\.isFinite), cross.allSatisfy(\.isFinite) else {
            throw LinearAlgebraError("ridge regression: the states hold NaN or infinite values")
        }
        // The system is symmetric, so row-major A is its own column-major form; B = XᵀY is
        // passed transposed (column-major P × K) and read back the same way.
        var a = gram
        for i in 0..<features { a[i * features + i] += lambda }
        var b = [Double](repeating: 0, count: features * outputs)
        for i in 0..<features { for k in 0..<outputs { b[k * features + i] = cross[i * outputs + k] } }
        var uplo: CChar = 0x55   // "U"
        var n = Int32(features), nrhs = Int32(outputs), lda = Int32(features), ldb = Int32(features), info: Int32 = 0
        dposv_(&uplo, &n, &nrhs, &a, &lda, &b, &ldb, &info, 1)
        guard info == 0 else {
            throw LinearAlgebraError(info > 0
                ? "ridge regression: XᵀX + λI is not positive definite (leading minor \(info)); raise the ridge λ (now \(lambda)) or add rows (\(rowCount) rows, \(features) features)"
                : "dposv: bad argument \(-info)")
        }
        var w = Array2D<Double>(rows: features, cols: outputs)
        for i in 0..<features { for k in 0..<outputs { w[i, k] = b[k * features + i] } }
        return w
    }

    /// The same solution by a plain Cholesky factorisation L·Lᵀ = XᵀX + λI and two triangular
    /// solves, in loops: the oracle `solve(ridge:)` is tested against.
    public func solvePlainly(ridge lambda: Double) throws -> Array2D<Double> {
        let p = features
        var l = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in 0...i {
                var s = gram[i * p + j] + (i == j ? lambda : 0)
                for m in 0..<j { s -= l[i * p + m] * l[j * p + m] }
                if i == j {
                    guard s > 0 else { throw LinearAlgebraError("ridge regression: XᵀX + λI is not positive definite (pivot \(i + 1))") }
                    l[i * p + i] = s.squareRoot()
                } else {
                    l[i * p + j] = s / l[j * p + j]
                }
            }
        }
        var w = Array2D<Double>(rows: p, cols: outputs)
        for k in 0..<outputs {
            var z = [Double](repeating: 0, count: p)   // L·z = XᵀY[:, k]
            for i in 0..<p {
                var s = cross[i * outputs + k]
                for m in 0..<i { s -= l[i * p + m] * z[m] }
                z[i] = s / l[i * p + i]
            }
            for i in stride(from: p - 1, through: 0, by: -1) {   // Lᵀ·w = z
                var s = z[i]
                for m in (i + 1)..<p { s -= l[m * p + i] * w[m, k] }
                w[i, k] = s / l[i * p + i]
            }
        }
        return w
    }

    /// max |((XᵀX + λI)·W − XᵀY)_ik| divided by max(1, max |XᵀY|): zero for an exact solution.
    public func residual(_ w: Array2D<Double>, ridge lambda: Double) -> Double {
        precondition(w.rows == features && w.cols == outputs, "residual: W is \(w.rows)×\(w.cols), expected \(features)×\(outputs)")
        var largest = 0.0, scale = 1.0
        for i in 0..<features {
            for k in 0..<outputs {
                var s = lambda * w[i, k] - cross[i * outputs + k]
                for j in 0..<features { s += gram[i * features + j] * w[j, k] }
                largest = max(largest, abs(s))
                scale = max(scale, abs(cross[i * outputs + k]))
            }
        }
        return largest / scale
    }
}
