// PolicyIteration: alternate policy evaluation and greedy improvement (Russell & Norvig, Fig. 17.7).

/// Options of policy iteration, with their defaults.
public struct PolicyIterationOptions: Sendable {
    /// Policy evaluation sweeps each strongly connected part of the policy's graph until
    /// ‖ΔU‖∞ < evaluationEpsilon · max(1, max |U|) there. Default
    /// 1e-14, some tens of units in the last place, well below `improvementTolerance`.
    public var evaluationEpsilon: Double = 1e-14
    /// At most this many sweeps of one part per evaluation (a cap keeps a policy that never reaches a
    /// terminal under γ = 1, whose utilities have no finite value, from running forever). Default 10 000.
    public var maxEvaluationSweeps: Int = 10_000
    /// At most this many improvement steps. Default 1 000.
    public var maxImprovements: Int = 1_000
    /// The improvement step keeps a state's action unless another's Q is higher by more than
    /// improvementTolerance · max(1, |Q|); value iteration's greedy policy tells actions apart as
    /// finely. Default 1e-12.
    public var improvementTolerance: Double = 1e-12
    public init(evaluationEpsilon: Double = 1e-14, maxEvaluationSweeps: Int = 10_000, maxImprovements: Int = 1_000,
                improvementTolerance: Double = 1e-12) {
        self.evaluationEpsilon = evaluationEpsilon
        self.maxEvaluationSweeps = maxEvaluationSweeps
        self.maxImprovements = maxImprovements
        self.improvementTolerance = improvementTolerance
    }
}

/// What an evaluation of a policy ended with.
public struct PolicyEvaluation: Sendable {
    /// The largest change of the last sweep of any part (0 where a part was solved in closed form).
    public var lastChange: Double
    /// Whether every part met the stopping rule before the sweep limit.
    public var converged: Bool
}

