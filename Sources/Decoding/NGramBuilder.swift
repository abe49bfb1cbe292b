// NGramBuilder: estimates an interpolated modified Kneser-Ney n-gram model from text and writes ARPA.
import Foundation

/// What an n-gram model counts: whitespace-separated words, or characters (whitespace runs → `<space>`).
public enum NGramUnit: String, Sendable, CaseIterable {
    case word, char
}

/// Builds an n-gram model with **interpolated modified Kneser-Ney** smoothing (Chen & Goodman 1998,
/// "An empirical study of smoothing techniques for language modeling", §3.5 and eq. 26; adjusted
/// counts as in KenLM's lmplz, Heafield et al. 2013), and writes it as ARPA.
///
/// Each line is a sentence padded as `<s> … </s>`; empty lines are skipped. Counts:
/// - order N (highest): raw counts c(g);
/// - order n < N: continuation counts N1+(• g), the number of distinct words seen before g —
///   except n-grams starting with `<s>`, which keep raw counts (nothing precedes `<s>`).
/// Discounts per order from the counts-of-counts n_k of those adjusted counts:
/// Y = n1/(n1 + 2n2), D1 = 1 − 2Y·n2/n1, D2 = 2 − 3Y·n3/n2, D3+ = 3 − 4Y·n4/n3; when some n_k
/// (k = 1…4) is 0 or a D_k falls outside [0, k] (tiny corpora) the order uses `fallbackDiscounts`
/// (KenLM's `--discount_fallback` defaults 0.5, 1, 1.5). Then, with a(w|h) = (c(hw) − D(c(hw)))/Σ_x c(hx)
/// and γ(h) = (D1·N1(h•) + D2·N2(h•) + D3+·N3+(h•))/Σ_x c(hx):
///
///     p(w | h) = a(w | h) + γ(h) · p(w | h′)      (h′ = h without its first word)
///     p(w)     = a(w) + γ(∅) / |V|               (V: every word but <s>, plus </s> and <unk>)
///
/// so p(· | h) sums to 1 over V for every context. ARPA gets log10 p for every seen n-gram and
/// log10 γ(h) as the back-off of every n-gram that is a context; `<s>` gets log10 p = −99.
public struct NGramBuilder: Sendable {
    public let order: Int
    public let unit: NGramUnit
    /// Discounts (D1, D2, D3+) used for an order whose counts-of-counts cannot give valid ones.
    public var fallbackDiscounts: [Double] = [0.5, 1.0, 1.5]
    private var vocabulary: [String] = ["<s>", "</s>", "<unk>"]
    private var wordIndex: [String: Int32] = ["<s>": 0, "</s>": 1, "<unk>": 2]
    /// Raw counts of every n-gram (n = 1…order) in the padded sentences, per order (index n − 1).
    private var grams: [GramTable]
    public private(set) var sentenceCount = 0

    /// The n-grams of one order seen in the text, as a trie level: an n-gram is its (n − 1)-gram
    /// prefix (an index into the level below) and its last word; a unigram's index is its word id.
    /// Indices into these arrays stand for the n-grams, so no n-gram is a heap-allocated key.
    struct GramTable: Sendable {
        /// (prefix, word) → index, for n > 1.
        var index: [UInt64: Int32] = [:]
        var prefix: [Int32] = []
        var word: [Int32] = []
        var count: [Int] = []
        var size: Int { word.count }

        static func key(_ prefix: Int32, _ word: Int32) -> UInt64 {
            UInt64(UInt32(bitPattern: prefix)) << 32 | UInt64(UInt32(bitPattern: word))
        }

        /// Counts one occurrence of (prefix, word) and returns its index.
        mutating func add(prefix p: Int32, word w: Int32) -> Int32 {
            let k = Self.key(p, w)
            if let i = index[k] {
                count[Int(i)] += 1
                return i
            }
            precondition(word.count < Int(Int32.max), "NGramBuilder: more than 2³¹ − 1 n-grams of one order")
            let i = Int32(word.count)
            index[k] = i
            prefix.append(p)
            word.append(w)
            count.append(1)
            return i
        }
    }

