// HypothesisCombination: ROVER, voting between the transcripts of several systems.

/// How `combineHypotheses` scores the candidates of a slot (Fiscus 1997, section 3.2):
/// score(w) = α · N(w)/N + (1 − α) · C(w), where N(w) of the N systems put w in the slot and C(w)
/// is the mean (or the largest) of their confidences in it; a system that put nothing there (∅)
/// counts with `nullConfidence`, Fiscus's Conf(@). α = 1 votes by frequency alone; α and
/// Conf(@) are tuned on data with known transcripts, not on the test set.
public struct VoteWeights: Sendable, Equatable {
    /// How the confidences of the systems behind one candidate make C(w).
    public enum Confidence: String, Sendable, CaseIterable {
        /// Their mean (Fiscus's "average confidence").
        case mean
        /// The largest of them (Fiscus's "maximum confidence").
        case max
    }
    /// α in [0, 1]: the weight of the vote count against the confidence.
    public var alpha: Double
    /// Conf(@) in [0, 1]: the confidence of a system's ∅.
    public var nullConfidence: Double
    public var confidence: Confidence
    public init(alpha: Double = 1, nullConfidence: Double = 0, confidence: Confidence = .mean) {
        self.alpha = alpha
        self.nullConfidence = nullConfidence
        self.confidence = confidence
    }
    /// Votes by frequency of occurrence alone (α = 1).
    public static let frequency = VoteWeights()
}

/// One token of a system's hypothesis with the system's confidence in it, in [0, 1].
public struct ScoredToken: Sendable, Equatable {
    public var token: String
    public var confidence: Double
    public init(_ token: String, confidence: Double = 1) {
        self.token = token
        self.confidence = confidence
    }
}

/// Recognizer Output Voting Error Reduction (Fiscus 1997, "A post-processing system to yield
/// reduced word error rates: ROVER"), with votes by frequency of occurrence (his α = 1).
///
/// The first system's tokens make a word transition network: a row of slots, each holding one
/// entry per system, a token or nothing (∅). Every further system is aligned to the network by
/// dynamic programming and joins it: a token matched to a slot (cost 0 when some system already
/// put that token there, else 1: a substitution) goes into the slot; a slot it skips gets ∅ from
/// it (cost 1 unless the slot holds only ∅); a token it inserts opens a new slot, ∅ for the systems
/// before it (cost 1). Ties between a match, a skip and an insertion go in that order.
///
/// Then each slot elects the entry most systems put there; ∅ can win, and then the slot
/// gives nothing. Ties go to the earliest system among the tied ones, so order the systems
/// best first. With two systems every disagreement is a tie, so the result is the first
/// system's; combine three or more.
///
///     combineHypotheses([["1", "2", "3"], ["1", "7", "3"], ["1", "2", "3", "4"]])  // ["1", "2", "3"]
public func combineHypotheses(_ systems: [[String]]) -> [String] {
    combineHypotheses(systems.map { $0.map { ScoredToken($0) } }, weights: .frequency)
}

/// ROVER with confidences: the same network as `combineHypotheses(_:)` (the alignment looks at
/// the tokens only), each slot electing the candidate with the highest `weights` score (see
/// `VoteWeights`); equal scores go to the earliest system among them.
public func combineHypotheses(_ systems: [[ScoredToken]], weights: VoteWeights) -> [String] {
    guard let first = systems.first else { return [] }
    var network = first.map { [Optional($0)] }    // network[slot][system]
    var count = 1
    for hypothesis in systems.dropFirst() {
        network = align(network, systems: count, hypothesis)
        count += 1
    }
    return network.compactMap { vote($0, weights: weights) }
}

/// The slot's winner by `weights` (∅ = nil), ties to the earliest system.
private func vote(_ slot: [ScoredToken?], weights: VoteWeights) -> String? {
    var candidates: [String?] = [], confidences: [String?: [Double]] = [:]
    for entry in slot {
        let candidate = entry?.token
        if confidences[candidate] == nil { candidates.append(candidate) }
        confidences[candidate, default: []].append(entry?.confidence ?? weights.nullConfidence)
    }
    let systems = Double(slot.count)
    func score(_ candidate: String?) -> Double {
        let c = confidences[candidate]!
        let confidence = weights.confidence == .mean ? c.reduce(0, +) / Double(c.count) : c.max()!
        return weights.alpha * Double(c.count) / systems + (1 - weights.alpha) * confidence
    }
    var best = candidates[0], bestScore = score(best)
    for candidate in candidates.dropFirst() {
        let s = score(candidate)
        if s > bestScore { best = candidate; bestScore = s }
    }
    return best
}

/// The network with `hypothesis` aligned into it as system number `systems` (see `combineHypotheses`).
private func align(_ network: [[ScoredToken?]], systems: Int, _ hypothesis: [ScoredToken]) -> [[ScoredToken?]] {
    let n = network.count, m = hypothesis.count
    enum Step { case match, skip, insert }
    func matchCost(_ slot: Int, _ token: ScoredToken) -> Int { network[slot].contains { $0?.token == token.token } ? 0 : 1 }
    func skipCost(_ slot: Int) -> Int { network[slot].allSatisfy { $0 == nil } ? 0 : 1 }
    // cost: the first i slots against the first j tokens, for the row before (`previous`) and this
    // row (`current`), as the recursion reads no further back; step[i·(m+1) + j]: the last move, kept
    // for every cell for the backtrace (a byte each, not the 9 of a full cost table besides).
    let width = m + 1
    var previous = [Int](repeating: 0, count: width), current = [Int](repeating: 0, count: width)
    var step = [Step](repeating: .match, count: (n + 1) * width)
    for j in stride(from: 1, through: m, by: 1) { previous[j] = previous[j - 1] + 1; step[j] = .insert }
    for i in stride(from: 1, through: n, by: 1) {
        let skipHere = skipCost(i - 1)
        current[0] = previous[0] + skipHere
        step[i * width] = .skip
        for j in stride(from: 1, through: m, by: 1) {
            var best = previous[j - 1] + matchCost(i - 1, hypothesis[j - 1]), move = Step.match
            let skip = previous[j] + skipHere
            if skip < best { best = skip; move = .skip }
            let insert = current[j - 1] + 1
            if insert < best { best = insert; move = .insert }
            current[j] = best
            step[i * width + j] = move
        }
        swap(&previous, &current)
    }
    var out: [[ScoredToken?]] = []
    var i = n, j = m
    while i > 0 || j > 0 {
        switch step[i * width + j] {
        case .match: out.append(network[i - 1] + [hypothesis[j - 1]]); i -= 1; j -= 1
        case .skip: out.append(network[i - 1] + [nil]); i -= 1
        case .insert: out.append([ScoredToken?](repeating: nil, count: systems) + [hypothesis[j - 1]]); j -= 1
        }
    }
    return out.reversed()
}