/// Evaluates a fixed policy: solves U(s) = Σ_m P(m|π(s))[r(s,m) + γ U(s'_m)] for the decision states
/// (terminals keep their values in `u`), starting from the values in `u`.
///
/// The equations are taken in the order of the policy's graph (an edge from s to each other state
/// an outcome of π(s) can reach): its strongly connected parts (Tarjan) come out sinks first, so
/// when a part is solved every state it leads to outside itself is final. A part of one state is
/// solved exactly, U(s) = (Σ_m P_m r_m + γ Σ_{s'_m ≠ s} P_m U(s'_m)) / (1 − γ Σ_{s'_m = s} P_m); a larger
/// part (a cell a sideways move leads back to, a loop) by Gauss–Seidel sweeps in place, each state
/// solved for its own self-loop, until ‖ΔU‖∞ < epsilon · max(1, max |U|) there or `maxSweeps`.
/// Where the policy's graph has no cycles this is one back-substitution pass.
@discardableResult
public func evaluatePolicy(_ mdp: GridMDP, _ policy: [Int], utilities u: inout [Double],
                           epsilon: Double, maxSweeps: Int) -> PolicyEvaluation {
    let n = mdp.stateCount
    let g = mdp.discount, p = mdp.intendedProbability, q = mdp.sideProbability
    var result = PolicyEvaluation(lastChange: 0, converged: true)
    var order = [Int32](repeating: -1, count: n)   // discovery order; -1: not yet visited
    var low = [Int32](repeating: 0, count: n)
    var onStack = [Bool](repeating: false, count: n)
    var stack: [Int32] = []                        // Tarjan's stack of visited, unassigned states
    var frames: [(state: Int32, next: Int8)] = []  // the depth-first path, with the outcome to try next
    var counter: Int32 = 0
    mdp.destination.withUnsafeBufferPointer { dest in
        mdp.moveReward.withUnsafeBufferPointer { reward in
            u.withUnsafeMutableBufferPointer { up in
                /// The k-th outcome (0: intended, 1 and 2: sideways) of π(s): its move and probability.
                @inline(__always) func outcome(_ s: Int, _ k: Int) -> (move: Int, probability: Double) {
                    let a = policy[s]
                    return k == 0 ? (a, p) : (k == 1 ? ((a + 1) & 3, q) : ((a + 3) & 3, q))
                }
                /// The state the k-th outcome of π(s) reaches, if it is an edge of the graph
                /// (a decision state other than s, with positive probability).
                @inline(__always) func successor(_ s: Int, _ k: Int) -> Int? {
                    let (m, pr) = outcome(s, k)
                    let d = Int(dest[s * 4 + m])
                    return pr > 0 && d != s && policy[d] >= 0 ? d : nil
                }
                /// U(s) = (sum + γ · stay · U(s)): sum over the outcomes of P_m r_m, plus P_m γ U(s'_m)
                /// for those that leave s; stay, the probability of staying.
                @inline(__always) func equation(_ s: Int) -> (sum: Double, stay: Double) {
                    var sum = 0.0, stay = 0.0
                    for k in 0..<3 {
                        let (m, pr) = outcome(s, k)
                        let d = Int(dest[s * 4 + m])
                        sum += pr * reward[s * 4 + m]
                        if d == s { stay += pr } else { sum += pr * g * up[d] }
                    }
                    return (sum, stay)
                }
                /// U(s) solved from its equation, the other states' values as they are, and whether
                /// that is its solution. With γ = 1 and every outcome staying there is none (a sum of
                /// rewards that never ends): the plain backup then moves the value on, as value
                /// iteration's would.
                @inline(__always) func solved(_ s: Int) -> (value: Double, exact: Bool) {
                    let (sum, stay) = equation(s)
                    let diagonal = 1 - g * stay
                    return diagonal > 0 ? (sum / diagonal, true) : (sum + g * stay * up[s], false)
                }
                func solvePart(_ part: ArraySlice<Int32>) {
                    // A part of one state: its equation's solution, when it has one, is final.
                    if part.count == 1 {
                        let s = Int(part[part.startIndex])
                        let (v, exact) = solved(s)
                        if exact { up[s] = v; return }
                    }
                    var sweeps = 0, change = Double.infinity, scale = 1.0
                    while sweeps < maxSweeps && change >= epsilon * scale {
                        sweeps += 1
                        change = 0; scale = 1
                        for s32 in part {
                            let s = Int(s32)
                            let v = solved(s).value
                            change = max(change, abs(v - up[s]))
                            scale = max(scale, abs(v))
                            up[s] = v
                        }
                    }
                    result.lastChange = max(result.lastChange, change)
                    if change >= epsilon * scale { result.converged = false }
                }
                // Iterative Tarjan over the decision states.
                for root32 in mdp.decisionStates where order[Int(root32)] < 0 {
                    order[Int(root32)] = counter; low[Int(root32)] = counter; counter += 1
                    stack.append(root32); onStack[Int(root32)] = true
                    frames.append((root32, 0))
                    while let (v32, next) = frames.last {
                        let v = Int(v32)
                        var k = Int(next), descended = false
                        while k < 3 {
                            let w = successor(v, k); k += 1
                            guard let w else { continue }
                            if order[w] < 0 {
                                frames[frames.count - 1].next = Int8(k)
                                order[w] = counter; low[w] = counter; counter += 1
                                stack.append(Int32(w)); onStack[w] = true
                                frames.append((Int32(w), 0))
                                descended = true
                                break
                            } else if onStack[w] {
                                low[v] = min(low[v], order[w])
                            }
                        }
                        if descended { continue }
                        frames.removeLast()
                        if let parent = frames.last { low[Int(parent.state)] = min(low[Int(parent.state)], low[v]) }
                        if low[v] == order[v] {
                            var first = stack.count - 1
                            while stack[first] != v32 { first -= 1 }
                            for s in stack[first...] { onStack[Int(s)] = false }
                            solvePart(stack[first...])
                            stack.removeSubrange(first...)
                        }
                    }
                }
            }
        }
    }
    return result
}

/// Policy iteration (R&N Fig. 17.7): evaluate π exactly, then π(s) ← argmax_a Q(s,a); stop when no
/// state changes its action. The improvement keeps the current action unless another is better by
/// more than `options.improvementTolerance` · max(1, |Q|), so the loop cannot cycle on ties
/// (Puterman §6.4; Sutton & Barto §4.3).
/// `iterations` counts the improvement steps (each after one evaluation).
///
/// The policy returned is `mdp.greedyPolicy` of the final utilities, so ties among optimal
/// actions are broken as value iteration breaks them (the first best action in up, right, down,
/// left order, a proper one where that one never reaches a terminal): both print the same policy.
public func policyIteration(_ mdp: GridMDP, options: PolicyIterationOptions = .init()) -> MDPSolution {
    var u = mdp.terminalValue
    var policy = mdp.greedyPolicy(u)
    var improvements = 0, stable = false
    var evaluation = PolicyEvaluation(lastChange: .infinity, converged: false)
    while improvements < options.maxImprovements {
        evaluation = evaluatePolicy(mdp, policy, utilities: &u, epsilon: options.evaluationEpsilon,
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
                    if q > bestQ + options.improvementTolerance * max(1, abs(bestQ)) { best = a; bestQ = q }
                }
                if best != policy[s] { policy[s] = best; stable = false }
            }
        }
        if stable && evaluation.converged { break }
    }
    let converged = stable && evaluation.converged
    return MDPSolution(utilities: u, policy: converged ? mdp.greedyPolicy(u, tolerance: options.improvementTolerance) : policy,
                       iterations: improvements, converged: converged, lastChange: evaluation.lastChange)
}
