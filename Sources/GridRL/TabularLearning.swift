// TabularLearning: shared options, results, ε-greedy action choice and the run-averaging driver of the learners.
import Tensors

/// Which learner `learn` runs.
public enum LearningAlgorithm: String, CaseIterable, Sendable {
    /// Adaptive dynamic programming: estimate P from counts, solve the estimated MDP (R&N §21.2.2).
    case adp
    /// Off-policy TD control (Watkins 1989; Sutton & Barto eq. 6.8).
    case qlearning
    /// On-policy TD control (Sutton & Barto eq. 6.7).
    case sarsa
    /// Deep Q-network (Mnih et al. 2015, Algorithm 1).
    case dqn
}

/// Hyperparameters of the tabular learners (ADP, Q-learning, SARSA), with their defaults.
public struct TabularLearningOptions: Sendable {
    /// Number of training episodes. Default 500.
    public var episodes: Int = 500
    /// Learning rate α of the TD updates. Default 0.1.
    public var alpha: Double = 0.1
    /// If > 0, the step size decays with the visits N(s,a) as α·k/(k − 1 + N(s,a)) with k this value
    /// (Russell & Norvig §21.3 use α(N) = 60/(59 + N), i.e. α = 1, k = 60); 0 keeps α constant. Default 0.
    public var alphaDecayVisits: Double = 0
    /// Start every episode in a uniformly random decision state instead of the start cell
    /// ("exploring starts", Sutton & Barto §5.3), so rarely reached states are learnt too. Default false.
    public var exploringStarts: Bool = false
    /// Exploration rate ε of ε-greedy action choice at the first episode. Default 0.1.
    public var epsilon: Double = 0.1
    /// ε is multiplied by this after every episode (1 keeps it constant). Default 1.
    public var epsilonDecay: Double = 1
    /// ε never decays below this. Default 0.
    public var minimumEpsilon: Double = 0
    /// An episode is cut after this many steps (a policy may never reach a terminal). Default 1000.
    public var maxStepsPerEpisode: Int = 1000
    /// Initial Q(s,a) of non-terminal states. Default 0.
    public var initialQ: Double = 0
    /// ADP: the value assumed for an action never tried from a state (optimism drives exploration). Default 0.
    public var unknownActionValue: Double = 0
    /// ADP: re-solve the estimated MDP every this many episodes. Default 1.
    public var adpSolveInterval: Int = 1
    /// Seed of the run's generator.
    public var seed: UInt64 = 1
    public init() {}
}

extension TabularLearningOptions {
    /// Roughly the bytes one run holds on a map of `states` cells: the Q table and visit counts
    /// (ADP: transition counts) and the return and steps of every episode. A Double, so that absurd
    /// settings give a large number rather than overflow.
    public func estimatedBytes(states: Int) -> Double {
        Double(states) * 4 * (8 + 8 + 4 * 8) + Double(episodes) * 16
    }
}

/// What one learning run produced.
public struct LearningResult: Sendable {
    /// Q(s,a) at `s*4 + a` (for ADP: the Q-values of the solved estimated MDP).
    public var q: [Double]
    /// The learned greedy policy (GridAction raw values), -1 off the decision states.
    public var policy: [Int]
    /// The undiscounted return (sum of rewards, terminal reward included) of every training episode.
    public var returns: [Double]
    /// Steps taken in every training episode.
    public var steps: [Int]
    public init(q: [Double], policy: [Int], returns: [Double], steps: [Int]) {
        self.q = q; self.policy = policy; self.returns = returns; self.steps = steps
    }
}

extension LearningResult {
    /// The learned utilities U(s) = max_a Q(s,a) of the decision states (each terminal's reward on
    /// terminals, 0 elsewhere): what value iteration's utilities estimate.
    public func stateValues(_ mdp: GridMDP) -> [Double] {
        var u = mdp.terminalValue
        for s32 in mdp.decisionStates {
            let s = Int(s32)
            u[s] = max(max(q[s * 4], q[s * 4 + 1]), max(q[s * 4 + 2], q[s * 4 + 3]))
        }
        return u
    }
}

/// ε-greedy choice (Sutton & Barto §2.2): a uniformly random action with probability ε,
/// otherwise an action of highest Q(s,·), ties broken uniformly at random.
@inlinable
public func epsilonGreedy<G: RandomNumberGenerator>(_ q: [Double], state s: Int, epsilon: Double, using rng: inout G) -> Int {
    if rng.uniform() < epsilon { return Int(rng.next() % 4) }
    return greedyAction(q, state: s, using: &rng)
}

