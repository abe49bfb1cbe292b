// BatchSummaries: one line for a problem many items of a batch share, instead of one line per item.
import Tensors

/// `n` with a comma between groups of three digits (1,999), as counts in messages are written.
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(d)
    }
    return (n < 0 ? "-" : "") + out
}

/// The first `shown` keys, space-separated, then "and N more" for the rest.
func keyList(_ keys: [String], shown: Int = 5) -> String {
    let head = keys.prefix(shown).joined(separator: " ")
    return keys.count > shown ? head + " and \(grouped(keys.count - shown)) more" : head
}

/// Utterances of one archive whose features have a dimension the model does not take. When an
/// archive was made with another front end every utterance has the same mismatch: the first of
/// each dimension is reported in full (it says how to fix it), the others are counted and
/// summarised on one line at the end.
struct DimensionMismatches {
    /// Per dimension found: the first utterance's key and how many more followed.
    private var seen: [Int: (first: String, more: Int)] = [:]
    private var order: [Int] = []

    /// Whether `error`, for an utterance of `dimension`, should be printed: only the first of its dimension.
    mutating func isFirst(dimension: Int, key: String) -> Bool {
        if let s = seen[dimension] {
            seen[dimension] = (s.first, s.more + 1)
            return false
        }
        seen[dimension] = (key, 0)
        order.append(dimension)
        return true
    }

    /// One line per dimension with more than one utterance: "FILE: and N more utterances with
    /// D-dimensional features (the model expects E), skipped as KEY above".
    func summaries(file: String, expected: Int) -> [String] {
        order.compactMap { d in
            guard let s = seen[d], s.more > 0 else { return nil }
            return InputError(file: file, "and \(grouped(s.more)) more utterance\(s.more == 1 ? "" : "s") with \(d)-dimensional features (the model expects \(expected)), skipped as \(s.first) above").description
        }
    }
}
