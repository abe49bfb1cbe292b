// WordSpans: the words of a character-level hypothesis (runs of tokens between spaces) with their frames and confidence.

/// One word of a hypothesis: its text, its first and last frame, and its confidence.
public struct WordSpan: Sendable, Equatable {
    public var word: String
    /// First frame of its first token and last frame of its last token.
    public var startFrame: Int
    public var endFrame: Int
    /// The mean posterior over the word's token frames: Σ cᵢ·nᵢ / Σ nᵢ over its tokens, where
    /// cᵢ is token i's confidence (its mean posterior) and nᵢ its number of frames — the same
    /// definition as a token's confidence, taken over all the frames of the word's tokens.
    public var confidence: Float
    /// Indices of its tokens in the hypothesis.
    public var tokens: Range<Int>

    public init(word: String, startFrame: Int, endFrame: Int, confidence: Float, tokens: Range<Int>) {
        self.word = word
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.confidence = confidence
        self.tokens = tokens
    }
}

extension Hypothesis {
    /// The words of a character-level hypothesis: maximal runs of tokens other than `separator`
    /// (a space by default), in order, each with the frames from its first token's start to its
    /// last token's end (the frames of the spaces between words belong to no word). For a model
    /// whose tokens are words, call it with `separator: nil`: every token is then a word.
    public func words(separator: String? = " ") -> [WordSpan] {
        var out: [WordSpan] = []
        var start: Int?
        func close(_ end: Int) {
            guard let s = start else { return }
            var weighted: Float = 0, frames = 0
            for i in s..<end {
                let n = tokenEndFrames[i] - tokenStartFrames[i] + 1
                weighted += confidences[i] * Float(n)
                frames += n
            }
            out.append(WordSpan(word: text[s..<end].joined(), startFrame: tokenStartFrames[s], endFrame: tokenEndFrames[end - 1],
                                confidence: frames > 0 ? weighted / Float(frames) : 0, tokens: s..<end))
            start = nil
        }
        for i in tokens.indices {
            if let separator, text[i] == separator {
                close(i)
            } else {
                if separator == nil { close(i) }
                if start == nil { start = i }
            }
        }
        close(tokens.count)
        return out
    }
}
