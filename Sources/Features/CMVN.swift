// CMVN: cepstral mean and variance normalisation of feature matrices, per utterance or per speaker.
import Tensors

/// CMVN statistics (as Kaldi's compute-cmvn-stats): per column Σx and Σx² in Double and the number
/// of frames, over one utterance or over every utterance of a speaker.
public struct CMVNStatistics: Sendable, Equatable {
    public private(set) var sum: [Double]
    public private(set) var sumSquares: [Double]
    public private(set) var frames = 0

    public init(dimension: Int) {
        sum = [Double](repeating: 0, count: dimension)
        sumSquares = sum
    }

    public var dimension: Int { sum.count }

    /// Adds every frame of `features` (T × D, D = `dimension`).
    public mutating func add(_ features: Matrix) {
        precondition(features.cols == dimension, "CMVNStatistics.add: \(features.cols) columns, expected \(dimension)")
        let d = dimension
        for r in 0..<features.rows {
            for c in 0..<d {
                let x = Double(features.data[r * d + c])
                sum[c] += x
                sumSquares[c] += x * x
            }
        }
        frames += features.rows
    }

    /// Normalises `features` in place with these statistics (as Kaldi's apply-cmvn): every column
    /// minus its mean (`mean`), then divided by its standard deviation (`meanvar`; population
    /// variance, floored at 1e-10 as Kaldi floors variances, so constant columns stay 0).
    public func normalise(_ features: inout Matrix, mode: CMVNMode) {
        guard mode != .none, frames > 0 else { return }
        precondition(features.cols == dimension, "CMVNStatistics.normalise: \(features.cols) columns, expected \(dimension)")
        let d = dimension, n = Double(frames)
        var shift = [Float](repeating: 0, count: d), scale = [Float](repeating: 1, count: d)
        for c in 0..<d {
            let mean = sum[c] / n
            shift[c] = Float(mean)
            if mode == .meanvar {
                let variance = max(sumSquares[c] / n - mean * mean, 1e-10)
                scale[c] = Float(1 / variance.squareRoot())
            }
        }
        for r in 0..<features.rows {
            for c in 0..<d { features.data[r * d + c] = (features.data[r * d + c] - shift[c]) * scale[c] }
        }
    }
}

/// Per-utterance CMVN (as Kaldi's apply-cmvn with per-utterance statistics): `features` (T × D)
/// normalised in place by `CMVNStatistics` of its own frames.
public func applyCMVN(_ features: inout Matrix, mode: CMVNMode) {
    guard mode != .none, features.rows > 0 else { return }
    var statistics = CMVNStatistics(dimension: features.cols)
    statistics.add(features)
    statistics.normalise(&features, mode: mode)
}

/// Per-speaker CMVN (Kaldi's compute-cmvn-stats --spk2utt then apply-cmvn --utt2spk): every
/// utterance normalised by the statistics of all frames of its speaker's utterances, so that a
/// voice's average spectrum and spread are removed while the differences between its utterances
/// stay. `speakerOf` maps each key to its speaker; a key it does not name is its own speaker
/// (per-utterance CMVN). A speaker's dimension is that of its first utterance: an utterance with
/// another is removed from `utterances` (out of the statistics and the output) and returned as an
/// error naming it, its dimension and the one expected; the rest are normalised.
public func applySpeakerCMVN(_ utterances: inout [(key: String, features: Matrix)], speakerOf: [String: String],
                             mode: CMVNMode, file: String = "features") -> [InputError] {
    guard mode != .none else { return [] }
    var statistics: [String: CMVNStatistics] = [:]
    var firstKey: [String: String] = [:]
    var rejected: [InputError] = []
    var kept: [(key: String, features: Matrix)] = []
    kept.reserveCapacity(utterances.count)
    for u in utterances {
        let speaker = speakerOf[u.key] ?? "utterance " + u.key
        var s = statistics[speaker] ?? CMVNStatistics(dimension: u.features.cols)
        guard s.dimension == u.features.cols else {
            rejected.append(InputError(file: file, place: u.key,
                                       "\(u.features.cols) dimensions, but \(firstKey[speaker] ?? "") of the same speaker has \(s.dimension); left out"))
            continue
        }
        s.add(u.features)
        statistics[speaker] = s
        if firstKey[speaker] == nil { firstKey[speaker] = u.key }
        kept.append(u)
    }
    utterances = kept
    for i in utterances.indices {
        let speaker = speakerOf[utterances[i].key] ?? "utterance " + utterances[i].key
        statistics[speaker]!.normalise(&utterances[i].features, mode: mode)
    }
    return rejected
}
