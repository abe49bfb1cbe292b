// GridMDP: a grid map compiled into flat successor tables for fast Bellman backups.
import Tensors

/// A grid map as an MDP with precomputed successor tables (flat arrays, one entry per state and move).
///
/// States are the map's cells (row-major); walls and cliffs are never occupied. For action `a`
/// the outcomes are the moves `a` (probability p), `(a+1)%4` and `(a+3)%4` (each (1−p)/2).
/// Rewards follow Russell & Norvig (ch. 17): a move from `s` collects R(s), except a move into a
/// cliff, which collects the cliff's penalty and lands on the start (Sutton & Barto, Ex. 6.6).
/// A terminal state's utility is its reward. The Bellman backup (R&N eq. 17.6, with rewards on moves):
///
///     Q(s,a) = Σ_m P(m|a) · [ r(s,m) + γ U(dest(s,m)) ],   U(s) = max_a Q(s,a)
public struct GridMDP: Sendable {
    public let map: GridMap
    public var stateCount: Int { map.cellCount }
    public var discount: Double { map.discount }
    /// Probability of the intended move, and of each perpendicular one.
    public let intendedProbability: Double, sideProbability: Double
    /// destination[s*4 + m]: the state reached from `s` by the move `m` (walls and border: `s`; cliffs: start).
    public let destination: [Int32]
    /// moveReward[s*4 + m]: the reward collected by that move (R(s), or the cliff's penalty).
    public let moveReward: [Double]
    /// The states an agent acts from (open cells), in row-major order.
    public let decisionStates: [Int32]
    /// True for terminal cells.
    public let terminal: [Bool]
    /// The utility every terminal keeps (its reward); 0 for other cells.
    public let terminalValue: [Double]

    public init(_ map: GridMap) {
        self.map = map
        let n = map.cellCount
        intendedProbability = map.intendedProbability
        sideProbability = (1 - map.intendedProbability) / 2
        var destination = [Int32](repeating: 0, count: n * 4)
        var moveReward = [Double](repeating: 0, count: n * 4)
        var decision: [Int32] = []
        var terminal = [Bool](repeating: false, count: n)
        var terminalValue = [Double](repeating: 0, count: n)
        for s in 0..<n {
            if map.isTerminal(s) { terminal[s] = true; terminalValue[s] = map.reward(s) }
            if map.isDecision(s) { decision.append(Int32(s)) }
            for m in GridAction.allCases {
                var d = map.neighbour(of: s, move: m)
                var r = map.reward(s)
                if map.isCliff(d) { r = map.reward(d); d = map.start }
                destination[s * 4 + m.rawValue] = Int32(d)
                moveReward[s * 4 + m.rawValue] = r
            }
        }
        self.destination = destination
        self.moveReward = moveReward
        self.decisionStates = decision
        self.terminal = terminal
        self.terminalValue = terminalValue
    }

    /// The three (move, probability) outcomes of action `a`; zero-probability ones included.
    @inlinable public func outcomes(of a: Int) -> [(move: Int, probability: Double)] {
        [(a, intendedProbability), ((a + 1) & 3, sideProbability), ((a + 3) & 3, sideProbability)]
    }

    /// Q(s,a) = Σ_m P(m|a)[r(s,m) + γ U(dest(s,m))] under utilities `u`.
    @inlinable public func qValue(_ s: Int, _ a: Int, _ u: UnsafePointer<Double>) -> Double {
        let base = s * 4, g = map.discount
        let v0 = moveReward[base + a] + g * u[Int(destination[base + a])]
        let b1 = base + ((a + 1) & 3), b3 = base + ((a + 3) & 3)
        let v1 = moveReward[b1] + g * u[Int(destination[b1])]
        let v3 = moveReward[b3] + g * u[Int(destination[b3])]
        return intendedProbability * v0 + sideProbability * (v1 + v3)
    }

    /// max_a Q(s,a) under `u`: the four move values r(s,m) + γU(dest(s,m)) are computed once and
    /// mixed per action (the inner loop of value iteration).
    @inlinable public func bestQValue(_ s: Int, _ u: UnsafePointer<Double>) -> Double {
        let base = s * 4, g = map.discount
        let v0 = moveReward[base] + g * u[Int(destination[base])]
        let v1 = moveReward[base + 1] + g * u[Int(destination[base + 1])]
        let v2 = moveReward[base + 2] + g * u[Int(destination[base + 2])]
        let v3 = moveReward[base + 3] + g * u[Int(destination[base + 3])]
        let p = intendedProbability, q = sideProbability
        let up = p * v0 + q * (v1 + v3), right = p * v1 + q * (v2 + v0)
        let down = p * v2 + q * (v3 + v1), left = p * v3 + q * (v0 + v2)
        return max(max(up, right), max(down, left))
    }

    /// Q(s,·) for all four actions under `u`.
    public func qValues(_ s: Int, _ u: [Double]) -> [Double] {
        u.withUnsafeBufferPointer { p in (0..<4).map { qValue(s, $0, p.baseAddress!) } }
    }

    /// The greedy policy: for each decision state the action maximising Q(s,a) under `u`
    /// (ties go to the first action in up, right, down, left order); -1 elsewhere.
    public func greedyPolicy(_ u: [Double]) -> [Int] {
        var policy = [Int](repeating: -1, count: stateCount)
        u.withUnsafeBufferPointer { p in
            for s32 in decisionStates {
                let s = Int(s32)
                var best = 0, bestQ = qValue(s, 0, p.baseAddress!)
                for a in 1..<4 {
                    let q = qValue(s, a, p.baseAddress!)
                    if q > bestQ + 1e-12 * max(1, abs(bestQ)) { best = a; bestQ = q }
                }
                policy[s] = best
            }
        }
        return policy
    }

    /// The gap between the best and second-best action at `s` under `u` (how sure the greedy choice is).
    public func actionMargin(_ s: Int, _ u: [Double]) -> Double {
        let q = qValues(s, u).sorted(by: >)
        return q[0] - q[1]
    }

    /// Samples one step from `s` with action `a`: the next state, the reward, and whether it is terminal.
    @inlinable public func step<G: RandomNumberGenerator>(_ s: Int, _ a: Int, using rng: inout G)
        -> (next: Int, reward: Double, done: Bool) {
        let x = rng.uniform()
        let m = x < intendedProbability ? a : (x < intendedProbability + sideProbability ? (a + 1) & 3 : (a + 3) & 3)
        let d = Int(destination[s * 4 + m])
        return (d, moveReward[s * 4 + m], terminal[d])
    }
}
