// InfluenceDemo: LSTM, Elman and an echo state network on "remember the first symbol" at long lags.
//
// The flags, their defaults and what they do are in `influence-demo --help` (the command's
// discussion below). The task is LagTask's. LSTM and Elman get the same hidden size, optimizer
// (Adam 1e-2, clipping at 5) and number of steps; the echo state network (Contestants.swift) fits
// its readout on the final state of up to --esn-sequences training sequences. Every --eval-every
// steps each network's accuracy on --validation held-out sequences is recorded (the learning
// curve); the final accuracy is on 512 test sequences. Every network is trained once per seed
// (weights, training batches and held-out sets all follow the seed). Prints per-run details (with
// the input influence of the gradient networks) and a summary table of the mean test accuracy over
// the seeds with the first lag whose mean is below --threshold; with --out, writes curves.jsonl,
// curves.svg and summary.md there. A command line it cannot use: one line on stderr, exit status
// 64; a run or a write that fails: exit 1.
import ArgumentParser
import UsageErrors
import Foundation
import Networks
import Tensors

struct InfluenceDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "influence-demo",
        abstract: "LSTM, Elman and an echo state network on \"remember the first symbol\" at long time lags.",
        discussion: """
        Each sequence has lag + 1 frames of 4 one-hot inputs: frame 0 holds the
        symbol (0 or 1), the other frames random distractors, and Gaussian noise of
        standard deviation --noise is added to every input; at the last frame the
        network must output the symbol (chance 0.5). LSTM and Elman networks of
        --hidden units are trained by BPTT (Adam 1e-2, gradients clipped at 5) for
        --steps batches of --batch sequences; the echo state network's linear readout
        is fitted by ridge regression on the final reservoir state of up to
        --esn-sequences training sequences. Every --eval-every steps each network's
        accuracy on --validation held-out sequences is recorded (its learning curve);
        the final accuracy is on 512 test sequences. Every network is trained once
        per seed (weights, training batches and held-out sets follow the seed).
        Prints per run the parameters, final smoothed training loss, test accuracy,
        time and the input influence |d log y(t)/d x(t-k)| of the gradient networks
        at k = 0 and relative to it at k = 1, lag/2, lag; then a Markdown table of
        the mean test accuracy over the seeds with the first lag whose mean is below
        --threshold. Progress goes to stderr. With --out DIR, also writes
        DIR/curves.jsonl (every learning-curve point), DIR/curves.svg (one panel per
        lag) and DIR/summary.md (the table and the per-run rows).
        As scripts/influence-demo runs it (its defaults, the results into DIR):
          influence-demo --out DIR
        A shorter run of two networks:
          influence-demo --lags 10,50 --networks lstm,elman --steps 500 --seeds 1
        """)

    @Option(help: "Lags to test: integers ≥ 1 separated by commas.") var lags = "10,50,100,200"
    @Option(help: "Networks to train, separated by commas: lstm, elman, esn.") var networks = "lstm,elman,esn"
    @Option(help: "Hidden units of the LSTM and the Elman network (≥ 1).") var hidden = 8
    @Option(help: "Training steps, i.e. batches, of the gradient networks (≥ 1).") var steps = 3000
    @Option(help: "Sequences per training batch (≥ 1).") var batch = 16
    @Option(help: "Seeds, each a run of every network: integers ≥ 0 separated by commas.") var seeds = "1,2,3"
    @Option(help: "Standard deviation ≥ 0 of the Gaussian noise added to every input.") var noise = 0.3
    @Option(help: "Initial bias of the LSTM's forget gate (any finite number).") var forgetBias = 5.0
    @Option(help: "Steps between two points of the learning curve (≥ 1).") var evalEvery = 100
    @Option(help: "Held-out sequences of the learning curve (≥ 1).") var validation = 256
    @Option(help: "Reservoir units of the echo state network (1…4096).") var reservoir = 100
    @Option(help: "Spectral radius ρ ≥ 0 the reservoir's weights are scaled to.") var spectralRadius = 0.9
    @Option(help: "Leak rate in (0, 1] of the reservoir.") var leakRate = 0.1
    @Option(help: "Scale ≥ 0 of the reservoir's input weights (uniform in ±scale).") var inputScale = 0.1
    @Option(help: "Ridge penalty λ ≥ 0 of the echo state network's readout.") var ridge = 1e-4
    @Option(help: "Training sequences the echo state network's readout is fitted on, at most (≥ 1).") var esnSequences = 4096
    @Option(help: "A network fails a lag when its mean test accuracy is below this, in (0, 1].") var threshold = 0.9
    @Option(help: "Write curves.jsonl, curves.svg and summary.md into this directory (created if needed).", completion: .directory)
    var out: String?

    /// The lags of --lags, or nil when it is not a list of integers ≥ 1.
    var lagList: [Int]? {
        let parts = lags.split(separator: ",")
        let values = parts.compactMap { Int($0) }.filter { $0 >= 1 }
        return values.isEmpty || values.count != parts.count ? nil : values
    }

    /// The seeds of --seeds, or nil when it is not a list of integers ≥ 0.
    var seedList: [UInt64]? {
        let parts = seeds.split(separator: ",")
        let values = parts.compactMap { UInt64($0) }
        return values.isEmpty || values.count != parts.count ? nil : values
    }

    /// The networks of --networks, or nil when one is unknown.
    var contestants: [Contestant]? {
        let values = networks.split(separator: ",").map { Contestant(rawValue: String($0)) }
        return values.isEmpty || values.contains(nil) ? nil : values.compactMap { $0 }
    }

    var settings: BenchmarkSettings {
        BenchmarkSettings(hidden: hidden, steps: steps, batch: batch, noise: noise, forgetBias: forgetBias, evalEvery: evalEvery,
                          validation: validation, reservoir: reservoir, spectralRadius: spectralRadius, leakRate: leakRate,
                          inputScale: inputScale, ridge: ridge, esnSequences: esnSequences)
    }

    func validate() throws {
        guard lagList != nil else { throw ValidationError("--lags: expected integers ≥ 1 separated by commas, got '\(lags)'") }
        guard seedList != nil else { throw ValidationError("--seeds: expected integers ≥ 0 separated by commas, got '\(seeds)'") }
        guard contestants != nil else { throw ValidationError("--networks: expected lstm, elman or esn separated by commas, got '\(networks)'") }
        for (value, flag) in [(hidden, "--hidden"), (steps, "--steps"), (batch, "--batch"), (evalEvery, "--eval-every"),
                              (validation, "--validation"), (esnSequences, "--esn-sequences")] where value < 1 {
            throw ValidationError("\(flag): expected an integer ≥ 1, got \(value)")
        }
        guard noise.isFinite && noise >= 0 else { throw ValidationError("--noise: expected a finite number ≥ 0, got \(noise)") }
        guard forgetBias.isFinite else { throw ValidationError("--forget-bias: expected a finite number, got \(forgetBias)") }
        guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold: expected a number in (0, 1], got \(threshold)") }
        // The echo state network's settings, checked as the network checks them (with the task's sizes and connectivity).
        let s = settings
        let echoState = EchoStateConfiguration(inputSize: 4, reservoirSize: s.reservoir, outputSize: 2, spectralRadius: s.spectralRadius,
                                               inputScale: s.inputScale, leakRate: s.leakRate, connectivity: 1, ridge: s.ridge)
        let flags = ["reservoirSize": "--reservoir", "spectralRadius": "--spectral-radius", "inputScale": "--input-scale",
                     "leakRate": "--leak-rate", "ridge": "--ridge"]
        do { try echoState.validate() } catch let error as InputError {
            throw ValidationError("\(error.place.flatMap { flags[$0] } ?? "the echo state network's settings"): \(error.message)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("influence-demo: \(message)\n".utf8))
        Foundation.exit(ExitCode.failure.rawValue)
    }

    func run() throws {
        let lags = lagList!, seeds = seedList!, contestants = contestants!
        var settings = settings
        var results: [ContestResult] = []
        for lag in lags {
            let task = LagTask(lag: lag, noise: settings.noise)
            for c in contestants {
                for seed in seeds {
                    settings.seed = seed
                    do {
                        let r = try contest(c, task: task, settings: settings)
                        results.append(r)
                        FileHandle.standardError.write(Data("lag \(lag) \(c.rawValue) seed \(seed): accuracy \(String(format: "%.3f", r.accuracy)) (\(String(format: "%.1f", r.seconds)) s)\n".utf8))
                    } catch {
                        Self.fail("lag \(lag) \(c.rawValue) seed \(seed): \(error)")
                    }
                }
            }
        }

        for line in BenchmarkReport.detailRows(results) { print(line) }
        print()
        for line in BenchmarkReport.summaryTable(results, lags: lags, threshold: threshold) { print(line) }
        if let out {
            let command = (["influence-demo"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            do { try BenchmarkReport.write(results, lags: lags, threshold: threshold, to: out, command: command) } catch {
                Self.fail("writing \(out): \(error)")
            }
            FileHandle.standardError.write(Data("wrote \(out)/curves.jsonl, curves.svg, summary.md\n".utf8))
        }
    }
}

InfluenceDemo.mainReportingUsageOnOneLine(name: "influence-demo")
