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
    /// R(s) per cell, and whether some move from the cell enters a cliff (then its moves' rewards differ
    /// and `moveReward` must be read; otherwise every move collects R(s)).
    public let stateReward: [Double]
    public let nearCliff: [Bool]

    /// The peak memory, in bytes, of reading a map of `cells` cells (rows · cols, walls included),
    /// compiling it and solving it by value or policy iteration: about 120 bytes a cell — the map
    /// text (twice), its cells (16), the successor and reward tables (70), two utility arrays and
    /// the greedy policy with its searches (about 35). Peak resident sizes of value iteration on generated
    /// mazes of 0.09 to 4 million cells were 116 to 121 bytes a cell above the program's own 20–30 MB.
    public static func estimatedSolvingBytes(cells: Int) -> Double { 120 * Double(cells) }

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
        var stateReward = [Double](repeating: 0, count: n)
        var nearCliff = [Bool](repeating: false, count: n)
        for s in 0..<n {
            if map.isTerminal(s) { terminal[s] = true; terminalValue[s] = map.reward(s) }
            if map.isDecision(s) { decision.append(Int32(s)) }
            for m in GridAction.allCases {
                var d = map.neighbour(of: s, move: m)
                var r = map.reward(s)
                if map.isCliff(d) { r = map.reward(d); d = map.start; nearCliff[s] = true }
                destination[s * 4 + m.rawValue] = Int32(d)
                moveReward[s * 4 + m.rawValue] = r
            }
        }
        self.destination = destination
        self.moveReward = moveReward
        self.decisionStates = decision
        self.terminal = terminal
        self.terminalValue = terminalValue
        for s in 0..<n { stateReward[s] = map.reward(s) }
        self.stateReward = stateReward
        self.nearCliff = nearCliff
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
    /// Away from cliffs every move collects R(s), so max_a Q(s,a) = R(s) + γ max_a Σ_m P(m|a) U(dest(s,m)),
    /// which reads only the four destinations.
    @inlinable public func bestQValue(_ s: Int, _ u: UnsafePointer<Double>) -> Double {
        let base = s * 4, g = map.discount
        let p = intendedProbability, q = sideProbability
        if !nearCliff[s] {
            let u0 = u[Int(destination[base])], u1 = u[Int(destination[base + 1])]
            let u2 = u[Int(destination[base + 2])], u3 = u[Int(destination[base + 3])]
            let best = max(max(p * u0 + q * (u1 + u3), p * u1 + q * (u2 + u0)),
                           max(p * u2 + q * (u3 + u1), p * u3 + q * (u0 + u2)))
            return stateReward[s] + g * best
        }
        let v0 = moveReward[base] + g * u[Int(destination[base])]
        let v1 = moveReward[base + 1] + g * u[Int(destination[base + 1])]
        let v2 = moveReward[base + 2] + g * u[Int(destination[base + 2])]
        let v3 = moveReward[base + 3] + g * u[Int(destination[base + 3])]
        let up = p * v0 + q * (v1 + v3), right = p * v1 + q * (v2 + v0)
        let down = p * v2 + q * (v3 + v1), left = p * v3 + q * (v0 + v2)
        return max(max(up, right), max(down, left))
    }

    /// Q(s,·) for all four actions under `u`.
    public func qValues(_ s: Int, _ u: [Double]) -> [Double] {
        u.withUnsafeBufferPointer { p in (0..<4).map { qValue(s, $0, p.baseAddress!) } }
    }

    /// The greedy policy: for each decision state an action maximising Q(s,a) under `u`; -1 elsewhere.
    ///
    /// Actions whose Q is within `tolerance`·max(1, |max_a Q|) of the best are tied (pass the solver's
    /// error bound on U). Ties are common where bumping a wall keeps the value of moving on (γ = 1,
    /// no step cost, deterministic moves), and the first tied action could then bump a wall forever.
    /// So the first best action in up, right, down, left order is kept wherever the policy of first
    /// best actions reaches a terminal from the state with some chance. Only at the states where it
    /// never does is it replaced: it is kept there when it has some chance of moving to a state nearer
    /// a terminal, and otherwise the first tied action that has one is taken ("nearer" counts steps to
    /// a terminal by a backward breadth-first search from the terminals over the moves the tied
    /// actions can make). The policy then reaches a terminal (is proper) from every state from which
    /// some choice among the tied actions does. A state with a single best action keeps it, and so
    /// does a state whose first best action already leads to a terminal: a loose tolerance (a large
    /// ε) cannot trade a best action for a worse one that merely heads for the nearest terminal (a
    /// trap, or a wall to bump), so proper policies are as the plain argmax gives them.
    public func greedyPolicy(_ u: [Double], tolerance: Double = 1e-12) -> [Int] {
        var policy = [Int](repeating: -1, count: stateCount)
        var tied = [UInt8](repeating: 0, count: stateCount)   // bit a: action a is tied for the best
        var anyTie = false
        var qs = [Double](repeating: 0, count: 4)
        u.withUnsafeBufferPointer { p in
            for s32 in decisionStates {
                let s = Int(s32)
                var best = 0
                for a in 0..<4 {
                    qs[a] = qValue(s, a, p.baseAddress!)
                    if a > 0 && qs[a] > qs[best] + 1e-12 * max(1, abs(qs[best])) { best = a }
                }
                let top = max(max(qs[0], qs[1]), max(qs[2], qs[3]))
                var mask: UInt8 = 1 << best
                for a in 0..<4 where qs[a] >= top - tolerance * max(1, abs(top)) { mask |= 1 << a }
                policy[s] = best
                tied[s] = mask
                if mask.nonzeroBitCount > 1 { anyTie = true }
            }
        }
        guard anyTie else { return policy }
        // Where the first best actions reach a terminal they stay: a search over their moves alone.
        var first = [UInt8](repeating: 0, count: stateCount)
        for s32 in decisionStates { first[Int(s32)] = 1 << policy[Int(s32)] }
        let proper = stepsToTerminal(through: first)
        let distance = stepsToTerminal(through: tied)
        for s32 in decisionStates {
            let s = Int(s32)
            guard tied[s].nonzeroBitCount > 1, proper[s] == Int32.max, distance[s] != Int32.max,
                  !approaches(s, policy[s], distance) else { continue }
            for a in 0..<4 where tied[s] & (1 << a) != 0 && approaches(s, a, distance) { policy[s] = a; break }
        }
        return policy
    }

    /// The moves action `a` can make (bit m set: move m has positive probability).
    func possibleMoves(_ a: Int) -> UInt8 {
        (intendedProbability > 0 ? 1 << a : 0) | (sideProbability > 0 ? (1 << ((a + 1) & 3)) | (1 << ((a + 3) & 3)) : 0)
    }

    /// Whether action `a` from `s` has some chance of reaching a state with a smaller `distance`.
    func approaches(_ s: Int, _ a: Int, _ distance: [Int32]) -> Bool {
        let moves = possibleMoves(a)
        for m in 0..<4 where moves & (1 << m) != 0 && distance[Int(destination[s * 4 + m])] < distance[s] { return true }
        return false
    }

    /// Fewest steps from each state to a terminal when state `s` may take the actions of bitmask
    /// `actions[s]` and any of their possible moves happens (Int32.max: no terminal that way): a
    /// breadth-first search backwards from the terminals. A state's predecessors are its four
    /// neighbours, and for the start also the states next to a cliff.
    func stepsToTerminal(through actions: [UInt8]) -> [Int32] {
        var distance = [Int32](repeating: .max, count: stateCount)
        var queue: [Int32] = []
        for s in 0..<stateCount where terminal[s] { distance[s] = 0; queue.append(Int32(s)) }
        let cliffSide = decisionStates.filter { nearCliff[Int($0)] }
        func reaches(_ s: Int, _ x: Int) -> Bool {
            var moves: UInt8 = 0
            for a in 0..<4 where actions[s] & (1 << a) != 0 { moves |= possibleMoves(a) }
            for m in 0..<4 where moves & (1 << m) != 0 && Int(destination[s * 4 + m]) == x { return true }
            return false
        }
        var head = 0
        while head < queue.count {
            let x = Int(queue[head]); head += 1
            var candidates: [Int32] = []
            for m in GridAction.allCases {
                let n = map.neighbour(of: x, move: m)
                if n != x { candidates.append(Int32(n)) }
            }
            if x == map.start { candidates += cliffSide }
            for n32 in candidates {
                let n = Int(n32)
                if distance[n] == .max && map.isDecision(n) && reaches(n, x) {
                    distance[n] = distance[x] + 1
                    queue.append(n32)
                }
            }
        }
        return distance
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
