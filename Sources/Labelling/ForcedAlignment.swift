// Forced alignment: where each token of a known transcript lies in an utterance (CTC Viterbi).
import Decoding
import Formats
import Foundation
import Networks
import Tensors

extension Labeller {
    /// Aligns `tokens` (the model's units) to `features` with CTC Viterbi alignment
    /// (`ctcForcedAlignment`). A token outside the alphabet, or a transcript that needs more
    /// frames than the utterance has, is an error naming the file and utterance. The result is a
    /// `Hypothesis` of the transcript: per token its frames on the best path and the mean posterior
    /// over them; `score` is that path's log-probability. `HypothesisWriter` prints it as CTM or JSON.
    public func align(_ features: Matrix, tokens: [String], key: String, file: String, textFile: String) throws -> Hypothesis {
        try check(features, key: key, file: file)
        let labels = try model.alphabet.encode(tokens, file: textFile, key: key)
        let lp = logProbabilities(features)
        let alignment: CTCAlignment
        do {
            alignment = try ctcForcedAlignment(logProbs: lp.data, frames: lp.rows, classes: lp.cols, labels: labels)
        } catch {
            if case let .infeasible(frames, required) = error {
                throw InputError(file: file, place: key, "\(tokens.count) tokens cannot fit \(frames) frames (CTC needs at least \(required))")
            }
            throw InputError(file: file, place: key, "\(error)")
        }
        let spans = alignment.spans
        let confidences = spans.map { span -> Float in
            var sum = 0.0
            for t in span.start...span.end { sum += exp(Double(lp[t, span.label])) }
            return Float(sum / Double(span.end - span.start + 1))
        }
        return Hypothesis(tokens: labels, text: model.alphabet.decode(labels), score: Float(alignment.logProbability),
                          acousticScore: Float(alignment.logProbability), tokenStartFrames: spans.map(\.start),
                          tokenEndFrames: spans.map(\.end), confidences: confidences)
    }
}
