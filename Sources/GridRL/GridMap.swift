// GridMap: a grid world as the lecture draws it — cells, rewards R(s), terminals, cliffs, transition model, discount.

/// The four moves of a grid agent, in clockwise order so that the perpendicular moves of
/// `a` are `(a + 1) % 4` and `(a + 3) % 4` (Russell & Norvig, ch. 17: "the intended
/// direction with probability p, at right angles with the rest").
public enum GridAction: Int, CaseIterable, Sendable, Codable {
    case up = 0, right = 1, down = 2, left = 3

    /// The arrow the lecture draws for this move.
    public var arrow: String { ["↑", "→", "↓", "←"][rawValue] }
    /// A plain name (JSON, logs).
    public var name: String { ["up", "right", "down", "left"][rawValue] }
    /// Row and column offsets of the move.
    public var delta: (row: Int, col: Int) { [(-1, 0), (0, 1), (1, 0), (0, -1)][rawValue] }
}

/// What occupies one cell of a grid map.
public enum GridCell: Equatable, Sendable {
    /// An ordinary cell; the agent collects `reward` (R(s)) each step it leaves it.
    case open(reward: Double)
    /// A wall: never occupied; moving into it leaves the agent where it was.
    case wall
    /// A terminal cell: the episode ends there and its utility is its reward.
    case terminal(reward: Double)
    /// A cliff: stepping into it costs `penalty` (instead of the step reward) and sends the
    /// agent back to the start (Sutton & Barto, Example 6.6).
    case cliff(penalty: Double)
}

/// A grid-world Markov decision process as a map (the text format is in docs/FORMATS.md).
///
/// Cells are stored row-major: cell (r, c) is `cells[r * cols + c]`, row 0 at the top.
/// The transition model: the intended move succeeds with `intendedProbability`; each of the
/// two perpendicular moves happens with `(1 − intendedProbability) / 2`; bumping a wall or the
/// border leaves the agent in place.
public struct GridMap: Equatable, Sendable {
    public var name: String
    public var rows: Int
    public var cols: Int
    public var cells: [GridCell]
    /// The start cell index (row-major).
    public var start: Int
    /// Probability that the intended move happens.
    public var intendedProbability: Double
    /// The discount γ, 0 < γ ≤ 1.
    public var discount: Double

    public init(name: String = "", rows: Int, cols: Int, cells: [GridCell], start: Int,
                intendedProbability: Double, discount: Double) {
        precondition(rows > 0 && cols > 0 && cells.count == rows * cols && (0..<cells.count).contains(start))
        self.name = name
        self.rows = rows
        self.cols = cols
        self.cells = cells
        self.start = start
        self.intendedProbability = intendedProbability
        self.discount = discount
    }

    /// Number of cells (rows · cols), walls included.
    public var cellCount: Int { rows * cols }

    public func index(row: Int, col: Int) -> Int { row * cols + col }
    public func position(of index: Int) -> (row: Int, col: Int) { (index / cols, index % cols) }

    public subscript(row: Int, col: Int) -> GridCell {
        get { cells[row * cols + col] }
        set { cells[row * cols + col] = newValue }
    }

    public func isTerminal(_ s: Int) -> Bool { if case .terminal = cells[s] { return true } else { return false } }
    public func isWall(_ s: Int) -> Bool { cells[s] == .wall }
    public func isCliff(_ s: Int) -> Bool { if case .cliff = cells[s] { return true } else { return false } }

    /// A state the agent can be in and act from: open (or start), not a wall, terminal or cliff.
    public func isDecision(_ s: Int) -> Bool { if case .open = cells[s] { return true } else { return false } }

    /// R(s) of a cell (the terminal reward for terminals, the penalty for cliffs, 0 for walls).
    public func reward(_ s: Int) -> Double {
        switch cells[s] {
        case .open(let r), .terminal(let r): return r
        case .cliff(let p): return p
        case .wall: return 0
        }
    }

    /// Whether some sequence of moves leads from the start to a terminal: a search over every
    /// move any action can make (a cliff leads back to the start, so no way passes through one).
    /// Without one, no policy ever ends an episode and value iteration may never converge.
    public var terminalReachableFromStart: Bool {
        var seen = [Bool](repeating: false, count: cellCount)
        var stack = [start]
        seen[start] = true
        while let s = stack.popLast() {
            if isTerminal(s) { return true }
            for m in GridAction.allCases {
                let n = neighbour(of: s, move: m)
                if !seen[n] && !isCliff(n) { seen[n] = true; stack.append(n) }
            }
        }
        return false
    }

    /// The first open cell (row-major) from which no sequence of moves leads to a terminal, or nil:
    /// a search backwards from the terminals over every move any action can make (a move into a
    /// cliff leads to the start). With discount 1 such a cell's utility is a sum of rewards that
    /// never ends, so no solver can give it a value.
    public var firstStateWithoutTerminal: Int? {
        var reaches = [Bool](repeating: false, count: cellCount)
        var queue: [Int32] = []
        for s in 0..<cellCount where isTerminal(s) { reaches[s] = true; queue.append(Int32(s)) }
        var cliffSide: [Int32]?   // the open cells next to a cliff: the start's predecessors through it
        var head = 0
        while head < queue.count {
            let x = Int(queue[head]); head += 1
            // Moves between open cells go both ways, so x's predecessors are among its neighbours.
            var candidates: [Int32] = GridAction.allCases.map { Int32(neighbour(of: x, move: $0)) }
            if x == start {
                if cliffSide == nil {
                    cliffSide = (0..<cellCount).filter { s in
                        isDecision(s) && GridAction.allCases.contains { isCliff(neighbour(of: s, move: $0)) }
                    }.map(Int32.init)
                }
                candidates += cliffSide!
            }
            for n32 in candidates {
                let n = Int(n32)
                if !reaches[n] && isDecision(n) { reaches[n] = true; queue.append(n32) }
            }
        }
        return (0..<cellCount).first { isDecision($0) && !reaches[$0] }
    }

    /// The cell reached from `s` by the move `m` alone (walls and the border keep the agent at `s`).
    /// A cliff cell is returned as is; `GridMDP` redirects it to the start.
    public func neighbour(of s: Int, move m: GridAction) -> Int {
        let (r, c) = position(of: s)
        let (nr, nc) = (r + m.delta.row, c + m.delta.col)
        guard nr >= 0, nr < rows, nc >= 0, nc < cols else { return s }
        let n = nr * cols + nc
        return cells[n] == .wall ? s : n
    }
}
