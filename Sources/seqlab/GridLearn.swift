// `seqlab grid learn`: learn an unknown grid world by acting (ADP, Q-learning, SARSA, DQN); curves and policy.
import ArgumentParser
import Dispatch
import GridRL

extension LearningAlgorithm: ExpressibleByArgument {}

/// The learning flags `learn` and `compare` share; they map onto the library's option structs.
struct LearningFlags: ParsableArguments {
    @Option(help: "adp, qlearning, sarsa or dqn.")
    var algorithm: LearningAlgorithm

    @Option(help: "Training episodes (default 500; DQN: 1000).")
    var episodes: Int?

    @Option(help: "Learning rate α of the TD updates (default 0.1; DQN: RMSProp's step size, default 0.003).")
    var alpha: Double?

    @Option(help: "Decay α with the visits N(s,a) as α·k/(k−1+N) with this k (0: constant).")
    var alphaDecayVisits = TabularLearningOptions().alphaDecayVisits

    @Option(help: "ε of ε-greedy exploration (default 0.1; DQN: the initial ε of the linear annealing, default 1.0).")
    var epsilon: Double?

    @Option(help: "Multiply ε by this after each episode (1: constant).")
    var epsilonDecay = TabularLearningOptions().epsilonDecay

    @Option(help: "Lower bound of the decayed ε (default 0; DQN: the final ε of the annealing, default 0.1, or --epsilon when that is lower).")
    var minEpsilon: Double?

    @Flag(help: "Start episodes in random states (exploring starts).")
    var exploringStarts = false

    @Option(help: "Cut a training episode after this many steps (default 1000; DQN: 200).")
    var maxSteps: Int?

    @Option(help: "DQN: hidden units of the MLP (default 64).")
    var hiddenUnits: Int?

    @Option(help: "DQN: replay memory capacity N (default 10000).")
    var replayCapacity: Int?

    @Option(help: "DQN: minibatch size (default 32).")
    var batchSize: Int?

    @Option(help: "DQN: reset the target network every C steps (default 200).")
    var targetUpdate: Int?

    @Option(help: "DQN: transitions in memory before updates start (default 200).")
    var learningStarts: Int?

    @Option(help: "DQN: multiply rewards by this for learning (default 1).")
    var rewardScale: Double?

    @Option(help: "DQN: steps over which ε is annealed linearly from --epsilon (1.0) to --min-epsilon (0.1) (default 2000).")
    var annealSteps: Int?

    @Flag(help: "DQN: the centred RMSProp of the Nature DQN code (moving average of g subtracted) instead of the lecture's plain form.")
    var centredRmsprop = false

    @Flag(help: "Also print run 1's learned state values max_a Q(s,a), as 'grid show --values' prints value iteration's U(s).")
    var values = false

    @Option(help: "Seed of the first run; run i uses seed + i.")
    var seed: UInt64 = 1

