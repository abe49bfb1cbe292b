// BeamSearchOptions: the documented settings of CTC prefix beam search and shallow LM fusion.

/// Settings of `CTCDecoder`'s prefix beam search; every field has a documented default.
public struct BeamSearchOptions: Sendable, Equatable {
    /// Prefixes kept after each frame.
    public var beamWidth: Int = 16
    /// Hypotheses returned (at most `beamWidth`).
    public var nBest: Int = 1
    /// Token pruning: in a frame, non-blank tokens with log p below this are not tried as
    /// extensions (the frame's most probable non-blank token always is). nil = off (exact search).
    /// Default −5 (pyctcdecode's `token_min_logp`): at most 1/e⁵ ≈ 0.7 % of the frame's mass per token.
    public var tokenMinLogProb: Float? = -5
    /// Beam pruning: candidates scoring more than this below the frame's best are dropped.
    /// nil = off. Default 10 (pyctcdecode's `beam_prune_logp` of −10).
    public var beamPruneLogProb: Float? = 10
    /// Weight of the natural-log language-model score in the ranking score (shallow fusion).
    public var lmWeight: Float = 0.5
    /// Added to the ranking score for each language-model unit (word, or token at `.token` level).
    public var wordBonus: Float = 0
    /// The token that separates words (e.g. the index of " "); nil: every token is a word.
    public var wordBoundary: Int? = nil
    /// What the language model scores: each token, or each word.
    public var lmLevel: LanguageModelLevel = .word

    public init(beamWidth: Int = 16, nBest: Int = 1, tokenMinLogProb: Float? = -5, beamPruneLogProb: Float? = 10,
                lmWeight: Float = 0.5, wordBonus: Float = 0, wordBoundary: Int? = nil,
                lmLevel: LanguageModelLevel = .word) {
        self.beamWidth = beamWidth
        self.nBest = nBest
        self.tokenMinLogProb = tokenMinLogProb
        self.beamPruneLogProb = beamPruneLogProb
        self.lmWeight = lmWeight
        self.wordBonus = wordBonus
        self.wordBoundary = wordBoundary
        self.lmLevel = lmLevel
    }

    /// No pruning besides the beam itself: with a beam at least as wide as the number of distinct
    /// prefixes, the search is exact.
    public static func exact(beamWidth: Int, nBest: Int = 1) -> BeamSearchOptions {
        BeamSearchOptions(beamWidth: beamWidth, nBest: nBest, tokenMinLogProb: nil, beamPruneLogProb: nil)
    }
}

/// The unit a language model scores during shallow fusion.
public enum LanguageModelLevel: Sendable, Equatable {
    /// Every token is an LM word (a character LM). A whitespace-only token is looked up as `<space>`.
    case token
    /// Words: runs of tokens between `wordBoundary` tokens, scored when the boundary (or the end)
    /// completes them; without a boundary every token is one word (word-token mode).
    case word
}
