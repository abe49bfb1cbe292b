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
