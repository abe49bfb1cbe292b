// HypothesisCombination: ROVER, voting between the transcripts of several systems.

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
    guard let first = systems.first else { return [] }
    var network = first.map { [Optional($0)] }    // network[slot][system]
    var count = 1
    for hypothesis in systems.dropFirst() {
        network = align(network, systems: count, hypothesis)
        count += 1
    }
    return network.compactMap(vote)
}

/// The slot's winner: the entry most systems gave (∅ = nil), ties to the earliest system.
private func vote(_ slot: [String?]) -> String? {
    var counts: [String?: Int] = [:]
    for entry in slot { counts[entry, default: 0] += 1 }
    let best = counts.values.max() ?? 0
    return slot.first { counts[$0] == best } ?? nil
}

/// The network with `hypothesis` aligned into it as system number `systems` (see `combineHypotheses`).
private func align(_ network: [[String?]], systems: Int, _ hypothesis: [String]) -> [[String?]] {
    let n = network.count, m = hypothesis.count
    enum Step { case match, skip, insert }
    func matchCost(_ slot: Int, _ token: String) -> Int { network[slot].contains(token) ? 0 : 1 }
    func skipCost(_ slot: Int) -> Int { network[slot].allSatisfy { $0 == nil } ? 0 : 1 }
    // cost[i][j]: the first i slots against the first j tokens; step[i][j]: the last move.
    var cost = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
    var step = [[Step]](repeating: [Step](repeating: .match, count: m + 1), count: n + 1)
    for i in stride(from: 1, through: n, by: 1) { cost[i][0] = cost[i - 1][0] + skipCost(i - 1); step[i][0] = .skip }
    for j in stride(from: 1, through: m, by: 1) { cost[0][j] = cost[0][j - 1] + 1; step[0][j] = .insert }
    for i in stride(from: 1, through: n, by: 1) {
        for j in stride(from: 1, through: m, by: 1) {
            var best = cost[i - 1][j - 1] + matchCost(i - 1, hypothesis[j - 1]), move = Step.match
            let skip = cost[i - 1][j] + skipCost(i - 1)
            if skip < best { best = skip; move = .skip }
            let insert = cost[i][j - 1] + 1
            if insert < best { best = insert; move = .insert }
            cost[i][j] = best
            step[i][j] = move
        }
    }
    var out: [[String?]] = []
    var i = n, j = m
    while i > 0 || j > 0 {
        switch step[i][j] {
        case .match: out.append(network[i - 1] + [hypothesis[j - 1]]); i -= 1; j -= 1
        case .skip: out.append(network[i - 1] + [nil]); i -= 1
        case .insert: out.append([String?](repeating: nil, count: systems) + [hypothesis[j - 1]]); j -= 1
        }
    }
    return out.reversed()
}
