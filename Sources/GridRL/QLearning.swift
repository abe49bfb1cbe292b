// QLearning: off-policy TD control with ε-greedy exploration (Watkins 1989; Sutton & Barto §6.5).
import Tensors

/// Tabular Q-learning (Sutton & Barto eq. 6.8):
///
///     Q(s,a) ← Q(s,a) + α [ r + γ max_a' Q(s',a') − Q(s,a) ]
///
/// Actions are chosen ε-greedily; a terminal s' contributes its reward as max_a' Q(s',a').
/// Every episode starts at the map's start cell. `shouldStop`, asked after every episode, ends
/// the run early (the result then holds the episodes done).
public func qLearning(_ mdp: GridMDP, options: TabularLearningOptions, shouldStop: () -> Bool = { false }) -> LearningResult {
    var rng = SeededGenerator(seed: options.seed)
    var q = initialQTable(mdp, initial: options.initialQ)
    let g = mdp.discount
    var stepSizes = StepSizes(options, states: mdp.stateCount)
    var epsilon = options.epsilon
    var returns: [Double] = [], steps: [Int] = []
    for _ in 0..<options.episodes {
        var s = episodeStart(mdp, options, using: &rng), total = 0.0, t = 0
        while t < options.maxStepsPerEpisode {
            let a = epsilonGreedy(q, state: s, epsilon: epsilon, using: &rng)
            let (next, r, done) = mdp.step(s, a, using: &rng)
            t += 1
            total += r
            var target = r
            if done {
                target += g * mdp.terminalValue[next]
            } else {
                var best = q[next * 4]
                for b in 1..<4 { best = max(best, q[next * 4 + b]) }
                target += g * best
            }
            q[s * 4 + a] += stepSizes.next(s, a) * (target - q[s * 4 + a])
            if done { total += mdp.terminalValue[next]; break }
            s = next
        }
        returns.append(total); steps.append(t)
        epsilon = max(options.minimumEpsilon, epsilon * options.epsilonDecay)
        if shouldStop() { break }
    }
    return LearningResult(q: q, policy: greedyPolicy(mdp, q: q), returns: returns, steps: steps)
}