    @Option(help: "Independent runs to average.")
    var runs = 1

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        if let episodes, episodes < 1 { throw ValidationError("--episodes must be at least 1") }
        if let alpha, !(alpha > 0 && alpha.isFinite) { throw ValidationError("--alpha must be a positive finite number") }
        for (name, value) in [("--epsilon", epsilon), ("--min-epsilon", minEpsilon)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(name) must be in [0, 1]") }
        }
        guard epsilonDecay > 0, epsilonDecay <= 1 else { throw ValidationError("--epsilon-decay must be in (0, 1]") }
        // ε only falls (decay, annealing) towards its floor; a floor above the start would raise it.
        let (start, floor) = algorithm == .dqn ? (dqnOptions(run: 0).epsilonStart, dqnOptions(run: 0).epsilonEnd)
            : (tabularOptions(run: 0).epsilon, tabularOptions(run: 0).minimumEpsilon)
        guard floor <= start else {
            throw ValidationError("--min-epsilon (\(floor)\(minEpsilon == nil ? ", the default" : "")) must not exceed --epsilon (\(start)\(epsilon == nil ? ", the default" : ""))")
        }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be at least 1") }
        guard alphaDecayVisits >= 0, alphaDecayVisits.isFinite else { throw ValidationError("--alpha-decay-visits must be a finite number ≥ 0") }
        if algorithm == .dqn {
            guard alphaDecayVisits == 0, epsilonDecay == 1, !exploringStarts else {
                throw ValidationError("--alpha-decay-visits, --epsilon-decay and --exploring-starts are for the tabular learners; DQN anneals ε linearly (--anneal-steps)")
            }
            if let rewardScale, !(rewardScale > 0 && rewardScale.isFinite) { throw ValidationError("--reward-scale must be a positive finite number") }
            for (name, value, least) in [("--hidden-units", hiddenUnits, 1), ("--replay-capacity", replayCapacity, 1), ("--batch-size", batchSize, 1),
                                         ("--target-update", targetUpdate, 1), ("--learning-starts", learningStarts, 0), ("--anneal-steps", annealSteps, 0)] {
                if let value, value < least { throw ValidationError("\(name) must be at least \(least)") }
            }
        } else {
            let dqnOnly = [hiddenUnits, replayCapacity, batchSize, targetUpdate, learningStarts, annealSteps]
            guard dqnOnly.allSatisfy({ $0 == nil }), rewardScale == nil, !centredRmsprop else {
                throw ValidationError("--hidden-units, --replay-capacity, --batch-size, --target-update, --learning-starts, --anneal-steps, --reward-scale and --centred-rmsprop are for --algorithm dqn")
            }
        }
        if algorithm == .adp && (alpha != nil || alphaDecayVisits != 0) {
            throw ValidationError("ADP has no step size: --alpha and --alpha-decay-visits are for qlearning, sarsa (and --alpha for dqn)")
        }
    }

    /// The DQN options of run `run`.
    func dqnOptions(run: Int) -> DQNOptions {
        var o = DQNOptions()
        if let episodes { o.episodes = episodes }
        if let alpha { o.learningRate = alpha }
        if let epsilon { o.epsilonStart = epsilon }
        // The default final ε never exceeds the start a user gave: --epsilon 0.05 alone holds it there.
        o.epsilonEnd = minEpsilon ?? min(o.epsilonEnd, o.epsilonStart)
        if let maxSteps { o.maxStepsPerEpisode = maxSteps }
        if let hiddenUnits { o.hiddenUnits = hiddenUnits }
        if let replayCapacity { o.replayCapacity = replayCapacity }
        if let batchSize { o.batchSize = batchSize }
        if let targetUpdate { o.targetUpdateInterval = targetUpdate }
        if let learningStarts { o.learningStarts = learningStarts }
        if let annealSteps { o.annealSteps = annealSteps }
        if let rewardScale { o.rewardScale = rewardScale }
        o.centredRMSProp = centredRmsprop
        o.seed = seed &+ UInt64(run)
        return o
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
        if let maxSteps { o.maxStepsPerEpisode = maxSteps }
        o.seed = seed &+ UInt64(run)
        return o
    }

    /// The most memory the learners may plan to take, in bytes.
    static let memoryLimit: Double = 4 * 1024 * 1024 * 1024

    /// Refuses (as a usage error, exit status 64) settings whose runs would take more than
    /// `memoryLimit` on `map`: huge --episodes, --runs, --hidden-units, --batch-size, --replay-capacity.
    func checkMemory(_ map: GridMap) throws {
        let perRun = algorithm == .dqn ? dqnOptions(run: 0).estimatedBytes(inputs: GridImage.channels * map.cellCount)
            : tabularOptions(run: 0).estimatedBytes(states: map.cellCount)
        // Every run's curve and Q table are kept; one run's working memory at a time (two with DQN's first network).
        let episodes = Double(algorithm == .dqn ? dqnOptions(run: 0).episodes : tabularOptions(run: 0).episodes)
        let kept = Double(runs) * (episodes * 16 + Double(map.cellCount) * 32)
        let total = kept + perRun * (algorithm == .dqn ? 2 : 1)
        guard total <= Self.memoryLimit else {
            let what = algorithm == .dqn ? "--episodes, --runs, --hidden-units, --batch-size or --replay-capacity" : "--episodes or --runs"
            let gigabytes = String(format: "%.3g", total / 1e9), limit = String(format: "%.3g", Self.memoryLimit / 1e9)
            throw ValidationError("these settings would take about \(gigabytes) GB of memory on a \(map.rows)×\(map.cols) map, more than the \(limit) GB allowed: lower \(what)")
        }
    }

    /// Run 1's learned state values as text, when --values asks for them ("" otherwise).
    func valuesText(_ mdp: GridMDP, _ results: [LearningResult]) -> String {
        values ? "values (run 1):\n" + GridRendering.values(mdp.map, results[0].stateValues(mdp)) : ""
    }

    /// Learns with every run; returns the results (one per run) and, for DQN, the first run's network.
    /// A run whose values (or network weights) are no longer finite is an error: its policy and model mean nothing.
    /// Once `Interrupt.requested` (after `Interrupt.install()`), the run under way stops after its
    /// episode and no other starts: the last result is then short, and runs may be missing.
    func learnAll(_ mdp: GridMDP, quiet: Bool = false) throws -> (results: [LearningResult], dqn: DQNResult?) {
        try checkMemory(mdp.map)
        var results: [LearningResult] = [], first: DQNResult?
        for run in 0..<runs where !Interrupt.requested {
            guard algorithm == .dqn else {
                let result = learnTabular(mdp, algorithm: algorithm, options: tabularOptions(run: run)) { Interrupt.requested }
                results.append(try checkedFinite(result, run: run, network: nil))
                continue
            }
            let options = dqnOptions(run: run)
            let bar = ProgressBar("dqn run \(run + 1)/\(runs)", total: options.episodes, quiet: quiet)
            let result = trainDQN(mdp, options: options, progress: { _, episodeReturn in
                bar.advance(note: "return \(String(format: "%.2f", episodeReturn))")
            }, shouldStop: { Interrupt.requested })
            bar.finish()
            if first == nil { first = result }
            results.append(try checkedFinite(result.learningResult(mdp), run: run, network: result.network))
        }
        return (results, first)
    }

    /// The episodes asked of each run (--episodes or the algorithm's default).
    var episodesPerRun: Int { algorithm == .dqn ? dqnOptions(run: 0).episodes : tabularOptions(run: 0).episodes }

    /// `result` when its Q-values (and the network's weights) are all finite; otherwise a
    /// `LearningDiverged` naming the run and what the step size was.
    func checkedFinite(_ result: LearningResult, run: Int, network: QNetwork<Float>?) throws -> LearningResult {
        let weightsFinite = network?.parameters.allSatisfy { $0.value.data.allSatisfy(\.isFinite) } ?? true
        guard !weightsFinite || result.q.contains(where: { !$0.isFinite }) else { return result }
        let what = weightsFinite ? "Q-values" : "network weights"
        let step = algorithm == .dqn ? "--alpha \(dqnOptions(run: run).learningRate), --reward-scale \(dqnOptions(run: run).rewardScale)"
            : "--alpha \(tabularOptions(run: run).alpha)"
        throw LearningDiverged(description: "diverged: run \(run + 1) ended with non-finite \(what) (NaN or ±inf) with \(step); try a smaller step size")
    }
}

