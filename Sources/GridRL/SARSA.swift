// SARSA: on-policy TD control with ε-greedy exploration (Rummery & Niranjan 1994; Sutton & Barto §6.4).
import Tensors

/// Tabular SARSA (Sutton & Barto eq. 6.7): with a' chosen ε-greedily in s',
///
///     Q(s,a) ← Q(s,a) + α [ r + γ Q(s',a') − Q(s,a) ]
///
/// so the values learnt are those of the exploring policy itself (hence the safe path on the cliff).
/// A terminal s' contributes its reward as Q(s',a'). `shouldStop`, asked after every episode, ends
/// the run early (the result then holds the episodes done).
public func sarsa(_ mdp: GridMDP, options: TabularLearningOptions, shouldStop: () -> Bool = { false }) -> LearningResult {
    var rng = SeededGenerator(seed: options.seed)
    var q = initialQTable(mdp, initial: options.initialQ)
    let g = mdp.discount
    var stepSizes = StepSizes(options, states: mdp.stateCount)
    var epsilon = options.epsilon
    var returns: [Double] = [], steps: [Int] = []
    for _ in 0..<options.episodes {
        var s = episodeStart(mdp, options, using: &rng), total = 0.0, t = 0
        var a = epsilonGreedy(q, state: s, epsilon: epsilon, using: &rng)
        while t < options.maxStepsPerEpisode {
            let (next, r, done) = mdp.step(s, a, using: &rng)
            t += 1
            total += r
            if done {
                q[s * 4 + a] += stepSizes.next(s, a) * (r + g * mdp.terminalValue[next] - q[s * 4 + a])
                total += mdp.terminalValue[next]
                break
            }
            let nextAction = epsilonGreedy(q, state: next, epsilon: epsilon, using: &rng)
            q[s * 4 + a] += stepSizes.next(s, a) * (r + g * q[next * 4 + nextAction] - q[s * 4 + a])
            s = next
            a = nextAction
        }
        returns.append(total); steps.append(t)
        epsilon = max(options.minimumEpsilon, epsilon * options.epsilonDecay)
        if shouldStop() { break }
    }
    return LearningResult(q: q, policy: greedyPolicy(mdp, q: q), returns: returns, steps: steps)
}
