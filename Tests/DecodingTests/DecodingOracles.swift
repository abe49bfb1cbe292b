// Test oracles: random CTC posteriors, exhaustive enumeration of alignments, and a plain ARPA scorer.
import Foundation
import Tensors
import TestSupport
@testable import Decoding

/// A T × K matrix of log-softmax rows of N(0, scale²) logits (seeded), with `peak` added to one
/// random class per frame when given.
func randomLogProbs(frames t: Int, classes k: Int, seed: UInt64, scale: Double = 1.5, peak: Double = 0) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    var m = Matrix(rows: t, cols: k)
    for r in 0..<t {
        var logits = (0..<k).map { _ in rng.normal() * scale }
        if peak > 0 { logits[Int(rng.next() % UInt64(k))] += peak }
        let mx = logits.max()!
        let lse = mx + log(logits.reduce(0) { $0 + exp($1 - mx) })
        for c in 0..<k { m[r, c] = Float(logits[c] - lse) }
    }
    return m
}

/// Every label sequence with its exact log p(ℓ | x): all K^T paths enumerated, collapsed, and
/// their probabilities summed (TestSupport's exhaustive CTC oracle). Only for tiny T and K.
func exhaustiveLabelLogProbs(_ lp: Matrix, blank: Int = 0) -> [[Int]: Double] {
    exhaustiveCTCLogProbabilities(logProbs: lp.data.map { Double($0) }, frames: lp.rows, classes: lp.cols, blank: blank)
}

/// A back-off n-gram model as plain dictionaries, scored by the ARPA formula directly (no trie,
/// no states): the oracle for `NGramModel`. Probabilities are log10 as in the file.
struct PlainBackoffModel {
    var prob: [[String]: Double] = [:]
    var backoff: [[String]: Double] = [:]
    var order = 0

    init(arpa: String) {
        var n = 0
        for line in arpa.split(separator: "\n") {
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.hasPrefix("\\") && s.hasSuffix("-grams:") { n = Int(s.dropFirst().prefix(while: \.isNumber))!; order = max(order, n); continue }
            if s.hasPrefix("\\") || s.hasPrefix("ngram") || s.isEmpty || n == 0 { continue }
            let f = s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let words = Array(f[1...n])
            prob[words] = Double(f[0])!
            if f.count == n + 2 { backoff[words] = Double(f[n + 1])! }
        }
    }

    /// log10 p(w | history) by recursive back-off; unknown words get `<unk>` or −100.
    func log10Prob(_ w: String, history: [String]) -> Double {
        var w = w
        if prob[[w]] == nil { if prob[["<unk>"]] != nil { w = "<unk>" } else { return -100 } }
        let h = Array(history.suffix(order - 1))
        return recurse(w, h)
    }

    private func recurse(_ w: String, _ h: [String]) -> Double {
        if let p = prob[h + [w]] { return p }
        if h.isEmpty { return -100 }
        return (backoff[h] ?? 0) + recurse(w, Array(h.dropFirst()))
    }

    /// Natural-log probability of `<s> words </s>`.
    func sentenceLogProb(_ words: [String]) -> Double {
        var history = ["<s>"]
        var total = 0.0
        for w in words + ["</s>"] {
            total += log10Prob(w, history: history)
            history.append(prob[[w]] == nil && prob[["<unk>"]] != nil ? "<unk>" : w)
        }
        return total * log(10)
    }
}