enum CurveFormat: String, ExpressibleByArgument {
    case tsv, jsonl
}

struct GridLearn: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Learn a grid world by acting in it; print the learned greedy policy, write learning curves.",
        discussion: """
        Settings that would take more than 4 GiB of memory (the curves of every
        episode and run, DQN's networks, minibatch and replay memory) are refused
        before learning, as are step sizes that are not finite; a run whose values
        stop being finite ends with an error.

        Ctrl-C (SIGINT), SIGTERM or SIGHUP stops learning after the episode under
        way (exit status 130, 143 or 129). The curve and model of an interrupted
        learning would be those of fewer episodes (and runs) than asked, so neither
        is written: files from an earlier run stay as they were, and one line says
        where learning stopped.
        """)

    @Argument(help: "The grid map file (- for standard input).", completion: .file())
    var map: String

    @OptionGroup var learning: LearningFlags

    @Option(help: "Write the learning curve (mean return per episode over the runs) to this file (- for stdout).", completion: .file())
    var curve: String?

    @Option(help: "Curve format: tsv or jsonl (JSON lines). Default: jsonl for .jsonl/.json files, else tsv.")
    var curveFormat: CurveFormat?

    @Option(help: "DQN: save the first run's Q-network to this safetensors file (for 'seqlab grid play').", completion: .file())
    var model: String?

    @Flag(help: "No progress bar (DQN) or timing line on stderr.")
    var quiet = false

    func validate() throws {
        if model != nil && learning.algorithm != .dqn { throw ValidationError("--model is only for --algorithm dqn") }
        if model == "-" { throw ValidationError("--model writes a safetensors file: give a file name (standard output carries the report)") }
        if curveFormat != nil && curve == nil { throw ValidationError("--curve-format is the format of --curve FILE: give --curve") }
    }

    func run() throws {
        try Self.reportingErrors {
            try Self.refuseSharedOutputs([("--model", model), ("--curve", curve)])
            try Self.refuseReplacingInputs(outputs: [("--model", model), ("--curve", curve)], inputs: [self.map])
            let map = try GridMap(contentsOf: self.map, requireReachableTerminal: true,
                                  requireDefinedUtilities: learning.exploringStarts)
            let mdp = GridMDP(map)
            // Opened before learning, so that a path that cannot be written fails before the work;
            // filled and committed at the end (dropped, with the old files in place, on an error or
            // an interrupt, whose handler is in place before their temporary files exist).
            Interrupt.install()
            let modelOutput = try Self.openSideOutput(model), curveOutput = try Self.openSideOutput(curve)
            let start = DispatchTime.now()
            let (results, dqn) = try learning.learnAll(mdp, quiet: quiet)
            if Interrupt.requested {
                // A short curve or half-trained model would pass for the run asked: keep neither.
                modelOutput?.abandon()
                curveOutput?.abandon()
                let outputs = [("--model", model), ("--curve", curve)].compactMap { o in o.1.map { "\(o.0) \($0)" } }
                let runs = learning.runs > 1 ? " of run \(results.count) of \(learning.runs)" : ""
                var line = "interrupted after episode \(results.last?.returns.count ?? 0) of \(learning.episodesPerRun)\(runs)"
                line += outputs.isEmpty ? "; nothing was written" : "; \(outputs.joined(separator: " and ")) \(outputs.count > 1 ? "were" : "was") not written"
                if [model, curve].contains(where: { $0 != nil && $0 != "-" }) { line += " (files from an earlier run are left as they were)" }
                Self.printMessage(line)
                throw ExitCode(Interrupt.exitStatus)
            }
            let curveData = LearningCurve(results)
            if !quiet { Self.printMessage("\(learning.algorithm.rawValue), \(results.count) run(s) of \(curveData.meanReturns.count) episodes in \(String(format: "%.3f", secondsSince(start))) s") }
            if let modelOutput, let dqn {
                var metadata = ["map": map.name, "seed": String(learning.seed), "episodes": String(results[0].returns.count),
                                "reward_scale": String(dqn.rewardScale)]
                metadata["command"] = "seqlab grid learn --algorithm dqn"
                try modelOutput.write(dqn.network.safeTensors(rows: map.rows, cols: map.cols, metadata: metadata).serialized())
            }
            if let curve, let curveOutput {
                let format = curveFormat ?? (curve.hasSuffix(".jsonl") || curve.hasSuffix(".json") ? .jsonl : .tsv)
                try curveOutput.write(Array((format == .tsv ? curveData.tsv() : curveData.jsonLines()).utf8))
            }
            try modelOutput?.commit()
            try curveOutput?.commit()
            let tail = curveData.meanReturns.suffix(max(1, curveData.meanReturns.count / 10))
            var text = "algorithm: \(learning.algorithm.rawValue)\n"
            text += "runs: \(results.count)\nepisodes: \(curveData.meanReturns.count)\n"
            text += "mean return, last \(tail.count) episodes: \(tail.reduce(0, +) / Double(tail.count))\n"
            text += "policy (run 1):\n" + GridRendering.policy(map, results[0].policy)
            text += learning.valuesText(mdp, results)
            // With the curve on stdout the report goes to stderr as it is (it is output, not a message: no prefix).
            if curve != "-" { try writeOut(text) } else { printError(text) }
        }
    }
}
