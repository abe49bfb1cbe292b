// `seqlab grid solve`: value or policy iteration on a known grid MDP; utilities, policy, iterations.
import ArgumentParser
import Dispatch
import GridRL

enum SolveMethod: String, ExpressibleByArgument, CaseIterable {
    case value, policy
}

struct GridSolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solve a grid MDP by value iteration (or policy iteration) and print utilities and policy.")

    @Argument(help: "The grid map file (- for standard input).", completion: .file())
    var map: String

    @Option(help: "value (value iteration) or policy (policy iteration: its iterations are improvement steps, each after an exact evaluation of the policy; ties between optimal actions are broken as value iteration breaks them).")
    var method: SolveMethod = .value

    @Option(help: "Value iteration's ε: stop when ‖U_{i+1} − U_i‖ < ε(1−γ)/γ (< ε when γ = 1). (default: 1e-06)")
    var epsilon: Double?

    @Option(help: "Value iteration's iteration limit. (default: 100000)")
    var maxIterations: Int?

    @Option(help: "Value iteration's sweep order: jacobi (textbook, the default) or gauss-seidel (in place, alternating; for large maps).")
    var sweep: SweepOrder?

    @OptionGroup var memory: SolvingMemoryFlags

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Print only the summary (method, iterations, start utility), not the grids.")
    var summary = false

    @Flag(help: "No timing line on stderr (a warning that value iteration did not converge stays).")
    var quiet = false

    func validate() throws {
        // An infinite ε would stop value iteration after one sweep and call that converged.
        if let epsilon, !(epsilon > 0 && epsilon.isFinite) { throw ValidationError("--epsilon must be a positive finite number") }
        if let maxIterations, maxIterations < 1 { throw ValidationError("--max-iterations must be at least 1") }
        if method == .policy && (epsilon != nil || maxIterations != nil || sweep != nil) {
            throw ValidationError("--epsilon, --max-iterations and --sweep set value iteration; --method policy improves the policy until it is stable")
        }
        if json && summary { throw ValidationError("--summary shortens the text output; --json prints one object with the grids") }
    }

    /// Value iteration's options: the flags given, the defaults of `ValueIterationOptions` otherwise.
    var valueIterationOptions: ValueIterationOptions {
        var o = ValueIterationOptions()
        if let epsilon { o.epsilon = epsilon }
        if let maxIterations { o.maxIterations = maxIterations }
        if let sweep { o.sweep = sweep }
        return o
    }

    func run() throws {
        try Self.reportingErrors {
            let loadStart = DispatchTime.now()
            let map = try SolvingMemoryFlags.readMap(self.map, limit: memory.limit, raise: "solve a smaller map or raise --max-memory")
            let mdp = GridMDP(map)
            let loaded = secondsSince(loadStart)
            let start = DispatchTime.now()
            let solution: MDPSolution
            let methodName: String
            switch method {
            case .value:
                let options = valueIterationOptions
                solution = valueIteration(mdp, options: options)
                methodName = "value iteration (\(options.sweep.rawValue))"
            case .policy:
                solution = policyIteration(mdp)
                methodName = "policy iteration"
            }
            let seconds = secondsSince(start)
            if !quiet { Self.printMessage("\(map.rows)×\(map.cols) map read in \(String(format: "%.3f", loaded)) s, solved in \(String(format: "%.3f", seconds)) s") }
            if let warning = solution.notConvergedWarning { Self.printWarning(warning) }
            if json {
                try writeOut(GridRendering.json(map, solution, method: method.rawValue))
                if !solution.converged { throw ExitCode.failure }
                return
            }
            var text = "method: \(methodName)\n"
            text += "iterations: \(solution.iterations) (\(solution.converged ? "converged" : "not converged"), last change \(solution.lastChange))\n"
            text += "start utility: \(solution.utilities[map.start])\n"
            if !summary {
                text += "utilities:\n" + GridRendering.values(map, solution.utilities)
                text += "policy:\n" + GridRendering.policy(map, solution.policy)
            }
            try writeOut(text)
            if !solution.converged { throw ExitCode.failure }
        }
    }
}
