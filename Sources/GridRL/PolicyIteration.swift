// PolicyIteration: alternate policy evaluation and greedy improvement (Russell & Norvig, Fig. 17.7).

/// Options of (modified) policy iteration, with their defaults.
public struct PolicyIterationOptions: Sendable {
    /// Policy evaluation sweeps until ‖ΔU‖∞ < evaluationEpsilon. Default 1e-9.
    public var evaluationEpsilon: Double = 1e-9
    /// At most this many in-place evaluation sweeps per policy (modified policy iteration,
    /// R&N §17.3; a cap keeps improper policies under γ = 1 from running forever). Default 10 000.
    public var maxEvaluationSweeps: Int = 10_000
    /// At most this many improvement steps. Default 1 000.
    public var maxImprovements: Int = 1_000
    public init(evaluationEpsilon: Double = 1e-9, maxEvaluationSweeps: Int = 10_000, maxImprovements: Int = 1_000) {
        self.evaluationEpsilon = evaluationEpsilon
        self.maxEvaluationSweeps = maxEvaluationSweeps
        self.maxImprovements = maxImprovements
    }
}

/// Evaluates a fixed policy in place: U(s) ← Σ P(s'|s,π(s))[r + γ U(s')] until the change is
/// below `epsilon` or `maxSweeps` is reached. Returns the last change.
@discardableResult
public func evaluatePolicy(_ mdp: GridMDP, _ policy: [Int], utilities u: inout [Double],
                           epsilon: Double, maxSweeps: Int) -> Double {
    var change = Double.infinity
    var sweeps = 0
    u.withUnsafeMutableBufferPointer { up in
        let p = UnsafePointer(up.baseAddress!)
        while sweeps < maxSweeps && change >= epsilon {
            sweeps += 1
            change = 0
            for s32 in mdp.decisionStates {
                let s = Int(s32)
                let v = mdp.qValue(s, policy[s], p)
                change = max(change, abs(v - up[s]))
                up[s] = v
            }
        }
    }
    return change
}

/// Policy iteration (R&N Fig. 17.7): evaluate π, then π(s) ← argmax_a Q(s,a); stop when no state
/// changes its action. An action is replaced only by a strictly better one, so the loop cannot cycle on ties.
public func policyIteration(_ mdp: GridMDP, options: PolicyIterationOptions = .init()) -> MDPSolution {
    var u = mdp.terminalValue
    var policy = mdp.greedyPolicy(u)
    var improvements = 0, stable = false, change = Double.infinity
    while improvements < options.maxImprovements {
        change = evaluatePolicy(mdp, policy, utilities: &u, epsilon: options.evaluationEpsilon,
                                maxSweeps: options.maxEvaluationSweeps)
        improvements += 1
        stable = true
        u.withUnsafeBufferPointer { up in
            for s32 in mdp.decisionStates {
                let s = Int(s32)
                let current = mdp.qValue(s, policy[s], up.baseAddress!)
                var best = policy[s], bestQ = current
                for a in 0..<4 where a != policy[s] {
                    let q = mdp.qValue(s, a, up.baseAddress!)
                    if q > bestQ + 1e-10 * max(1, abs(bestQ)) { best = a; bestQ = q }
                }
                if best != policy[s] { policy[s] = best; stable = false }
            }
        }
        if stable && change < options.evaluationEpsilon { break }
    }
    return MDPSolution(utilities: u, policy: policy, iterations: improvements,
                       converged: stable && change < options.evaluationEpsilon, lastChange: change)
}
