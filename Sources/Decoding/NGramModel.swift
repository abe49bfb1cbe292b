// NGramModel: a back-off n-gram language model read from an ARPA file, scored through integer states.
import Foundation
import Tensors

/// A back-off n-gram model in the ARPA format that SRILM and KenLM write (Katz 1987 back-off;
/// SRILM `ngram-format(5)`):
///
///     \data\
///     ngram 1=NUM … ngram N=NUM
///     \1-grams:
///     log10p  w  [log10backoff]
///     …
///     \N-grams:
///     log10p  w1 … wN
///     \end\
///
/// p(w | h) = p_file(h w) when the n-gram is listed, else bo(h) · p(w | h′) with h′ = h minus its
/// first word (bo = 1 for contexts not listed). Scores are returned as **natural** logs.
///
/// A state is the id of the longest suffix (at most N − 1 words) of the history that is listed,
/// so scoring needs no strings: `score(state:word:)` walks suffix links and returns the next state.
public final class NGramModel: Sendable {
    public let order: Int
    /// The vocabulary: words of the unigram section, in file order (word ids index it).
    public let words: [String]
    private let wordIndex: [String: Int32]
    // Trie of listed n-grams; node 0 is the empty context. Per node:
    private let logProb: [Float]      // natural log p of the n-gram
    private let backoff: [Float]      // natural log back-off weight (0 when absent)
    private let length: [Int32]       // number of words
    private let suffix: [Int32]       // longest proper suffix that is listed
    private let children: IntTable    // (node, word) → node
    /// Natural-log probability of a word the model does not know (`<unk>` unigram, else log10 −100).
    public let unknownLogProb: Float
    /// The state after the sentence start `<s>` (the empty context if `<s>` is not listed).
    public let beginState: Int32
    /// Word ids of `</s>` and `<unk>` (−1 when absent).
    public let endWord: Int32
    public let unknownWord: Int32

    /// Reads an ARPA file (`-` is not accepted: models are files).
    public convenience init(path: String) throws {
        try self.init(arpaBytes: [UInt8](try readWholeFile(path)), file: path)
    }

    /// Parses ARPA text; `file` names it in errors.
    public convenience init(arpa text: String, file: String) throws {
        try self.init(arpaBytes: Array(text.utf8), file: file)
    }

