// `seqlab grid compare`: a learner's greedy policy against value iteration's optimal one.
import ArgumentParser
import GridRL

struct GridCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a learner's greedy policy with the optimal one: agreement and mean returns.")

    @Argument(help: "The grid map file (- for standard input).", completion: .file())
    var map: String

    @OptionGroup var learning: LearningFlags

    @Option(help: "Episodes rolled out per policy to estimate its mean return.")
    var evaluationEpisodes = ComparisonOptions().episodes

    @Option(help: "Cut an evaluation rollout after this many steps (--max-steps cuts the training episodes only).")
    var evaluationMaxSteps = ComparisonOptions().maxStepsPerEpisode

    @Flag(help: "No progress bar (DQN) on stderr.")
    var quiet = false

    func validate() throws {
        guard evaluationEpisodes >= 1 else { throw ValidationError("--evaluation-episodes must be at least 1") }
        guard evaluationMaxSteps >= 1 else { throw ValidationError("--evaluation-max-steps must be at least 1") }
    }

    func run() throws {
        try Self.reportingErrors {
            let map = try SolvingMemoryFlags.readMap(self.map, limit: LearningFlags.memoryLimit, raise: "compare on a smaller map")
            let mdp = GridMDP(map)
            let optimal = valueIteration(mdp)
            var options = ComparisonOptions()
            options.episodes = evaluationEpisodes
            options.maxStepsPerEpisode = evaluationMaxSteps
            options.seed = learning.seed
            let results = try learning.learnAll(mdp, quiet: quiet).results
            let comparisons = results.map { comparePolicy(mdp, policy: $0.policy, optimal: optimal, options: options) }
            let n = Double(comparisons.count)
            var text = "algorithm: \(learning.algorithm.rawValue)\nruns: \(comparisons.count)\n"
            text += "states: \(comparisons[0].states)\n"
            text += "agreement: \(comparisons.map(\.agreement).reduce(0, +) / n)\n"
            text += "mean discounted return (learned): \(comparisons.map(\.meanReturn).reduce(0, +) / n)\n"
            text += "mean discounted return (optimal): \(comparisons[0].optimalMeanReturn)\n"
            text += learning.valuesText(mdp, results)
            try writeOut(text)
        }
    }
}