    public init(order: Int, unit: NGramUnit) {
        precondition(order >= 1, "n-gram order must be at least 1")
        self.order = order
        self.unit = unit
        grams = [GramTable](repeating: GramTable(), count: order)
        for id in 0..<Int32(3) {   // <s>, </s>, <unk>: unigrams of count 0 until seen
            grams[0].prefix.append(-1)
            grams[0].word.append(id)
            grams[0].count.append(0)
        }
    }

    /// The units of one line of text (words, or characters with `<space>` for whitespace runs).
    public func units(of line: String) -> [String] {
        switch unit {
        case .word:
            return line.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        case .char:
            var out: [String] = []
            for ch in line.trimmingCharacters(in: .whitespacesAndNewlines) {
                if ch.isWhitespace {
                    if out.last != "<space>" { out.append("<space>") }
                } else {
                    out.append(String(ch))
                }
            }
            return out
        }
    }

    /// A line of text that holds a sentence marker as a word (`add(line:)` refuses it).
    public struct SentenceMarkerError: Error, Equatable {
        /// The marker found: `<s>` or `</s>`.
        public var marker: String
    }

    /// Adds one sentence (skipped when it has no units). Every sentence is padded as `<s> … </s>`
    /// here, so a line that has `<s>` or `</s>` among its words is refused (as KenLM's lmplz does):
    /// counted as words they would give `<s>` a probability inside the sentence and `</s>` words
    /// after it, and no context's distribution would sum to 1.
    public mutating func add(line: String) throws(SentenceMarkerError) {
        let words = units(of: line)
        if words.isEmpty { return }
        if let marker = words.first(where: { $0 == "<s>" || $0 == "</s>" }) { throw SentenceMarkerError(marker: marker) }
        sentenceCount += 1
        var ids: [Int32] = [0]
        ids.reserveCapacity(words.count + 2)
        for w in words {
            if let id = wordIndex[w] { ids.append(id) } else {
                let id = Int32(vocabulary.count)
                vocabulary.append(w)
                wordIndex[w] = id
                grams[0].prefix.append(-1)
                grams[0].word.append(id)
                grams[0].count.append(0)
                ids.append(id)
            }
        }
        ids.append(1)
        // Every n-gram (n ≤ order) starting at each position, each one level up from its prefix.
        for i in ids.indices {
            var g = ids[i]
            grams[0].count[Int(g)] += 1
            var n = 1
            while n < order && i + n < ids.count {
                g = grams[n].add(prefix: g, word: ids[i + n])
                n += 1
            }
        }
    }

    /// The estimated model: for each order (index n − 1), n-gram → (log10 p, log10 back-off or nil).
    public struct Estimate: Sendable {
        public var probabilities: [[[String]: (log10Prob: Double, log10Backoff: Double?)]]
        /// (D1, D2, D3+) per order.
        public var discounts: [[Double]]
    }

    /// The model over the n-gram indices of `grams`: per order, which n-grams have a probability,
    /// their log10 p and log10 back-off (NaN for none).
    struct IndexedModel {
        /// Per order, the n-gram indices written, each once (for order 1: every word, <s> too).
        var entries: [[Int32]]
        var log10Prob: [[Double]]
        var log10Backoff: [[Double]]
        var discounts: [[Double]]
    }

