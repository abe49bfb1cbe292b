// Forced alignment: where each token of a known transcript lies in an utterance (CTC Viterbi).
import Formats
import Foundation
import Networks
import Tensors

/// One token of a transcript with the frames it occupies on the best CTC path.
public struct AlignedToken: Sendable, Equatable {
    public var token: String
    /// First and last frame (inclusive, 0-based).
    public var startFrame: Int
    public var endFrame: Int
    /// Mean posterior exp(ln yₜ(token)) over the token's frames.
    public var confidence: Double
}

extension Labeller {
    /// Aligns `tokens` (the model's units) to `features` with CTC Viterbi alignment
    /// (`ctcForcedAlignment`). A token outside the alphabet, or a transcript that needs more
    /// frames than the utterance has, is an error naming the file and utterance.
    public func align(_ features: Matrix, tokens: [String], key: String, file: String, textFile: String) throws -> [AlignedToken] {
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
        return alignment.spans.map { span in
            var sum = 0.0
            for t in span.start...span.end { sum += exp(Double(lp[t, span.label])) }
            return AlignedToken(token: model.alphabet.symbols[span.label], startFrame: span.start, endFrame: span.end,
                                confidence: sum / Double(span.end - span.start + 1))
        }
    }
}