/// An action of highest Q(s,·), ties broken uniformly at random.
@inlinable
public func greedyAction<G: RandomNumberGenerator>(_ q: [Double], state s: Int, using rng: inout G) -> Int {
    let base = s * 4
    var best = q[base]
    for a in 1..<4 { best = max(best, q[base + a]) }
    var ties = 0, choice = 0
    for a in 0..<4 where q[base + a] == best {
        ties += 1
        if ties == 1 || rng.next() % UInt64(ties) == 0 { choice = a }  // reservoir sampling
    }
    return choice
}

/// The greedy policy of a Q table (first best action in up, right, down, left order).
public func greedyPolicy(_ mdp: GridMDP, q: [Double]) -> [Int] {
    var policy = [Int](repeating: -1, count: mdp.stateCount)
    for s32 in mdp.decisionStates {
        let s = Int(s32)
        var best = 0
        for a in 1..<4 where q[s * 4 + a] > q[s * 4 + best] { best = a }
        policy[s] = best
    }
    return policy
}

/// Step sizes per (s,a): constant α, or α·k/(k − 1 + N(s,a)) counting the visits.
struct StepSizes {
    let alpha: Double, k: Double
    var visits: [Int32]
    init(_ options: TabularLearningOptions, states: Int) {
        alpha = options.alpha
        k = options.alphaDecayVisits
        visits = k > 0 ? [Int32](repeating: 0, count: states * 4) : []
    }
    /// The step size for the next update of (s,a), counting this visit.
    mutating func next(_ s: Int, _ a: Int) -> Double {
        guard k > 0 else { return alpha }
        visits[s * 4 + a] += 1
        return alpha * k / (k - 1 + Double(visits[s * 4 + a]))
    }
}

/// The first state of an episode: the start cell, or a random decision state with exploring starts.
func episodeStart<G: RandomNumberGenerator>(_ mdp: GridMDP, _ options: TabularLearningOptions, using rng: inout G) -> Int {
    guard options.exploringStarts, !mdp.decisionStates.isEmpty else { return mdp.map.start }
    return Int(mdp.decisionStates[Int(rng.next() % UInt64(mdp.decisionStates.count))])
}

/// A Q table for `mdp`: `initial` on decision states, each terminal's reward on its four entries.
func initialQTable(_ mdp: GridMDP, initial: Double) -> [Double] {
    var q = [Double](repeating: 0, count: mdp.stateCount * 4)
    for s32 in mdp.decisionStates { for a in 0..<4 { q[Int(s32) * 4 + a] = initial } }
    for s in 0..<mdp.stateCount where mdp.terminal[s] { for a in 0..<4 { q[s * 4 + a] = mdp.terminalValue[s] } }
    return q
}

/// Runs one tabular learner (ADP, Q-learning or SARSA) with `options` (seeded by `options.seed`).
/// `shouldStop`, asked after every episode, ends the run early (the result then holds the episodes done).
public func learnTabular(_ mdp: GridMDP, algorithm: LearningAlgorithm, options: TabularLearningOptions,
                         shouldStop: () -> Bool = { false }) -> LearningResult {
    switch algorithm {
    case .qlearning: return qLearning(mdp, options: options, shouldStop: shouldStop)
    case .sarsa: return sarsa(mdp, options: options, shouldStop: shouldStop)
    case .adp: return adaptiveDynamicProgramming(mdp, options: options, shouldStop: shouldStop).result
    case .dqn: preconditionFailure("DQN is not tabular: call trainDQN")
    }
}

/// Learning curves averaged over independent runs: mean return and mean steps per episode.
public struct LearningCurve: Sendable {
    public var meanReturns: [Double]
    public var meanSteps: [Double]
    public var runs: Int

    /// Averages the per-episode returns and steps of several runs (all of the same length).
    public init(_ results: [LearningResult]) {
        runs = results.count
        let n = results.first?.returns.count ?? 0
        meanReturns = (0..<n).map { e in results.map { $0.returns[e] }.reduce(0, +) / Double(max(1, results.count)) }
        meanSteps = (0..<n).map { e in results.map { Double($0.steps[e]) }.reduce(0, +) / Double(max(1, results.count)) }
    }

    /// The curve as TSV: a header, then `episode  mean_return  mean_steps` (episodes from 1).
    public func tsv() -> String {
        var out = "episode\tmean_return\tmean_steps\n"
        for e in meanReturns.indices { out += "\(e + 1)\t\(meanReturns[e])\t\(meanSteps[e])\n" }
        return out
    }

    /// The curve as JSON lines: `{"episode":1,"return":-100,"steps":12}`.
    public func jsonLines() -> String {
        var out = ""
        for e in meanReturns.indices { out += "{\"episode\":\(e + 1),\"return\":\(meanReturns[e]),\"steps\":\(meanSteps[e])}\n" }
        return out
    }
}