    /// The smoothed model over n-gram indices (see the type's documentation for the formulas).
    func estimateIndexed() -> IndexedModel {
        let vocabularySize = vocabulary.count
        // Each n-gram's suffix (it without its first word, an index one order down) and whether
        // it starts with <s>.
        var suffix = [[Int32]](repeating: [], count: order)
        var startsWithS = [[Bool]](repeating: [], count: order)
        startsWithS[0] = (0..<grams[0].size).map { $0 == 0 }
        for n in 1..<order {
            let t = grams[n]
            suffix[n] = [Int32](unsafeUninitializedCapacity: t.size) { buffer, initialized in
                for i in 0..<t.size {
                    buffer[i] = n == 1 ? t.word[i] : grams[n - 1].index[GramTable.key(suffix[n - 1][Int(t.prefix[i])], t.word[i])]!
                }
                initialized = t.size
            }
            startsWithS[n] = t.prefix.map { startsWithS[n - 1][Int($0)] }
        }
        // Adjusted counts per order: raw counts for the highest order and n-grams starting with
        // <s>, the number of distinct words seen before the n-gram for the others; <s> is never predicted.
        var adjusted = [[Int]](repeating: [], count: order)
        for n in 0..<order {
            let t = grams[n]
            adjusted[n] = (0..<t.size).map { i in
                if n == 0 && i == 0 { return 0 }
                return n == order - 1 || startsWithS[n][i] ? t.count[i] : 0
            }
        }
        for n in 1..<order {
            for s in suffix[n] where !startsWithS[n - 1][Int(s)] { adjusted[n - 1][Int(s)] += 1 }
        }
        // Discounts per order.
        var discounts: [[Double]] = []
        for n in 0..<order {
            var nk = [Double](repeating: 0, count: 5)
            for c in adjusted[n] where c >= 1 && c <= 4 { nk[c] += 1 }
            var d = fallbackDiscounts
            if nk[1] > 0 && nk[2] > 0 && nk[3] > 0 && nk[4] > 0 {
                let y = nk[1] / (nk[1] + 2 * nk[2])
                let computed = [1 - 2 * y * nk[2] / nk[1], 2 - 3 * y * nk[3] / nk[2], 3 - 4 * y * nk[4] / nk[3]]
                if computed.enumerated().allSatisfy({ $0.element >= 0 && $0.element <= Double($0.offset + 1) }) { d = computed }
            }
            discounts.append(d)
        }
        func discount(_ n: Int, _ c: Int) -> Double { discounts[n][min(c, 3) - 1] }

        // Per context (the n-gram's prefix, an index one order down; order 1 has the one empty
        // context): Σ_x c(hx) and the number of words with adjusted count 1, 2 and 3+ after it.
        var contextTotal = [[Double]](repeating: [], count: order)
        var contextN = [[SIMD4<Int32>]](repeating: [], count: order)
        for n in 0..<order {
            let contexts = n == 0 ? 1 : grams[n - 1].size
            var total = [Double](repeating: 0, count: contexts)
            var counts = [SIMD4<Int32>](repeating: .zero, count: contexts)
            for i in 0..<grams[n].size {
                let c = adjusted[n][i]
                guard c > 0 else { continue }
                let h = n == 0 ? 0 : Int(grams[n].prefix[i])
                total[h] += Double(c)
                counts[h][min(c, 3) - 1] += 1
            }
            contextTotal[n] = total
            contextN[n] = counts
        }
        func gamma(_ n: Int, _ h: Int) -> Double? {
            let total = contextTotal[n][h]
            guard total > 0 else { return nil }
            let k = contextN[n][h], d = discounts[n]
            return (d[0] * Double(k[0]) + d[1] * Double(k[1]) + d[2] * Double(k[2])) / total
        }

        // Interpolated probabilities, lowest order first.
        var prob = [[Double]](repeating: [], count: order)
        let uniform = (gamma(0, 0) ?? 1) / Double(vocabularySize - 1)   // all but <s>
        let total0 = contextTotal[0][0]
        prob[0] = (0..<vocabularySize).map { id in
            let c = adjusted[0][id]
            return (c > 0 && total0 > 0 ? (Double(c) - discount(0, c)) / total0 : 0) + uniform
        }
        for n in 1..<order {
            let t = grams[n]
            prob[n] = (0..<t.size).map { i in
                let c = adjusted[n][i]
                guard c > 0 else { return .nan }
                let h = Int(t.prefix[i])
                return (Double(c) - discount(n, c)) / contextTotal[n][h] + gamma(n, h)! * prob[n - 1][Int(suffix[n][i])]
            }
        }

        var model = IndexedModel(entries: [], log10Prob: [], log10Backoff: [], discounts: discounts)
        for n in 0..<order {
            let entries = n == 0 ? Array(0..<Int32(vocabularySize)) : (0..<Int32(grams[n].size)).filter { adjusted[n][Int($0)] > 0 }
            var logProb = [Double](repeating: .nan, count: grams[n].size)
            var logBackoff = [Double](repeating: .nan, count: grams[n].size)
            for e in entries {
                let i = Int(e)
                logProb[i] = n == 0 && i == 0 ? -99 : log10(prob[n][i])
                if n + 1 < order, let g = gamma(n + 1, i) { logBackoff[i] = log10(g) }
            }
            model.entries.append(entries)
            model.log10Prob.append(logProb)
            model.log10Backoff.append(logBackoff)
        }
        return model
    }

