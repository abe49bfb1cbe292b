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
    /// Raw counts of every n-gram (n = 1…order) in the padded sentences, keyed by word ids.
    private var rawCounts: [[Int32]: Int] = [:]
    public private(set) var sentenceCount = 0

    public init(order: Int, unit: NGramUnit) {
        precondition(order >= 1, "n-gram order must be at least 1")
        self.order = order
        self.unit = unit
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
        for w in words {
            if let id = wordIndex[w] { ids.append(id) } else {
                let id = Int32(vocabulary.count)
                vocabulary.append(w)
                wordIndex[w] = id
                ids.append(id)
            }
        }
        ids.append(1)
        for n in 1...order where n <= ids.count {
            for i in 0...(ids.count - n) { rawCounts[Array(ids[i..<(i + n)]), default: 0] += 1 }
        }
    }

    /// The estimated model: for each order (index n − 1), n-gram → (log10 p, log10 back-off or nil).
    public struct Estimate: Sendable {
        public var probabilities: [[[String]: (log10Prob: Double, log10Backoff: Double?)]]
        /// (D1, D2, D3+) per order.
        public var discounts: [[Double]]
    }

    /// Estimates the smoothed model (see the type's documentation for the formulas).
    public func estimate() -> Estimate {
        // Adjusted counts per order.
        var adjusted = [[[Int32]: Int]](repeating: [:], count: order)
        for (g, c) in rawCounts {
            let n = g.count
            if n == 1 && g[0] == 0 { continue }                       // <s> is never predicted
            if n == order || g[0] == 0 {
                adjusted[n - 1][g] = c
            } else if adjusted[n - 1][g] == nil {
                adjusted[n - 1][g] = 0                                // filled from the left extensions below
            }
        }
        for (g, _) in rawCounts where g.count >= 2 {
            let suffix = Array(g.dropFirst())
            let n = suffix.count
            if n < order && suffix[0] != 0 { adjusted[n - 1][suffix, default: 0] += 1 }
        }
        // Discounts per order.
        var discounts: [[Double]] = []
        for n in 0..<order {
            var nk = [Double](repeating: 0, count: 5)
            for c in adjusted[n].values where c >= 1 && c <= 4 { nk[c] += 1 }
            var d = fallbackDiscounts
            if nk[1] > 0 && nk[2] > 0 && nk[3] > 0 && nk[4] > 0 {
                let y = nk[1] / (nk[1] + 2 * nk[2])
                let computed = [1 - 2 * y * nk[2] / nk[1], 2 - 3 * y * nk[3] / nk[2], 3 - 4 * y * nk[4] / nk[3]]
                if computed.enumerated().allSatisfy({ $0.element >= 0 && $0.element <= Double($0.offset + 1) }) { d = computed }
            }
            discounts.append(d)
        }
        func discount(_ n: Int, _ c: Int) -> Double { discounts[n][min(c, 3) - 1] }

        // Per-context totals and γ numerators, per order.
        var contextTotal = [[[Int32]: Double]](repeating: [:], count: order)
        var contextGamma = [[[Int32]: Double]](repeating: [:], count: order)
        for n in 0..<order {
            for (g, c) in adjusted[n] where c > 0 {
                let h = Array(g.dropLast())
                contextTotal[n][h, default: 0] += Double(c)
                contextGamma[n][h, default: 0] += discount(n, c)
            }
        }
        func gamma(_ n: Int, _ h: [Int32]) -> Double? {
            guard let total = contextTotal[n][h], total > 0 else { return nil }
            return contextGamma[n][h]! / total
        }

        // Interpolated probabilities, lowest order first.
        let vocabularySize = Double(vocabulary.count - 1)               // all but <s>
        var prob = [[[Int32]: Double]](repeating: [:], count: order)
        let uniform = (gamma(0, []) ?? 1) / vocabularySize
        for id in 1..<Int32(vocabulary.count) {
            let c = adjusted[0][[id]] ?? 0
            let total = contextTotal[0][[]] ?? 0
            prob[0][[id]] = (c > 0 && total > 0 ? (Double(c) - discount(0, c)) / total : 0) + uniform
        }
        if order > 1 {
            for n in 1..<order {
                for (g, c) in adjusted[n] where c > 0 {
                    let h = Array(g.dropLast())
                    let lower = prob[n - 1][Array(g.dropFirst())]!
                    prob[n][g] = (Double(c) - discount(n, c)) / contextTotal[n][h]! + gamma(n, h)! * lower
                }
            }
        }

        var out = [[[String]: (log10Prob: Double, log10Backoff: Double?)]](repeating: [:], count: order)
        for n in 0..<order {
            var table: [[String]: (log10Prob: Double, log10Backoff: Double?)] = [:]
            for (g, p) in prob[n] {
                let backoff = n + 1 < order ? gamma(n + 1, g).map { log10($0) } : nil
                table[g.map { vocabulary[Int($0)] }] = (log10(p), backoff)
            }
            if n == 0 {
                table[["<s>"]] = (-99, order > 1 ? gamma(1, [0]).map { log10($0) } : nil)
            }
            out[n] = table
        }
        return Estimate(probabilities: out, discounts: discounts)
    }

    /// The model as ARPA text (n-grams of each order sorted by their words).
    public func arpa() -> String {
        let model = estimate()
        var text = "\\data\\\n"
        for n in 0..<order { text += "ngram \(n + 1)=\(model.probabilities[n].count)\n" }
        for n in 0..<order {
            text += "\n\\\(n + 1)-grams:\n"
            for (words, entry) in model.probabilities[n].sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                text += String(format: "%.7g", entry.log10Prob) + "\t" + words.joined(separator: " ")
                if let b = entry.log10Backoff { text += "\t" + String(format: "%.7g", b) }
                text += "\n"
            }
        }
        return text + "\n\\end\\\n"
    }
}
