// `seqlab grid learn`: learn an unknown grid world by acting (ADP, Q-learning, SARSA, DQN); curves and policy.
import ArgumentParser
import Dispatch
import GridRL

extension LearningAlgorithm: ExpressibleByArgument {}

/// The learning flags `learn` and `compare` share; they map onto the library's option structs.
struct LearningFlags: ParsableArguments {
    @Option(help: "adp, qlearning, sarsa or dqn.")
    var algorithm: LearningAlgorithm

    @Option(help: "Training episodes (default 500; DQN: 300).")
    var episodes: Int?

    @Option(help: "Learning rate α of the TD updates (DQN: RMSProp's step size).")
    var alpha: Double?

    @Option(help: "Decay α with the visits N(s,a) as α·k/(k−1+N) with this k (0: constant).")
    var alphaDecayVisits = TabularLearningOptions().alphaDecayVisits

    @Option(help: "ε of ε-greedy exploration (DQN: the initial ε of the linear annealing).")
    var epsilon: Double?

    @Option(help: "Multiply ε by this after each episode (1: constant).")
    var epsilonDecay = TabularLearningOptions().epsilonDecay

    @Option(help: "Lower bound of the decayed ε (DQN: the final ε of the annealing).")
    var minEpsilon: Double?

    @Flag(help: "Start episodes in random states (exploring starts).")
    var exploringStarts = false

    @Option(help: "Cut an episode after this many steps.")
    var maxSteps = TabularLearningOptions().maxStepsPerEpisode

    @Option(help: "Seed of the first run; run i uses seed + i.")
    var seed: UInt64 = 1

    @Option(help: "Independent runs to average.")
    var runs = 1

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        if let episodes, episodes < 1 { throw ValidationError("--episodes must be at least 1") }
        if let alpha, !(alpha > 0) { throw ValidationError("--alpha must be positive") }
        for (name, value) in [("--epsilon", epsilon), ("--min-epsilon", minEpsilon)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(name) must be in [0, 1]") }
        }
        guard epsilonDecay > 0, epsilonDecay <= 1 else { throw ValidationError("--epsilon-decay must be in (0, 1]") }
        guard maxSteps >= 1 else { throw ValidationError("--max-steps must be at least 1") }
        guard alphaDecayVisits >= 0 else { throw ValidationError("--alpha-decay-visits must be ≥ 0") }
        if algorithm == .dqn { throw ValidationError("--algorithm dqn is not available in this build") }
    }

    /// The tabular options of run `run`.
    func tabularOptions(run: Int) -> TabularLearningOptions {
        var o = TabularLearningOptions()
        if let episodes { o.episodes = episodes }
        if let alpha { o.alpha = alpha }
        o.alphaDecayVisits = alphaDecayVisits
        if let epsilon { o.epsilon = epsilon }
        o.epsilonDecay = epsilonDecay
        if let minEpsilon { o.minimumEpsilon = minEpsilon }
        o.exploringStarts = exploringStarts
        o.maxStepsPerEpisode = maxSteps
        o.seed = seed &+ UInt64(run)
        return o
    }

    /// Learns with every run; returns the results (one per run).
    func learnAll(_ mdp: GridMDP) -> [LearningResult] {
        (0..<runs).map { run in learnTabular(mdp, algorithm: algorithm, options: tabularOptions(run: run)) }
    }
}

enum CurveFormat: String, ExpressibleByArgument {
    case tsv, jsonl
}

struct GridLearn: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Learn a grid world by acting in it; print the learned greedy policy, write learning curves.")

    @Argument(help: "The grid map file (- for standard input).")
    var map: String

    @OptionGroup var learning: LearningFlags

    @Option(help: "Write the learning curve (mean return per episode over the runs) to this file (- for stdout).")
    var curve: String?

    @Option(help: "Curve format: tsv or jsonl (JSON lines). Default: jsonl for .jsonl/.json files, else tsv.")
    var curveFormat: CurveFormat?

    func run() throws {
        try reportingInputErrors {
            let map = try GridMap(contentsOf: self.map)
            let mdp = GridMDP(map)
            let start = DispatchTime.now()
            let results = learning.learnAll(mdp)
            let curveData = LearningCurve(results)
            printError("seqlab grid learn: \(learning.algorithm.rawValue), \(results.count) run(s) of \(curveData.meanReturns.count) episodes in \(String(format: "%.3f", secondsSince(start))) s")
            if let curve {
                let format = curveFormat ?? (curve.hasSuffix(".jsonl") || curve.hasSuffix(".json") ? .jsonl : .tsv)
                try writeText(format == .tsv ? curveData.tsv() : curveData.jsonLines(), to: curve)
            }
            let tail = curveData.meanReturns.suffix(max(1, curveData.meanReturns.count / 10))
            var text = "algorithm: \(learning.algorithm.rawValue)\n"
            text += "runs: \(results.count)\nepisodes: \(curveData.meanReturns.count)\n"
            text += "mean return, last \(tail.count) episodes: \(tail.reduce(0, +) / Double(tail.count))\n"
            text += "policy (run 1):\n" + GridRendering.policy(map, results[0].policy)
            if curve != "-" { writeOut(text) } else { printError(text) }
        }
    }
}
