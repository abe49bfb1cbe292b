// SpectralRadius: the eigenvalues of a general square matrix (LAPACK dgeev) and their largest modulus.
import CBLAS
import Foundation

/// A LAPACK routine reported failure (a non-finite matrix, a matrix that is not positive definite).
public struct LinearAlgebraError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Eigenvalues of real square matrices, for scaling an echo state reservoir (Jaeger 2001 §3:
/// the reservoir W is rescaled so that its spectral radius ρ(W) = max |λ_i| is a chosen value).
///
/// `of(_:)` is exact up to rounding: LAPACK `dgeev` (Hessenberg reduction and the shifted QR
/// algorithm), O(n³) time and n² doubles of memory, about a second for n = 1000. The tests check
/// it against numpy's `eigvals` on committed fixtures (scripts/reference/make-esn-fixture.py).
public enum Eigenvalues {
    /// All n eigenvalues of the n × n `matrix` as (real, imaginary) pairs, in LAPACK's order
    /// (complex-conjugate pairs adjacent, the one with positive imaginary part first).
    /// - Throws: `LinearAlgebraError` for a non-square or non-finite matrix, or when the QR
    ///   algorithm does not converge.
    public static func of(_ matrix: Array2D<Double>) throws -> [(re: Double, im: Double)] {
        guard matrix.rows == matrix.cols else {
            throw LinearAlgebraError("eigenvalues need a square matrix, got \(matrix.rows)×\(matrix.cols)")
        }
        guard matrix.allFinite else { throw LinearAlgebraError("eigenvalues of a matrix with NaN or infinite entries") }
        let n = matrix.rows
        if n == 0 { return [] }
        // dgeev reads column-major; the row-major data is Aᵀ, which has the same eigenvalues.
        var a = matrix.data
        var wr = [Double](repeating: 0, count: n), wi = [Double](repeating: 0, count: n)
        var unusedLeft = [Double](repeating: 0, count: 1), unusedRight = [Double](repeating: 0, count: 1)
        var size = Int32(n), lda = Int32(n), one: Int32 = 1, info: Int32 = 0
        let no: CChar = 0x4E   // "N": no eigenvectors
        var jobvl = no, jobvr = no
        // Workspace query (lwork = −1), then the computation.
        var query = 0.0, lwork: Int32 = -1
        dgeev_(&jobvl, &jobvr, &size, &a, &lda, &wr, &wi, &unusedLeft, &one, &unusedRight, &one, &query, &lwork, &info, 1, 1)
        guard info == 0 else { throw LinearAlgebraError("dgeev workspace query failed (info \(info))") }
        lwork = Int32(max(Double(4 * n), query))
        var work = [Double](repeating: 0, count: Int(lwork))
        dgeev_(&jobvl, &jobvr, &size, &a, &lda, &wr, &wi, &unusedLeft, &one, &unusedRight, &one, &work, &lwork, &info, 1, 1)
        guard info == 0 else {
            throw LinearAlgebraError(info > 0 ? "the QR algorithm did not converge (dgeev info \(info))" : "dgeev: bad argument \(-info)")
        }
        return (0..<n).map { (wr[$0], wi[$0]) }
    }

    /// ρ(A) = max_i |λ_i|, the spectral radius (0 for an empty matrix).
    public static func spectralRadius(_ matrix: Array2D<Double>) throws -> Double {
        try of(matrix).map { hypot($0.re, $0.im) }.max() ?? 0
    }

    /// The spectral radius of a Float matrix, computed in Double.
    public static func spectralRadius(_ matrix: Array2D<Float>) throws -> Double {
        try spectralRadius(matrix.converted(to: Double.self))
    }
}
