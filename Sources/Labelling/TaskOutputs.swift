// TaskOutputs: what a sequence, framewise or predict model says about one utterance, as hypotheses or frames.
import Decoding
import Foundation
import Formats
import Tensors

/// Reading the network's outputs the way each `TrainingTask` defines them (Graves 2012 ch. 2):
/// the class of a whole sequence, the class of every frame, or the predicted next frames.
public enum TaskOutputs {
    /// Log-probabilities over the classes for a whole sequence from its logits (T × K): the last
    /// frame's log-softmax (unidirectional network), or the log-softmax of the mean logit vector
    /// (bidirectional; see `TrainingTask`).
    public static func sequenceLogProbabilities(logits z: Matrix, bidirectional: Bool) -> [Double] {
        let K = z.cols, T = z.rows
        guard T > 0 else { return [Double](repeating: -Double(K).squareRoot(), count: K) }
        var m = [Double](repeating: 0, count: K)
        if bidirectional {
            for t in 0..<T { for k in 0..<K { m[k] += Double(z[t, k]) } }
            for k in 0..<K { m[k] /= Double(T) }
        } else {
            for k in 0..<K { m[k] = Double(z[T - 1, k]) }
        }
        let top = m.max()!
        let lse = top + log(m.reduce(0) { $0 + exp($1 - top) })
        return m.map { $0 - lse }
    }

    /// The best real label (index ≥ 1: the blank is never a target) of a score vector.
    public static func bestLabel<S: BinaryFloatingPoint>(_ scores: some Collection<S>) -> Int {
        var best = 1, bestScore = -S.infinity
        for (k, s) in scores.enumerated() where k >= 1 && s > bestScore { best = k; bestScore = s }
        return best
    }

    /// A sequence model's answer for one utterance: one token spanning every frame, with its
    /// posterior as the confidence and score.
    public static func sequenceHypothesis(logits: Matrix, bidirectional: Bool, alphabet: Alphabet) -> Hypothesis {
        let lp = sequenceLogProbabilities(logits: logits, bidirectional: bidirectional)
        let k = bestLabel(lp)
        return Hypothesis(tokens: [k], text: [alphabet.symbols[k]], score: Float(lp[k]), acousticScore: Float(lp[k]),
                          tokenStartFrames: [0], tokenEndFrames: [max(logits.rows - 1, 0)], confidences: [Float(exp(lp[k]))])
    }

    /// A framewise model's answer: the best real label of every frame, one token per frame (its
    /// posterior the confidence; the score is the sum of the chosen log-probabilities).
    public static func framewiseHypothesis(logProbabilities lp: Matrix, alphabet: Alphabet) -> Hypothesis {
        var tokens: [Int] = [], confidences: [Float] = [], score: Float = 0
        for t in 0..<lp.rows {
            let row = lp.data[(t * lp.cols)..<((t + 1) * lp.cols)]
            let k = bestLabel(row)
            tokens.append(k)
            confidences.append(exp(row[row.startIndex + k]))
            score += row[row.startIndex + k]
        }
        return Hypothesis(tokens: tokens, text: tokens.map { alphabet.symbols[$0] }, score: score, acousticScore: score,
                          tokenStartFrames: Array(0..<lp.rows), tokenEndFrames: Array(0..<lp.rows), confidences: confidences)
    }
}

extension Labeller {
    /// The hypothesis of a `sequence` or `framewise` model for one utterance's features (checked
    /// like `decode`); CTC models go through `decode`.
    public func classify(_ features: Matrix, key: String, file: String) throws -> Hypothesis {
        try check(features, key: key, file: file)
        switch model.task {
        case .sequence:
            return TaskOutputs.sequenceHypothesis(logits: model.network.logits([features])[0],
                                                  bidirectional: model.network.configuration.bidirectional, alphabet: model.alphabet)
        case .framewise:
            return TaskOutputs.framewiseHypothesis(logProbabilities: logProbabilities(features), alphabet: model.alphabet)
        case .ctc, .predict:
            throw InputError(file: file, place: key, "a \(model.task.rawValue) model does not classify utterances")
        }
    }

    /// The hypotheses for one utterance as the model's task defines them: decoding for ctc, one
    /// label for sequence, one label per frame for framewise. A predict model has no labels:
    /// use `predictions`.
    public func labels(_ features: Matrix, key: String, file: String) throws -> [Hypothesis] {
        switch model.task {
        case .ctc: return try decode(features, key: key, file: file)
        case .sequence, .framewise: return [try classify(features, key: key, file: file)]
        case .predict:
            throw InputError(file: file, place: key, "a predict model outputs frames, not labels")
        }
    }

    /// A predict model's outputs for one utterance: row t is its prediction of frame t + 1 (T × D).
    public func predictions(_ features: Matrix, key: String, file: String) throws -> Matrix {
        try check(features, key: key, file: file)
        return model.network.logits([features])[0]
    }
}
