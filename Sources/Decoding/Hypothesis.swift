// Hypothesis: one decoded label sequence with its score and per-token timing and confidence.

/// One decoding result: a label sequence, its score, and for each token its frames and confidence.
///
/// Frames are 0-based rows of the T × K log-probability matrix. For best path the frames of a
/// token are exactly the run of frames whose argmax is that token; for prefix beam search the
/// start is the frame where the search first emitted the token and the end the last frame at
/// which the token (rather than a following blank) was the more probable continuation
/// (see `PrefixBeamSearch`). `confidences[i]` is the **mean posterior** exp(log p) of token i
/// over its frames `tokenStartFrames[i]...tokenEndFrames[i]`.
public struct Hypothesis: Sendable, Equatable {
    /// Token indices into the alphabet (no blanks).
    public var tokens: [Int]
    /// The tokens as alphabet strings.
    public var text: [String]
    /// The ranking score: `acousticScore + lmWeight · lmScore + wordBonus · wordCount` (natural log).
    public var score: Float
    /// Best path: the log-probability of the best path. Beam search: log p(tokens | x), the sum over
    /// all CTC alignments of the tokens (exact when nothing was pruned).
    public var acousticScore: Float
    /// Natural-log language-model probability of the tokens (0 without a language model).
    public var lmScore: Float
    /// Number of language-model units scored (words or tokens; 0 without a language model).
    public var wordCount: Int
    public var tokenStartFrames: [Int]
    public var tokenEndFrames: [Int]
    /// Mean posterior of each token over its frames, in [0, 1].
    public var confidences: [Float]

    public init(tokens: [Int], text: [String], score: Float, acousticScore: Float, lmScore: Float = 0,
                wordCount: Int = 0, tokenStartFrames: [Int], tokenEndFrames: [Int], confidences: [Float]) {
        self.tokens = tokens
        self.text = text
        self.score = score
        self.acousticScore = acousticScore
        self.lmScore = lmScore
        self.wordCount = wordCount
        self.tokenStartFrames = tokenStartFrames
        self.tokenEndFrames = tokenEndFrames
        self.confidences = confidences
    }
}

extension Hypothesis {
    /// The tokens as CTM lines (NIST `ctm` format, as Kaldi's `nbest-to-ctm` writes it):
    /// `UTTERANCE CHANNEL START DURATION TOKEN CONFIDENCE`, one per token, times in seconds
    /// (frame · `frameShift`; a token lasts from its start frame to the end of its end frame),
    /// times with 3 decimals and confidences with 4.
    public func ctm(utterance: String, frameShift: Double, channel: String = "1") -> String {
        var out = ""
        for i in tokens.indices {
            let start = Double(tokenStartFrames[i]) * frameShift
            let duration = Double(tokenEndFrames[i] - tokenStartFrames[i] + 1) * frameShift
            out += Hypothesis.ctmLine(utterance: utterance, channel: channel, start: start, duration: duration,
                                      token: text[i], confidence: confidences[i])
        }
        return out
    }

    /// One CTM line with its newline: `UTTERANCE CHANNEL START DURATION TOKEN CONFIDENCE`, the
    /// times with 3 decimals and the confidence with 4, as printf's `%.3f` and `%.4f` write them
    /// (`fixedPoint`).
    public static func ctmLine(utterance: String, channel: String = "1", start: Double, duration: Double,
                               token: String, confidence: Float) -> String {
        utterance + " " + channel + " " + fixedPoint(start, places: 3) + " " + fixedPoint(duration, places: 3) + " "
            + token + " " + fixedPoint(Double(confidence), places: 4) + "\n"
    }
}
