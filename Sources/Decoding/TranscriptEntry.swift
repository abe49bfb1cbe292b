// TranscriptEntry: one keyed transcript (utterance key and labels), the input of scoring.

/// One utterance's transcript: its key, its whitespace-separated labels, and where it came from
/// (the 1-based line of a Kaldi `text` file, or 0). Formats' `KaldiText` reads these files.
public struct TranscriptEntry: Sendable, Equatable {
    public var key: String
    public var tokens: [String]
    public var line: Int

    public init(key: String, tokens: [String], line: Int = 0) {
        self.key = key
        self.tokens = tokens
        self.line = line
    }
}
