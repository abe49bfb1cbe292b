// Deltas: Kaldi's add-deltas (feature-functions.cc DeltaFeatures), window 2, edges replicated.
import Tensors

/// The filters Kaldi's `DeltaFeatures` convolves with: order 0 is [1]; order i is order i−1
/// convolved with [−w…w]/Σj² (w = window, Σj² = 10 for w = 2), so order 1 spans ±2 frames
/// and order 2 spans ±4.
public func deltaScales(order: Int, window: Int = 2) -> [[Float]] {
    var scales: [[Double]] = [[1]]
    let normaliser = Double((-window...window).reduce(0) { $0 + $1 * $1 })
    for i in stride(from: 1, through: order, by: 1) {
        let previous = scales[i - 1]
        let previousOffset = (previous.count - 1) / 2, offset = previousOffset + window
        var current = [Double](repeating: 0, count: 2 * offset + 1)
        for j in -window...window {
            for k in -previousOffset...previousOffset {
                current[j + k + offset] += Double(j) * previous[k + previousOffset]
            }
        }
        scales.append(current.map { $0 / normaliser })
    }
    return scales.map { $0.map { Float($0) } }
}

/// Features with their deltas appended (T × D → T × D·(order+1)), as Kaldi's `add-deltas
/// --delta-order=order --delta-window=2`: block i of frame t is Σ_j scale_i[j]·x[clamp(t+j)],
/// frames beyond the ends replaced by the first or last frame.
public func addDeltas(_ features: Matrix, order: Int, window: Int = 2) -> Matrix {
    guard order > 0 else { return features }
    let t = features.rows, d = features.cols
    let scales = deltaScales(order: order, window: window)
    var out = Matrix(rows: t, cols: d * (order + 1))
    let outCols = out.cols
    for r in 0..<t {
        for (i, scale) in scales.enumerated() {
            let maxOffset = (scale.count - 1) / 2
            for j in -maxOffset...maxOffset {
                let s = scale[j + maxOffset]
                if s == 0 { continue }
                let source = min(max(r + j, 0), t - 1)
                for c in 0..<d { out.data[r * outCols + i * d + c] += s * features.data[source * d + c] }
            }
        }
    }
    return out
}
