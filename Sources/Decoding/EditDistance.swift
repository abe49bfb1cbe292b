// EditDistance: Levenshtein alignment of two sequences with substitution, deletion, insertion counts.

/// One step of an alignment of a reference with a hypothesis.
public enum EditOperation: String, Sendable, Equatable {
    /// Reference and hypothesis units agree (Kaldi's `C`).
    case match = "C"
    case substitution = "S"
    /// A reference unit missing from the hypothesis.
    case deletion = "D"
    /// A hypothesis unit not in the reference.
    case insertion = "I"
}

/// A minimum-cost alignment: operations in order, each with the reference and hypothesis index it
/// consumes (nil for the side it skips), and the counts of each kind.
public struct Alignment: Sendable, Equatable {
    public var steps: [(operation: EditOperation, reference: Int?, hypothesis: Int?)]
    public var hits = 0, substitutions = 0, deletions = 0, insertions = 0
    /// substitutions + deletions + insertions (the Levenshtein distance).
    public var errors: Int { substitutions + deletions + insertions }

    public static func == (a: Alignment, b: Alignment) -> Bool {
        a.steps.elementsEqual(b.steps) { $0.operation == $1.operation && $0.reference == $1.reference && $0.hypothesis == $1.hypothesis }
    }
}

/// Levenshtein alignment (Levenshtein 1966; unit costs) of `reference` with `hypothesis`.
///
/// The distance is unique but the split into substitutions, deletions and insertions is not;
/// ties are broken as rapidfuzz's `Levenshtein.editops` (Hyyrö 2004) does, which is what jiwer
/// counts: the common prefix and suffix are matched first, then the backtrace from the end
/// prefers a deletion, then an insertion, then the diagonal step. O(n·m) time and memory.
public func levenshteinAlignment<T: Equatable>(reference: [T], hypothesis: [T]) -> Alignment {
    var prefix = 0
    while prefix < reference.count && prefix < hypothesis.count && reference[prefix] == hypothesis[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < reference.count - prefix && suffix < hypothesis.count - prefix
            && reference[reference.count - 1 - suffix] == hypothesis[hypothesis.count - 1 - suffix] { suffix += 1 }
    let r = Array(reference[prefix..<(reference.count - suffix)])
    let h = Array(hypothesis[prefix..<(hypothesis.count - suffix)])
    let n = r.count, m = h.count
    // d[i][j]: distance between r[..<i] and h[..<j], stored row-major with stride m + 1.
    var d = [Int32](repeating: 0, count: (n + 1) * (m + 1))
    let w = m + 1
    for j in 0...m { d[j] = Int32(j) }
    if n > 0 {
        for i in 1...n {
            d[i * w] = Int32(i)
            if m > 0 {
                for j in 1...m {
                    let diagonal = d[(i - 1) * w + j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1)
                    d[i * w + j] = min(diagonal, min(d[(i - 1) * w + j], d[i * w + j - 1]) + 1)
                }
            }
        }
    }
    var middle: [(operation: EditOperation, reference: Int?, hypothesis: Int?)] = []
    var i = n, j = m
    while i > 0 && j > 0 {
        if d[i * w + j] - d[(i - 1) * w + j] == 1 {
            i -= 1
            middle.append((.deletion, prefix + i, nil))
            continue
        }
        j -= 1
        if j > 0 && d[i * w + j] - d[(i - 1) * w + j] == -1 {
            middle.append((.insertion, nil, prefix + j))
            continue
        }
        i -= 1
        middle.append((r[i] == h[j] ? .match : .substitution, prefix + i, prefix + j))
    }
    while i > 0 { i -= 1; middle.append((.deletion, prefix + i, nil)) }
    while j > 0 { j -= 1; middle.append((.insertion, nil, prefix + j)) }

    var alignment = Alignment(steps: (0..<prefix).map { (.match, $0, $0) })
    alignment.steps += middle.reversed()
    alignment.steps += (0..<suffix).map { (.match, reference.count - suffix + $0, hypothesis.count - suffix + $0) }
    for step in alignment.steps {
        switch step.operation {
        case .match: alignment.hits += 1
        case .substitution: alignment.substitutions += 1
        case .deletion: alignment.deletions += 1
        case .insertion: alignment.insertions += 1
        }
    }
    return alignment
}