    /// The words of n-gram `i` of order `n + 1`, as word ids.
    private func wordIDs(_ n: Int, _ i: Int32) -> [Int32] {
        var ids = [Int32](repeating: 0, count: n + 1)
        var g = i
        for level in stride(from: n, through: 0, by: -1) {
            ids[level] = grams[level].word[Int(g)]
            g = grams[level].prefix[Int(g)]
        }
        return ids
    }

    /// Estimates the smoothed model (see the type's documentation for the formulas).
    public func estimate() -> Estimate {
        let model = estimateIndexed()
        var out = [[[String]: (log10Prob: Double, log10Backoff: Double?)]](repeating: [:], count: order)
        for n in 0..<order {
            for e in model.entries[n] {
                let b = model.log10Backoff[n][Int(e)]
                out[n][wordIDs(n, e).map { vocabulary[Int($0)] }] = (model.log10Prob[n][Int(e)], b.isNaN ? nil : b)
            }
        }
        return Estimate(probabilities: out, discounts: model.discounts)
    }

    /// The model as ARPA text (n-grams of each order sorted by their words).
    public func arpa() -> String { arpaWithCounts().text }

    /// The model as ARPA text and its number of n-grams per order (those of its `\data\` section).
    public func arpaWithCounts() -> (text: String, counts: [Int]) {
        let model = estimateIndexed()
        // Sorting by words is sorting by word ranks: an order's n-grams by (position of their
        // prefix among the order below, rank of their last word).
        let byText = vocabulary.indices.sorted { vocabulary[$0] < vocabulary[$1] }
        var rank = [UInt64](repeating: 0, count: vocabulary.count)
        for (r, id) in byText.enumerated() { rank[id] = UInt64(r) }
        var sorted: [[Int32]] = []
        var position: [Int32] = []
        for n in 0..<order {
            let t = grams[n]
            var keyed = model.entries[n].map { e -> (UInt64, Int32) in
                let i = Int(e)
                let high = n == 0 ? 0 : UInt64(position[Int(t.prefix[i])]) << 32
                return (high | rank[Int(t.word[i])], e)
            }
            keyed.sort { $0.0 < $1.0 }
            var next = [Int32](repeating: -1, count: t.size)
            for (p, entry) in keyed.enumerated() { next[Int(entry.1)] = Int32(p) }
            position = next
            sorted.append(keyed.map(\.1))
        }

        let spellings = vocabulary.map { Array($0.utf8) }
        var text: [UInt8] = []
        text.reserveCapacity(sorted.reduce(0) { $0 + $1.count } * 40)
        text += Array("\\data\\\n".utf8)
        for n in 0..<order { text += Array("ngram \(n + 1)=\(sorted[n].count)\n".utf8) }
        var number = [CChar](repeating: 0, count: 64)
        var words = [Int32](repeating: 0, count: order)
        func appendNumber(_ x: Double) {
            let length = withVaList([x]) { vsnprintf(&number, number.count, "%.7g", $0) }
            number.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UInt8.self) { text.append(contentsOf: $0.prefix(Int(length))) }
            }
        }
        for n in 0..<order {
            text += Array("\n\\\(n + 1)-grams:\n".utf8)
            for e in sorted[n] {
                appendNumber(model.log10Prob[n][Int(e)])
                text.append(UInt8(ascii: "\t"))
                var g = e
                for level in stride(from: n, through: 0, by: -1) {   // the words, last first
                    words[level] = grams[level].word[Int(g)]
                    g = grams[level].prefix[Int(g)]
                }
                for k in 0...n {
                    if k > 0 { text.append(UInt8(ascii: " ")) }
                    text.append(contentsOf: spellings[Int(words[k])])
                }
                let b = model.log10Backoff[n][Int(e)]
                if !b.isNaN {
                    text.append(UInt8(ascii: "\t"))
                    appendNumber(b)
                }
                text.append(UInt8(ascii: "\n"))
            }
        }
        text += Array("\n\\end\\\n".utf8)
        return (String(decoding: text, as: UTF8.self), sorted.map(\.count))
    }
}
