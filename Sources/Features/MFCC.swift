// MFCC: the DCT-II and cepstral lifter Kaldi applies to log mel energies (feature-mfcc.cc).
import Foundation
import Tensors

/// Kaldi's DCT (`ComputeDctMatrix`, an orthonormal DCT-II) cut to its first `numCeps` rows:
/// D[0, n] = √(1/N), D[k, n] = √(2/N) cos(π/N · (n + ½) · k), N = number of mel bins.
///
/// Returned as numCeps × N.
public func kaldiDCTMatrix(numCeps: Int, numBins n: Int) -> Matrix {
    var d = Matrix(rows: numCeps, cols: n)
    let first = (1.0 / Double(n)).squareRoot(), rest = (2.0 / Double(n)).squareRoot()
    for j in 0..<n { d[0, j] = Float(first) }
    for k in 1..<max(numCeps, 1) {
        for j in 0..<n { d[k, j] = Float(rest * cos(Double.pi / Double(n) * (Double(j) + 0.5) * Double(k))) }
    }
    return d
}

/// Kaldi's cepstral lifter (`ComputeLifterCoeffs`): c_i = 1 + Q/2 · sin(π i / Q), i = 0…numCeps−1.
public func cepstralLifterCoefficients(numCeps: Int, q: Double) -> [Float] {
    (0..<numCeps).map { Float(1 + 0.5 * q * sin(Double.pi * Double($0) / q)) }
}

/// MFCC from log mel energies: C = logMel · Dᵀ (BLAS, all frames at once), times the lifter.
///
/// logMel is T × numBins; the result is T × numCeps.
struct MFCCTransform: Sendable {
    let dct: Matrix          // numCeps × numBins
    let lifter: [Float]?     // numCeps, nil when cepstral-lifter is 0

    init(numCeps: Int, numBins: Int, lifter q: Double) {
        dct = kaldiDCTMatrix(numCeps: numCeps, numBins: numBins)
        lifter = q != 0 ? cepstralLifterCoefficients(numCeps: numCeps, q: q) : nil
    }

    func apply(_ logMel: Matrix) -> Matrix {
        var c = logMel.multiplied(by: dct, transposeOther: true)
        if let lifter {
            for t in 0..<c.rows { for i in 0..<c.cols { c.data[t * c.cols + i] *= lifter[i] } }
        }
        return c
    }
}
