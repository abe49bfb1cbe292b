// PolicyComparison: a learned greedy policy against value iteration's optimal one — agreement and mean return.
import Tensors

/// Options of a policy comparison, with their defaults.
public struct ComparisonOptions: Sendable {
    /// Episodes rolled out per policy to estimate its mean return. Default 1000.
    public var episodes: Int = 1000
    /// An episode is cut after this many steps. Default 1000.
    public var maxStepsPerEpisode: Int = 1000
    /// Seed of the rollouts (both policies see the same seed).
    public var seed: UInt64 = 1
    /// An action counts as optimal when its Q under the optimal utilities is within this of the best. Default 1e-6.
    public var tolerance: Double = 1e-6
    public init() {}
}

/// How a policy compares with the optimal one.
public struct PolicyComparison: Sendable {
    /// Share of the decision (non-terminal) states where the policy's action is an optimal action.
    public var agreement: Double
    /// Decision states compared.
    public var states: Int
    /// Mean discounted return Σ_t γ^t r_t (terminal reward included) of the policy, and of the optimal
    /// policy, from the start: the quantity value iteration maximises (its expectation is U(start)).
    public var meanReturn: Double
    public var optimalMeanReturn: Double
}

/// Mean discounted return Σ_t γ^t r_t (the terminal's reward discounted by γ^T) of `policy` from the start.
public func meanReturn(_ mdp: GridMDP, policy: [Int], episodes: Int, maxSteps: Int, seed: UInt64) -> Double {
    var rng = SeededGenerator(seed: seed)
    var sum = 0.0
    for _ in 0..<episodes {
        var s = mdp.map.start, total = 0.0, weight = 1.0
        for _ in 0..<maxSteps {
            let (next, r, done) = mdp.step(s, max(0, policy[s]), using: &rng)
            total += weight * r
            weight *= mdp.discount
            if done { total += weight * mdp.terminalValue[next]; break }
            s = next
        }
        sum += total
    }
    return sum / Double(max(1, episodes))
}

/// Compares `policy` with the optimal utilities `optimal` (value iteration's): an action agrees when
/// it is one of the optimal actions at that state (ties count as agreement).
public func comparePolicy(_ mdp: GridMDP, policy: [Int], optimal: MDPSolution, options: ComparisonOptions = .init()) -> PolicyComparison {
    var agree = 0
    for s32 in mdp.decisionStates {
        let s = Int(s32)
        let q = mdp.qValues(s, optimal.utilities)
        if q[max(0, policy[s])] >= q.max()! - options.tolerance * max(1, abs(q.max()!)) { agree += 1 }
    }
    let n = mdp.decisionStates.count
    return PolicyComparison(
        agreement: Double(agree) / Double(max(1, n)), states: n,
        meanReturn: meanReturn(mdp, policy: policy, episodes: options.episodes, maxSteps: options.maxStepsPerEpisode, seed: options.seed),
        optimalMeanReturn: meanReturn(mdp, policy: optimal.policy, episodes: options.episodes,
                                      maxSteps: options.maxStepsPerEpisode, seed: options.seed))
}
