// WordTrie: words spelled in alphabet tokens, for the lexicon constraint and word-level LM lookups.

/// A prefix trie of words spelled as alphabet token sequences (the lexicon trie of Hannun et al.
/// 2014 §3 and of flashlight's lexicon decoder).
///
/// Node 0 is the empty spelling. Each node that ends a word carries the word's language-model id
/// (−1 when the model does not know it). A word is spelled greedily by the longest alphabet token
/// that matches at each position; words that cannot be spelled are listed in `unspellable`.
public struct WordTrie: Sendable {
    private var children = IntTable()
    /// Per node: true when a word ends here.
    private(set) var isWord: [Bool] = [false]
    /// Per node: the language-model word id of the word ending here (−1: none or unknown).
    private(set) var lmWord: [Int32] = [-1]
    /// Per node: the index of the word (into the list given) ending here (−1: none).
    private(set) var wordIndex: [Int32] = [-1]
    /// Words of the list that no sequence of alphabet tokens spells.
    public private(set) var unspellable: [String] = []
    /// Number of distinct words stored.
    public private(set) var wordCount = 0

    /// Builds the trie of `words` over `alphabet`, never using `blank` or `boundary` in a spelling.
    public init(words: [String], alphabet: [String], blank: Int, boundary: Int?, languageModel: NGramModel? = nil) {
        var tokenOf: [String: Int] = [:]
        var longest = 0
        for (i, s) in alphabet.enumerated() where i != blank && i != boundary && !s.isEmpty {
            if tokenOf[s] == nil { tokenOf[s] = i }
            longest = max(longest, s.count)
        }
        for (index, word) in words.enumerated() {
            guard let spelling = WordTrie.spell(word, tokenOf: tokenOf, longest: longest), !spelling.isEmpty else {
                unspellable.append(word)
                continue
            }
            var node: Int32 = 0
            for t in spelling {
                let key = pairKey(node, Int32(t))
                var next = children.get(key)
                if next < 0 {
                    next = Int32(isWord.count)
                    children.set(key, next)
                    isWord.append(false)
                    lmWord.append(-1)
                    wordIndex.append(-1)
                }
                node = next
            }
            if !isWord[Int(node)] {
                isWord[Int(node)] = true
                wordIndex[Int(node)] = Int32(index)
                lmWord[Int(node)] = languageModel.map { $0.wordID(word) } ?? -1
                wordCount += 1
            }
        }
    }

    /// Greedy longest-match spelling of `word` in token indices, or nil.
    static func spell(_ word: String, tokenOf: [String: Int], longest: Int) -> [Int]? {
        let chars = Array(word)
        var out: [Int] = []
        var i = 0
        while i < chars.count {
            var matched = false
            for len in stride(from: min(longest, chars.count - i), through: 1, by: -1) {
                if let t = tokenOf[String(chars[i..<(i + len)])] {
                    out.append(t)
                    i += len
                    matched = true
                    break
                }
            }
            if !matched { return nil }
        }
        return out
    }

    /// The node reached from `node` by `token`, or −1.
    @inline(__always)
    func child(_ node: Int32, _ token: Int32) -> Int32 { children.get(pairKey(node, token)) }
}
