// FusionScorer: the language-model and lexicon part of a prefix's score (shallow fusion).

/// Language-model and lexicon state carried by each prefix of the beam search.
struct PrefixLMState: Sendable {
    /// State of the n-gram model (`NGramModel` state id; 0 without a model).
    var lmState: Int32
    /// Natural-log LM probability of the units completed so far.
    var lmScore: Float
    /// Units (words or tokens) completed so far.
    var units: Int32
    /// Node of the partial word in the word trie (0: no partial word; −1: a partial word not in the trie).
    var wordNode: Int32
}

/// Shallow fusion (Gulcehre et al. 2015; Hannun et al. 2014 eq. 1): the ranking score of a prefix is
/// log p_ctc + α · log p_lm + β · |units|. Applies the lexicon constraint (a prefix may only spell
/// words of the lexicon trie) and scores LM units at `.token` or `.word` level.
struct FusionScorer: Sendable {
    let model: NGramModel?
    let level: LanguageModelLevel
    /// Token that separates spelled words (nil: each token is a word).
    let boundary: Int?
    /// Trie of spelled words (lexicon, or the LM vocabulary for word-level lookups).
    let trie: WordTrie?
    /// True when output must consist of words of `trie` (spelled) or of `allowedToken` (word tokens).
    let constrained: Bool
    /// LM word id of each token (token level and word-token mode).
    let tokenWord: [Int32]
    /// Word-token mode with a lexicon: which tokens are words of the lexicon.
    let allowedToken: [Bool]?
    /// Lexicon words that can never be output: not spelled by the alphabet (spelled words), or
    /// not a token of it (word-token mode).
    let unspellable: [String]

    init(alphabet: [String], blank: Int, boundary: Int?, level: LanguageModelLevel,
         model: NGramModel?, lexicon: [String]?) {
        self.model = model
        self.level = level
        self.boundary = boundary
        tokenWord = alphabet.map { s in
            guard let model else { return -1 }
            let unit = s.allSatisfy(\.isWhitespace) && !s.isEmpty ? "<space>" : s
            return model.wordID(unit)
        }
        if let boundary {
            if let lexicon {
                trie = WordTrie(words: lexicon, alphabet: alphabet, blank: blank, boundary: boundary, languageModel: model)
            } else if let model, level == .word {
                trie = WordTrie(words: model.words.filter { $0 != "<s>" && $0 != "</s>" && $0 != "<unk>" },
                                alphabet: alphabet, blank: blank, boundary: boundary, languageModel: model)
            } else {
                trie = nil
            }
            allowedToken = nil
            unspellable = trie?.unspellable ?? []
        } else {
            trie = nil
            if let lexicon {
                let words = Set(lexicon)
                allowedToken = alphabet.enumerated().map { $0.offset != blank && words.contains($0.element) }
                let tokens = Set(alphabet.enumerated().filter { $0.offset != blank }.map(\.element))
                unspellable = lexicon.filter { !tokens.contains($0) }
            } else {
                allowedToken = nil
                unspellable = []
            }
        }
        constrained = lexicon != nil
    }

    /// The LM id used for words the model does not know (`<unk>`, or −1).
    var unknownWord: Int32 { model?.unknownWord ?? -1 }

    /// The LM id of the word spelled by trie node `node` when a boundary or the end completes it.
    /// A spelling that is only the start of a vocabulary word (no word ends at its node), or not in
    /// the trie at all, is an unknown word: `<unk>`, scored with the history's back-off like any other.
    @inline(__always)
    private func completedWord(node: Int) -> Int32 {
        guard node > 0, let trie, trie.isWord[node], trie.lmWord[node] >= 0 else { return unknownWord }
        return trie.lmWord[node]
    }

    /// The state of the empty prefix.
    var initial: PrefixLMState {
        PrefixLMState(lmState: model?.beginState ?? 0, lmScore: 0, units: 0, wordNode: 0)
    }

    /// Adds one LM unit `word` (an LM word id, −1 unknown) to `s`.
    @inline(__always)
    private func addUnit(_ s: inout PrefixLMState, word: Int32) {
        if let model {
            let (p, next) = model.score(state: s.lmState, word: word)
            s.lmScore += p
            s.lmState = next
        }
        s.units += 1
    }

    /// The state after appending `token`, or nil when the lexicon forbids it.
    @inline(__always)
    func extend(_ state: PrefixLMState, token: Int) -> PrefixLMState? {
        var s = state
        guard let boundary else {
            // Word-token mode: every token is a word.
            if let allowedToken, !allowedToken[token] { return nil }
            addUnit(&s, word: tokenWord[token])
            return s
        }
        if token == boundary {
            if s.wordNode != 0 {
                let node = Int(s.wordNode)
                if constrained && (node < 0 || !(trie?.isWord[node] ?? false)) { return nil }
                if level == .word { addUnit(&s, word: completedWord(node: node)) }
                s.wordNode = 0
            }
        } else if s.wordNode >= 0, let trie {
            let next = trie.child(s.wordNode, Int32(token))
            if next < 0 && constrained { return nil }
            s.wordNode = next
        } else {
            s.wordNode = -1
        }
        if level == .token { addUnit(&s, word: tokenWord[token]) }
        return s
    }

    /// The state of a finished hypothesis: its pending word scored and the sentence end added;
    /// nil when the lexicon rejects the pending partial word.
    func finish(_ state: PrefixLMState) -> PrefixLMState? {
        var s = state
        if boundary != nil && s.wordNode != 0 {
            let node = Int(s.wordNode)
            if constrained && (node < 0 || !(trie?.isWord[node] ?? false)) { return nil }
            if level == .word { addUnit(&s, word: completedWord(node: node)) }
            s.wordNode = 0
        }
        if let model { s.lmScore += model.endScore(state: s.lmState) }
        return s
    }
}
