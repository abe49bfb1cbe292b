// ADP: adaptive dynamic programming — learn P(s'|s,a) from counts while acting, solve the estimated MDP (R&N §21.2.2).
import Tensors

/// Counts of what the agent has seen: N_actions[s,a], N_outcomes[s,a,s'] and the rewards received.
///
/// The estimate is P̂(s'|s,a) = N_outcomes[s,a,s'] / N_actions[s,a] (Russell & Norvig Fig. 21.2).
public struct TransitionCounts: Sendable {
    /// One observed outcome of (s,a): how often s' followed, and the sum of the rewards received.
    public struct Outcome: Sendable {
        public var count: Int
        public var rewardSum: Double
    }
    /// N_actions[s*4 + a].
    public private(set) var actionCounts: [Int]
    /// N_outcomes[s,a,·] at s*4 + a: s' → outcome (sparse: at most three successors per action).
    public private(set) var outcomes: [[Int: Outcome]]
    /// The reward of each terminal the agent has reached (nil until reached).
    public private(set) var terminalValue: [Double?]

    public init(stateCount: Int) {
        actionCounts = [Int](repeating: 0, count: stateCount * 4)
        outcomes = [[Int: Outcome]](repeating: [:], count: stateCount * 4)
        terminalValue = [Double?](repeating: nil, count: stateCount)
    }

    /// Records that action `a` in `s` led to `next` with reward `reward`.
    public mutating func record(_ s: Int, _ a: Int, next: Int, reward: Double) {
        actionCounts[s * 4 + a] += 1
        outcomes[s * 4 + a][next, default: Outcome(count: 0, rewardSum: 0)].count += 1
        outcomes[s * 4 + a][next]!.rewardSum += reward
    }

    /// Records the value of a terminal reached.
    public mutating func recordTerminal(_ s: Int, value: Double) { terminalValue[s] = value }

    /// P̂(s'|s,a), or nil if (s,a) was never tried.
    public func probability(_ s: Int, _ a: Int, _ next: Int) -> Double? {
        let n = actionCounts[s * 4 + a]
        guard n > 0 else { return nil }
        return Double(outcomes[s * 4 + a][next]?.count ?? 0) / Double(n)
    }

    /// Q̂(s,a) = Σ_s' P̂(s'|s,a)[r̄(s,a,s') + γ U(s')], or `unknown` for an untried action.
    public func qValue(_ s: Int, _ a: Int, utilities u: [Double], discount g: Double, unknown: Double) -> Double {
        let n = actionCounts[s * 4 + a]
        guard n > 0 else { return unknown }
        var sum = 0.0
        for (next, o) in outcomes[s * 4 + a] { sum += o.rewardSum + Double(o.count) * g * u[next] }
        return sum / Double(n)
    }
}

/// Value iteration on the estimated MDP, warm-started from `u`; terminals seen keep their reward.
func solveEstimatedMDP(_ counts: TransitionCounts, visited: [Int], utilities u: inout [Double],
                       discount g: Double, unknown: Double, epsilon: Double = 1e-6, maxSweeps: Int = 1000) {
    for (s, v) in counts.terminalValue.enumerated() { if let v { u[s] = v } }
    for _ in 0..<maxSweeps {
        var change = 0.0
        for s in visited {
            var best = -Double.infinity
            for a in 0..<4 { best = max(best, counts.qValue(s, a, utilities: u, discount: g, unknown: unknown)) }
            change = max(change, abs(best - u[s]))
            u[s] = best
        }
        if change < epsilon { break }
    }
}

/// An active ADP agent: acts ε-greedily on Q̂ of its current estimated MDP, counts transitions,
/// and re-solves the estimated MDP (value iteration) every `adpSolveInterval` episodes.
/// Returns the counts too, so P̂ can be compared with the true P. `shouldStop`, asked after every
/// episode, ends the run early (the result then holds the episodes done).
public func adaptiveDynamicProgramming(_ mdp: GridMDP, options: TabularLearningOptions, shouldStop: () -> Bool = { false })
    -> (result: LearningResult, counts: TransitionCounts) {
    var rng = SeededGenerator(seed: options.seed)
    var counts = TransitionCounts(stateCount: mdp.stateCount)
    var u = [Double](repeating: 0, count: mdp.stateCount)
    var seen = [Bool](repeating: false, count: mdp.stateCount)
    var visited: [Int] = []
    let g = mdp.discount
    var epsilon = options.epsilon
    var returns: [Double] = [], steps: [Int] = []
    func qRow(_ s: Int) -> [Double] {
        (0..<4).map { counts.qValue(s, $0, utilities: u, discount: g, unknown: options.unknownActionValue) }
    }
    for episode in 0..<options.episodes {
        var s = episodeStart(mdp, options, using: &rng), total = 0.0, t = 0
        while t < options.maxStepsPerEpisode {
            if !seen[s] { seen[s] = true; visited.append(s) }
            let a = epsilonGreedy(qRow(s), state: 0, epsilon: epsilon, using: &rng)
            let (next, r, done) = mdp.step(s, a, using: &rng)
            t += 1
            total += r
            counts.record(s, a, next: next, reward: r)
            if done {
                counts.recordTerminal(next, value: mdp.terminalValue[next])
                u[next] = mdp.terminalValue[next]
                total += mdp.terminalValue[next]
                break
            }
            s = next
        }
        returns.append(total); steps.append(t)
        if (episode + 1) % max(1, options.adpSolveInterval) == 0 || episode == options.episodes - 1 {
            solveEstimatedMDP(counts, visited: visited, utilities: &u, discount: g, unknown: options.unknownActionValue)
        }
        epsilon = max(options.minimumEpsilon, epsilon * options.epsilonDecay)
        if shouldStop() { break }
    }
    var q = initialQTable(mdp, initial: options.unknownActionValue)
    for s32 in mdp.decisionStates { let s = Int(s32); for a in 0..<4 { q[s * 4 + a] = qRow(s)[a] } }
    return (LearningResult(q: q, policy: greedyPolicy(mdp, q: q), returns: returns, steps: steps), counts)
}
