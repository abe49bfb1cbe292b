// LanguageModelCoverage: which of the units a decoder can output its language model knows.

/// What shallow fusion can look up: the units a decoder outputs against the words of its n-gram
/// model. A unit outside the model's vocabulary scores as `<unk>`, so a model sharing no units
/// with the alphabet (a word LM read per token, an English LM for a digit model) scores every
/// hypothesis alike and only costs time.
public struct LanguageModelCoverage: Sendable, Equatable {
    public enum Units: Sendable, Equatable {
        /// Each token is looked up (`.token` level; a whitespace token as `<space>`).
        case tokens
        /// Each token is a word (`.word` level without a word boundary: the model's tokens are words).
        case wordTokens
        /// Words are spelled in tokens between boundaries: the LM's words are checked against the alphabet.
        case spelledWords
    }
    public let units: Units
    /// `.tokens`, `.wordTokens`: the alphabet's tokens (blank excluded) the LM knows;
    /// `.spelledWords`: the LM's words the alphabet spells.
    public let known: [String]
    /// The rest: tokens the LM does not know, or LM words the alphabet cannot spell.
    public let missing: [String]
    /// The LM's words in file order, without `<s>`, `</s>` and `<unk>`.
    public let vocabulary: [String]

    /// True when every word of the LM is one character or `<space>`: a character LM
    /// (`NGramBuilder --unit char`), which as a word LM knows only one-character words.
    public var characterVocabulary: Bool {
        !vocabulary.isEmpty && vocabulary.allSatisfy { $0 == "<space>" || $0.count == 1 }
    }

    init(scorer: FusionScorer, alphabet: [String], blank: Int, model: NGramModel) {
        vocabulary = model.words.filter { $0 != "<s>" && $0 != "</s>" && $0 != "<unk>" }
        if let boundary = scorer.boundary, scorer.level == .word {
            units = .spelledWords
            // Without a lexicon the scorer's trie is the one of the LM's words.
            let unspellable = scorer.constrained || scorer.trie == nil
                ? WordTrie(words: vocabulary, alphabet: alphabet, blank: blank, boundary: boundary).unspellable
                : scorer.trie!.unspellable
            let missingSet = Set(unspellable)
            known = vocabulary.filter { !missingSet.contains($0) }
            missing = unspellable
        } else {
            units = scorer.level == .token ? .tokens : .wordTokens
            let tokens = alphabet.indices.filter { $0 != blank }
            let isKnown = { (i: Int) in scorer.tokenWord[i] >= 0 && scorer.tokenWord[i] != model.unknownWord }
            known = tokens.filter(isKnown).map { alphabet[$0] }
            missing = tokens.filter { !isKnown($0) }.map { alphabet[$0] }
        }
    }
}

extension CTCDecoder {
    /// How the language model's vocabulary meets the units this decoder outputs; nil without a model.
    public var languageModelCoverage: LanguageModelCoverage? {
        languageModel.map { LanguageModelCoverage(scorer: scorer, alphabet: alphabet, blank: blank, model: $0) }
    }
}
