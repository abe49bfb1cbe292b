// CMVN: per-utterance cepstral mean and variance normalisation of a feature matrix.
import Tensors

/// Per-utterance CMVN (as Kaldi's apply-cmvn with per-utterance statistics): every column
/// minus its mean over the frames (`mean`), then divided by its standard deviation (`meanvar`;
/// population variance, floored at 1e-10 as Kaldi floors variances, so constant columns stay 0).
///
/// features: T × D, normalised in place. Means and variances are accumulated in Double.
public func applyCMVN(_ features: inout Matrix, mode: CMVNMode) {
    guard mode != .none, features.rows > 0 else { return }
    let t = features.rows, d = features.cols
    var sum = [Double](repeating: 0, count: d), sumSq = [Double](repeating: 0, count: d)
    for r in 0..<t {
        for c in 0..<d {
            let x = Double(features.data[r * d + c])
            sum[c] += x
            sumSq[c] += x * x
        }
    }
    let n = Double(t)
    var shift = [Float](repeating: 0, count: d), scale = [Float](repeating: 1, count: d)
    for c in 0..<d {
        let mean = sum[c] / n
        shift[c] = Float(mean)
        if mode == .meanvar {
            let variance = max(sumSq[c] / n - mean * mean, 1e-10)
            scale[c] = Float(1 / variance.squareRoot())
        }
    }
    for r in 0..<t {
        for c in 0..<d { features.data[r * d + c] = (features.data[r * d + c] - shift[c]) * scale[c] }
    }
}
