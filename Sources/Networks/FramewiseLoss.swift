// FramewiseLoss: per-frame error functions over a padded batch — cross-entropy, sequence classification, squared error.
import Foundation

/// Framewise error functions (Graves 2012, §3.1.3; Bishop 2006, §5.2) over a time-major
/// padded batch: the loss is summed over real frames only, and padded rows get zero gradient.
///
/// - `crossEntropy`: frame classification, L = −Σ_t log y_{c_t}(t) from log-probabilities;
///   the gradient is given with respect to the *logits* (the log-softmax input),
///   ∂L/∂z_k(t) = y_k(t) − [k = c_t] (Bishop eq. 4.109), ready for `LSTMNetwork.backward(_:dLogits:)`.
/// - `sequenceCrossEntropy`: sequence classification, one class per sequence scored at its last
///   real frame (its final output has seen the whole sequence; in a bidirectional network every
///   frame has, and the last is the convention).
/// - `meanPooledCrossEntropy`: sequence classification on the softmax of the time average of the
///   logits, m = (1/T) Σ_t z(t) (mean pooling; for a bidirectional network every frame of both
///   directions contributes), ∂L/∂z_k(t) = (softmax(m)_k − [k = c]) / T.
/// - `squaredError`: next-value prediction / regression, L = ½ Σ_t ‖y(t) − target(t)‖², ∂L/∂y = y − target.
public enum FramewiseLoss {
    /// Loss and ∂L/∂logits ((T·B) × K) for per-frame class targets (time-major, one per row;
    /// padded rows' targets are ignored). `targets[r]` must be in 0..<K for real rows.
    @_specialize(where S == Float)
    public static func crossEntropy<S: NetworkScalar>(logProbabilities lp: Array2D<S>, targets: [Int],
                                                      lengths: [Int]) -> (loss: Double, dLogits: Array2D<S>) {
        let B = lengths.count, K = lp.cols
        precondition(targets.count == lp.rows && lp.rows == (lengths.max() ?? 0) * B, "crossEntropy: shapes do not match the batch")
        var dz = Array2D<S>(rows: lp.rows, cols: K), loss = 0.0
        for r in 0..<lp.rows where r / max(B, 1) < lengths[r % B] {
            let c = targets[r]
            precondition(c >= 0 && c < K, "crossEntropy: target \(c) at row \(r) is not a class in 0..<\(K)")
            loss -= Double(lp[r, c])
            for k in 0..<K { dz[r, k] = S.exp(lp[r, k]) }
            dz[r, c] -= 1
        }
        return (loss, dz)
    }

    /// Loss and ∂L/∂logits for one class per sequence, scored at each sequence's last real frame
    /// (sequences of length 0 contribute nothing).
    @_specialize(where S == Float)
    public static func sequenceCrossEntropy<S: NetworkScalar>(logProbabilities lp: Array2D<S>, classes: [Int],
                                                              lengths: [Int]) -> (loss: Double, dLogits: Array2D<S>) {
        let B = lengths.count
        precondition(classes.count == B, "sequenceCrossEntropy: \(classes.count) classes for \(B) sequences")
        precondition(lp.rows == (lengths.max() ?? 0) * B, "sequenceCrossEntropy: shapes do not match the batch")
        // Only the last real frame of each sequence is scored; every other row keeps zero gradient.
        var dz = Array2D<S>(rows: lp.rows, cols: lp.cols), loss = 0.0
        for b in 0..<B where lengths[b] > 0 {
            let r = (lengths[b] - 1) * B + b, c = classes[b]
            precondition(c >= 0 && c < lp.cols, "sequenceCrossEntropy: class \(c) of sequence \(b) is not in 0..<\(lp.cols)")
            loss -= Double(lp[r, c])
            for k in 0..<lp.cols { dz[r, k] = S.exp(lp[r, k]) }
            dz[r, c] -= 1
        }
        return (loss, dz)
    }

    /// Loss and ∂L/∂logits for one class per sequence, scored on the softmax of the sequence's
    /// mean logit vector (sequences of length 0 contribute nothing).
    @_specialize(where S == Float)
    public static func meanPooledCrossEntropy<S: NetworkScalar>(logits z: Array2D<S>, classes: [Int],
                                                                lengths: [Int]) -> (loss: Double, dLogits: Array2D<S>) {
        let B = lengths.count, K = z.cols
        precondition(classes.count == B, "meanPooledCrossEntropy: \(classes.count) classes for \(B) sequences")
        precondition(z.rows == (lengths.max() ?? 0) * B, "meanPooledCrossEntropy: shapes do not match the batch")
        var dz = Array2D<S>(rows: z.rows, cols: K), loss = 0.0
        for b in 0..<B where lengths[b] > 0 {
            let T = lengths[b], c = classes[b]
            precondition(c >= 0 && c < K, "meanPooledCrossEntropy: class \(c) of sequence \(b) is not in 0..<\(K)")
            var m = [Double](repeating: 0, count: K)
            for t in 0..<T { for k in 0..<K { m[k] += Double(z[t * B + b, k]) } }
            for k in 0..<K { m[k] /= Double(T) }
            let top = m.max()!
            let lse = top + Foundation.log(m.reduce(0) { $0 + Foundation.exp($1 - top) })
            loss -= m[c] - lse
            for k in 0..<K {
                let g = (Foundation.exp(m[k] - lse) - (k == c ? 1 : 0)) / Double(T)
                for t in 0..<T { dz[t * B + b, k] = S(g) }
            }
        }
        return (loss, dz)
    }

    /// ½ Σ over real frames of ‖y − target‖², and ∂L/∂y (zero on padding).
    @_specialize(where S == Float)
    public static func squaredError<S: NetworkScalar>(outputs y: Array2D<S>, targets: Array2D<S>,
                                                      lengths: [Int]) -> (loss: Double, dOutputs: Array2D<S>) {
        let B = lengths.count
        precondition(y.rows == targets.rows && y.cols == targets.cols && y.rows == (lengths.max() ?? 0) * B,
                     "squaredError: shapes do not match the batch")
        var dy = Array2D<S>(rows: y.rows, cols: y.cols), loss = 0.0
        for r in 0..<y.rows where r / max(B, 1) < lengths[r % B] {
            for k in 0..<y.cols {
                let e = y[r, k] - targets[r, k]
                loss += 0.5 * Double(e * e)
                dy[r, k] = e
            }
        }
        return (loss, dy)
    }
}
