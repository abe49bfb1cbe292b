// ValueIteration: Bellman updates until the utilities stop changing (Russell & Norvig, Fig. 17.4).

/// How the utilities are swept in each iteration.
public enum SweepOrder: String, Sendable, CaseIterable {
    /// Every state from the previous iteration's utilities (the textbook algorithm; the lecture's iteration counts).
    case jacobi
    /// In place (Gauss–Seidel), alternating forward and backward row-major sweeps: a value can travel
    /// along a whole corridor in one sweep. Same fixed point; the max-norm stopping rule still bounds
    /// the error (the in-place update is a γ-contraction too).
    case gaussSeidel = "gauss-seidel"
}

/// Options of value iteration, with their defaults.
public struct ValueIterationOptions: Sendable {
    /// Maximum error ε allowed in the utilities: stop when ‖U_{i+1} − U_i‖∞ < ε(1−γ)/γ,
    /// or < ε when γ = 1 (where the bound does not apply). Default 1e-6.
    public var epsilon: Double = 1e-6
    /// Stop after this many iterations even if not converged. Default 100 000.
    public var maxIterations: Int = 100_000
    /// Sweep order. Default `.jacobi`.
    public var sweep: SweepOrder = .jacobi
    public init(epsilon: Double = 1e-6, maxIterations: Int = 100_000, sweep: SweepOrder = .jacobi) {
        self.epsilon = epsilon; self.maxIterations = maxIterations; self.sweep = sweep
    }
}

/// What a solver found: utilities per cell (0 for walls and cliffs), the greedy policy, how it got there.
public struct MDPSolution: Sendable {
    /// U(s) for every cell, row-major.
    public var utilities: [Double]
    /// The greedy action (GridAction raw value) per cell; -1 for terminals, walls and cliffs.
    public var policy: [Int]
    /// Iterations (value iteration) or policy-improvement steps (policy iteration).
    public var iterations: Int
    /// Whether the stopping rule was met before the iteration limit.
    public var converged: Bool
    /// The last ‖U_{i+1} − U_i‖∞.
    public var lastChange: Double
}

/// Value iteration (R&N Fig. 17.4): U_{i+1}(s) = max_a Σ P(s'|s,a)[r + γ U_i(s')], terminals fixed at R(s).
public func valueIteration(_ mdp: GridMDP, options: ValueIterationOptions = .init()) -> MDPSolution {
    let g = mdp.discount
    let threshold = g < 1 ? options.epsilon * (1 - g) / g : options.epsilon
    var u = mdp.terminalValue
    var next = u
    var iterations = 0, change = Double.infinity
    let states = mdp.decisionStates
    while iterations < options.maxIterations {
        iterations += 1
        change = 0
        switch options.sweep {
        case .jacobi:
            u.withUnsafeBufferPointer { up in
                next.withUnsafeMutableBufferPointer { np in
                    for s32 in states {
                        let s = Int(s32)
                        let best = mdp.bestQValue(s, up.baseAddress!)
                        change = max(change, abs(best - up[s]))
                        np[s] = best
                    }
                }
            }
            swap(&u, &next)
        case .gaussSeidel:
            let forward = iterations % 2 == 1
            u.withUnsafeMutableBufferPointer { up in
                let p = UnsafePointer(up.baseAddress!)
                for i in 0..<states.count {
                    let s = Int(states[forward ? i : states.count - 1 - i])
                    let best = mdp.bestQValue(s, p)
                    change = max(change, abs(best - up[s]))
                    up[s] = best
                }
            }
        }
        if change < threshold { break }
    }
    // Utilities within ε of U* put tied actions' Q-values within 2γε of each other.
    return MDPSolution(utilities: u, policy: mdp.greedyPolicy(u, tolerance: 2 * options.epsilon), iterations: iterations,
                       converged: change < threshold, lastChange: change)
}
