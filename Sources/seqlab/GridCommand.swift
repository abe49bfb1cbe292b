// `seqlab grid`: the grid-world reinforcement-learning commands, and the helpers they share.
import ArgumentParser
import Foundation
import Formats
import GridRL
import Tensors

struct Grid: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Grid worlds: show maps, solve known MDPs, learn unknown ones (ADP, Q-learning, SARSA, DQN).",
        discussion: """
        Maps are text files (docs/FORMATS.md, "Grid maps"); see data/grids/.
          seqlab grid solve data/grids/russell-norvig-4x3.grid
          seqlab grid learn data/grids/cliff-walking.grid --algorithm sarsa \\
            --alpha 0.5 --curve sarsa.tsv
        """,
        subcommands: [GridShow.self, GridSolve.self, GridLearn.self, GridCompare.self, GridPlay.self, GridGenerate.self])
}


/// Writes `text` to `path` (`-` is standard output), all at once (`AtomicFile`).
func writeText(_ text: String, to path: String) throws {
    if path == "-" { try writeOut(text); return }
    try AtomicFile.write(Array(text.utf8), to: path)
}

/// Seconds elapsed since `start`.
func secondsSince(_ start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

extension SweepOrder: ExpressibleByArgument {}

/// The memory solving a map may take: --max-memory of solve and show.
struct SolvingMemoryFlags: ParsableArguments {
    @Option(help: "Refuse to solve a map that would need more memory than this (e.g. 8G; default 4G): about 120 bytes a cell.")
    var maxMemory: String?

    func validate() throws {
        if let maxMemory, MemoryBudget.parse(maxMemory) == nil { throw ValidationError("--max-memory takes a size such as 512M or 8G") }
    }

    /// The limit in bytes: --max-memory, or the 4 GiB that learn allows.
    var limit: Double { maxMemory.flatMap(MemoryBudget.parse).map(Double.init) ?? LearningFlags.memoryLimit }

    /// Reads the map at `path` to solve it; refuses (an input error naming `path`, exit status 1)
    /// one whose solving would take more than `limit`, when its first row and its number of rows
    /// are known, before its cells are read: a 10000×10000 maze would need about 12 GB.
    static func readMap(_ path: String, limit: Double, raise: String, requireDefinedUtilities: Bool = true,
                        requireReachableTerminal: Bool = true) throws -> GridMap {
        do {
            return try GridMap(contentsOf: path, requireReachableTerminal: requireReachableTerminal,
                               requireDefinedUtilities: requireDefinedUtilities, maxCells: Int(limit / GridMDP.estimatedSolvingBytes(cells: 1)))
        } catch let tooLarge as GridMapTooLarge {
            let bytes = GridMDP.estimatedSolvingBytes(cells: tooLarge.rows * tooLarge.cols)
            let gigabytes = String(format: "%.3g", bytes / 1e9), allowed = String(format: "%.3g", limit / 1e9)
            throw InputError(file: path == "-" ? "stdin" : path,
                             "solving would take about \(gigabytes) GB of memory on a \(tooLarge.rows)×\(tooLarge.cols) map, more than the \(allowed) GB allowed: \(raise)")
        }
    }
}

extension MDPSolution {
    /// The warning solve and show give when value iteration stopped at its limit.
    var notConvergedWarning: String? {
        converged ? nil : "not converged after \(iterations) iterations (last change \(lastChange))"
    }
}

/// A learner whose values or weights stopped being finite (a step size too large): exit status 1.
struct LearningDiverged: Error, CustomStringConvertible {
    let description: String
}
