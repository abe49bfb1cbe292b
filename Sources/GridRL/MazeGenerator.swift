// MazeGenerator: seeded mazes with loops and traps (depth-first carving, then braiding).
import Tensors

/// Options of the maze generator, with their defaults.
///
/// Rooms sit on even (row, column) positions; a seeded depth-first search carves a perfect
/// maze between them, then `loopFraction` of the remaining walls between rooms are removed so
/// the maze has cycles. `trapFraction` of the dead ends become traps (terminals with
/// `trapReward`): a dead end never lies on a path between other cells, so the goal stays reachable.
public struct MazeOptions: Sendable {
    public var rows: Int
    public var cols: Int
    /// Seed of the generator (same seed, same maze).
    public var seed: UInt64 = 1
    /// Share of the inner walls between rooms removed after carving. Default 0.1.
    public var loopFraction: Double = 0.1
    /// Share of dead ends turned into traps. Default 0.5.
    public var trapFraction: Double = 0.5
    /// Reward of a trap (a terminal). Default −10: worse than living forever at the step reward
    /// (−0.04/(1 − 0.99) = −4), so the optimal agent never dives into a trap to end the episode.
    public var trapReward: Double = -10
    /// Reward of the goal (a terminal at the bottom-right room). Default +1.
    public var goalReward: Double = 1
    /// R(s) of every other cell. Default −0.04.
    public var stepReward: Double = -0.04
    /// Probability of the intended move. Default 0.8.
    public var intendedProbability: Double = 0.8
    /// Discount γ. Default 0.99.
    public var discount: Double = 0.99

    public init(rows: Int, cols: Int, seed: UInt64 = 1) {
        self.rows = rows; self.cols = cols; self.seed = seed
    }
}

/// A seeded maze with loops and traps; start at the top-left, goal at the bottom-right room.
/// Requires rows, cols ≥ 2 (the CLI checks).
public func generateMaze(_ options: MazeOptions) -> GridMap {
    let rows = options.rows, cols = options.cols
    precondition(rows >= 2 && cols >= 2, "a maze needs at least 2×2 cells")
    var rng = SeededGenerator(seed: options.seed)
    var open = [Bool](repeating: false, count: rows * cols)
    let roomRows = (rows + 1) / 2, roomCols = (cols + 1) / 2
    func cell(_ rr: Int, _ rc: Int) -> Int { (2 * rr) * cols + 2 * rc }

    // Depth-first carving over rooms (iterative, so 1000×1000 mazes do not overflow the stack).
    var visited = [Bool](repeating: false, count: roomRows * roomCols)
    var stack = [0]
    visited[0] = true
    open[0] = true
    let steps = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    while let room = stack.last {
        let (rr, rc) = (room / roomCols, room % roomCols)
        var candidates: [Int] = []
        for (dr, dc) in steps {
            let (nr, nc) = (rr + dr, rc + dc)
            if nr >= 0, nr < roomRows, nc >= 0, nc < roomCols, !visited[nr * roomCols + nc] {
                candidates.append(nr * roomCols + nc)
            }
        }
        if candidates.isEmpty { stack.removeLast(); continue }
        let next = candidates[Int(rng.next() % UInt64(candidates.count))]
        let (nr, nc) = (next / roomCols, next % roomCols)
        visited[next] = true
        open[cell(nr, nc)] = true
        open[(rr + nr) * cols + (rc + nc)] = true  // the wall between the two rooms
        stack.append(next)
    }
    // Braiding: open a share of the remaining walls that separate two rooms.
    for r in 0..<rows {
        for c in 0..<cols where !open[r * cols + c] && (r % 2) != (c % 2) {
            let betweenRows = r % 2 == 1 && r + 1 < rows, betweenCols = c % 2 == 1 && c + 1 < cols
            if (betweenRows || betweenCols) && rng.uniform() < options.loopFraction { open[r * cols + c] = true }
        }
    }
    let start = 0
    let goal = cell(roomRows - 1, roomCols - 1)
    var cells = open.map { $0 ? GridCell.open(reward: options.stepReward) : .wall }
    cells[goal] = .terminal(reward: options.goalReward)
    // Traps in dead ends (exactly one open neighbour), never the start or the goal.
    for s in 0..<(rows * cols) where open[s] && s != start && s != goal {
        let (r, c) = (s / cols, s % cols)
        var neighbours = 0
        for (dr, dc) in steps {
            let (nr, nc) = (r + dr, c + dc)
            if nr >= 0, nr < rows, nc >= 0, nc < cols, open[nr * cols + nc] { neighbours += 1 }
        }
        if neighbours == 1 && rng.uniform() < options.trapFraction { cells[s] = .terminal(reward: options.trapReward) }
    }
    return GridMap(name: "maze \(rows)x\(cols) seed \(options.seed)", rows: rows, cols: cols, cells: cells,
                   start: start, intendedProbability: options.intendedProbability, discount: options.discount)
}