    /// Parses ARPA text given as UTF-8 bytes (lines and fields are split on bytes; only words and
    /// header lines become strings); `file` names it in errors.
    public init(arpaBytes bytes: [UInt8], file: String) throws {
        var counts: [Int] = []
        var words: [String] = [], wordIndex: [String: Int32] = [:]
        var logProb: [Float] = [0], backoff: [Float] = [0], length: [Int32] = [0]
        var children = IntTable()
        var section = -1            // -1 before \data\, 0 in \data\, n in \n-grams:, -2 after \end\
        var seenInSection = 0
        var lineNumber = 0
        func fail(_ message: String) -> InputError { InputError(file: file, place: "line \(lineNumber)", message) }
        func closeSection() throws {
            if section > 0 && seenInSection != counts[section - 1] {
                throw fail("\\\(section)-grams: section has \(seenInSection) entries, \\data\\ declared \(counts[section - 1])")
            }
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C }
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        /// A float from bytes[range] (Swift's locale-independent parser; short fields are small strings).
        func parseFloat(_ range: Range<Int>) -> Float? { range.count < 64 ? Float(text(range)) : nil }
        var fieldRanges: [Range<Int>] = []
        var lineStart = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0   // a UTF-8 byte order mark is no text
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            lineNumber += 1
            var a = lineStart, b = lineEnd
            while a < b && isSpace(bytes[a]) { a += 1 }
            while b > a && isSpace(bytes[b - 1]) { b -= 1 }
            if a == b { continue }
            if section == -2 { break }
            if section > 0 && bytes[a] != 0x5C {
                // An n-gram line of the current section: log10p w1 … wn [log10backoff].
                fieldRanges.removeAll(keepingCapacity: true)
                var i = a
                while i < b {
                    while i < b && isSpace(bytes[i]) { i += 1 }
                    let start = i
                    while i < b && !isSpace(bytes[i]) { i += 1 }
                    if i > start { fieldRanges.append(start..<i) }
                }
                let n = section
                guard fieldRanges.count == n + 1 || fieldRanges.count == n + 2 else {
                    throw fail("a \(n)-gram line needs a log10 probability, \(n) words and an optional back-off; found \(fieldRanges.count) fields")
                }
                guard let p = parseFloat(fieldRanges[0]), !p.isNaN, p <= 0 else {
                    throw fail("expected a log10 probability ≤ 0, found \(InputError.quoted(text(fieldRanges[0]), limit: 20))")
                }
                var bo: Float = 0
                if fieldRanges.count == n + 2 {
                    guard let value = parseFloat(fieldRanges[n + 1]), value.isFinite else {
                        throw fail("expected a log10 back-off weight, found \(InputError.quoted(text(fieldRanges[n + 1]), limit: 20))")
                    }
                    bo = value
                }
                seenInSection += 1
                guard seenInSection <= counts[n - 1] else {
                    throw fail("more \(n)-grams than the \(counts[n - 1]) declared in \\data\\")
                }
                var node: Int32 = 0
                for i in 1...n {
                    let w = text(fieldRanges[i])
                    var id: Int32
                    if let known = wordIndex[w] {
                        id = known
                    } else if n == 1 {
                        id = Int32(words.count)
                        words.append(w)
                        wordIndex[w] = id
                    } else {
                        throw fail("word '\(InputError.quoted(w, limit: 40))' of a \(n)-gram is not in the 1-grams")
                    }
                    let key = pairKey(node, id)
                    let child = children.get(key)
                    if i < n {
                        guard child >= 0 else {
                            let context = fieldRanges[1...(n - 1)].map(text).joined(separator: " ")
                            throw fail("the context of this \(n)-gram ('\(InputError.quoted(context, limit: 60))') is not listed as a \(n - 1)-gram")
                        }
                        node = child
                    } else {
                        guard child < 0 else { throw fail("\(n)-gram listed twice") }
                        let new = Int32(logProb.count)
                        children.set(key, new)
                        logProb.append(p.isFinite ? p * ln10 : -.infinity)
                        backoff.append(bo * ln10)
                        length.append(Int32(n))
                        node = new
                    }
                }
                continue
            }
            let line = text(a..<b)
            if line == "\\data\\" {
                guard section == -1 else { throw fail("a second \\data\\ header") }
                section = 0
                continue
            }
            if section == -1 { continue }   // text before \data\ is free-form
            if line == "\\end\\" {
                try closeSection()
                guard section == counts.count else {
                    throw fail("\\end\\ after the \(section)-grams, but \\data\\ declared \(counts.count) orders")
                }
                section = -2
                continue
            }
            if line.hasPrefix("\\") {
                guard line.hasSuffix("-grams:"), let n = Int(line.dropFirst().dropLast(7)) else {
                    throw fail("expected a section header like \\2-grams: or \\end\\, found \(InputError.quoted(line, limit: 40))")
                }
                try closeSection()
                guard n == section + 1, n <= counts.count else {
                    throw fail("section \\\(n)-grams: out of order (expected \\\(section + 1)-grams: of \(counts.count) declared)")
                }
                section = n
                seenInSection = 0
                continue
            }
            if section == 0 {
                // ngram N=COUNT
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "=" })
                guard parts.count == 3, parts[0] == "ngram", let n = Int(parts[1]), let c = Int(parts[2]),
                      n == counts.count + 1, c >= 0 else {
                    throw fail("expected 'ngram \(counts.count + 1)=COUNT' in \\data\\, found \(InputError.quoted(line, limit: 40))")
                }
                counts.append(c)
                continue
            }
            throw fail("expected an n-gram line or a section header, found \(InputError.quoted(line, limit: 40))")
        }
        if section == -1 { throw InputError(file: file, "no \\data\\ header: not an ARPA language model") }
        if section != -2 { throw InputError(file: file, place: "line \(lineNumber)", "missing \\end\\ (file truncated?)") }
        guard !counts.isEmpty, counts[0] > 0 else { throw InputError(file: file, "the model declares no 1-grams") }

        // Suffix links, in order of length (nodes were added section by section).
        var parent = [Int32](repeating: 0, count: logProb.count), word = [Int32](repeating: -1, count: logProb.count)
        for (i, k) in children.keys.enumerated() where k != IntTable.emptyKey {
            let child = Int(children.values[i])
            parent[child] = Int32(truncatingIfNeeded: k >> 32)
            word[child] = Int32(truncatingIfNeeded: k & 0xFFFF_FFFF)
        }
        let byLength = (1..<logProb.count).sorted { length[$0] != length[$1] ? length[$0] < length[$1] : $0 < $1 }
        var suffix = [Int32](repeating: 0, count: logProb.count)
        for node in byLength where length[node] > 1 {
            var q = suffix[Int(parent[node])]
            while true {
                let x = children.get(pairKey(q, word[node]))
                if x >= 0 { suffix[node] = x; break }
                if q == 0 { suffix[node] = 0; break }
                q = suffix[Int(q)]
            }
        }
        self.order = counts.count
        self.words = words
        self.wordIndex = wordIndex
        self.logProb = logProb
        self.backoff = backoff
        self.length = length
        self.suffix = suffix
        self.children = children
        let unk = wordIndex["<unk>"] ?? -1
        self.unknownWord = unk
        self.endWord = wordIndex["</s>"] ?? -1
        self.unknownLogProb = unk >= 0 ? logProb[Int(children.get(pairKey(0, unk)))] : -100 * ln10
        let begin = wordIndex["<s>"].map { children.get(pairKey(0, $0)) } ?? -1
        self.beginState = max(begin, 0)
    }

    /// The id of `word`, `<unk>`'s id for a word not in the vocabulary, or −1 when there is no `<unk>`.
    public func wordID(_ word: String) -> Int32 { wordIndex[word] ?? unknownWord }

    /// log p(word | state) (natural log) and the state after `word` (ARPA back-off, see the type).
    /// A negative `word` is an unknown word.
    public func score(state: Int32, word: Int32) -> (logProb: Float, next: Int32) {
        if word < 0 { return (unknownLogProb, 0) }
        var acc: Float = 0
        var q = state
        while true {
            let x = children.get(pairKey(q, word))
            if x >= 0 {
                let next = length[Int(x)] >= Int32(order) ? suffix[Int(x)] : x
                return (acc + logProb[Int(x)], next)
            }
            if q == 0 { return (acc + unknownLogProb, 0) }
            acc += backoff[Int(q)]
            q = suffix[Int(q)]
        }
    }

    /// log p(</s> | state): the sentence-end term added when a hypothesis is finished.
    public func endScore(state: Int32) -> Float { score(state: state, word: endWord).logProb }

    /// Natural-log probability of a whole sentence of words, with `<s>`…`</s>` (for tests and tools).
    public func sentenceLogProb(_ sentence: [String]) -> Float {
        var state = beginState, total: Float = 0
        for w in sentence {
            let (p, next) = score(state: state, word: wordID(w))
            total += p
            state = next
        }
        return total + endScore(state: state)
    }

    /// The number of listed n-grams of each order.
    public var counts: [Int] {
        var c = [Int](repeating: 0, count: order)
        for l in length.dropFirst() { c[Int(l) - 1] += 1 }
        return c
    }
}
