// InfluenceDemo: LSTM, Elman and an echo state network on "remember the first symbol" at long lags.
//
// Usage: influence-demo [--lags 10,50,100,200] [--networks lstm,elman,esn] [--hidden 8] [--steps 3000]
//                       [--batch 16] [--seeds 1,2,3] [--noise 0.3] [--forget-bias 5] [--eval-every 100]
//                       [--validation 256] [--reservoir 100] [--spectral-radius 0.9] [--leak-rate 0.1]
//                       [--input-scale 0.1] [--ridge 1e-4] [--esn-sequences 4096] [--threshold 0.9] [--out DIR]
// The task is LagTask's. LSTM and Elman get the same hidden size, optimizer (Adam 1e-2, clipping
// at 5) and number of steps; the echo state network (Contestants.swift) fits its readout on the
// final state of up to --esn-sequences training sequences. Every --eval-every steps each network's
// accuracy on --validation held-out sequences is recorded (the learning curve); the final accuracy
// is on 512 test sequences. Every network is trained once per seed (weights, training batches and
// held-out sets all follow the seed). Prints per-run details (with the input influence of the
// gradient networks) and a summary table of the mean test accuracy over the seeds with the first
// lag whose mean is below --threshold; with --out,
// writes curves.jsonl, curves.svg and summary.md there.
import Foundation
import Networks
import Tensors

var settings = BenchmarkSettings()
var lags = [10, 50, 100, 200]
var seeds: [UInt64] = [1, 2, 3]
var contestants = Contestant.allCases
var threshold = 0.9
var outDirectory: String?

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("influence-demo: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    guard let value = arguments.first else { fail("\(flag) needs a value") }
    arguments.removeFirst()
    func int(_ low: Int = 1) -> Int {
        guard let v = Int(value), v >= low else { fail("\(flag): expected an integer ≥ \(low), got \(value)") }
        return v
    }
    func double(_ ok: (Double) -> Bool = { $0 >= 0 }) -> Double {
        guard let v = Double(value), v.isFinite, ok(v) else { fail("\(flag): expected a number in range, got \(value)") }
        return v
    }
    switch flag {
    case "--lags":
        lags = value.split(separator: ",").map { Int($0) ?? 0 }
        if lags.isEmpty || lags.contains(where: { $0 < 1 }) { fail("--lags: expected positive integers separated by commas, got \(value)") }
    case "--networks":
        contestants = value.split(separator: ",").map { name in
            guard let c = Contestant(rawValue: String(name)) else { fail("--networks: unknown network \(name) (lstm, elman, esn)") }
            return c
        }
    case "--hidden": settings.hidden = int()
    case "--steps": settings.steps = int()
    case "--batch": settings.batch = int()
    case "--seeds":
        let parts = value.split(separator: ",")
        seeds = parts.compactMap { UInt64($0) }
        if seeds.isEmpty || seeds.count != parts.count { fail("--seeds: expected seeds separated by commas, got \(value)") }
    case "--noise": settings.noise = double()
    case "--forget-bias": settings.forgetBias = double { _ in true }
    case "--eval-every": settings.evalEvery = int()
    case "--validation": settings.validation = int()
    case "--reservoir": settings.reservoir = int()
    case "--spectral-radius": settings.spectralRadius = double()
    case "--leak-rate": settings.leakRate = double { $0 > 0 && $0 <= 1 }
    case "--input-scale": settings.inputScale = double()
    case "--ridge": settings.ridge = double()
    case "--esn-sequences": settings.esnSequences = int()
    case "--threshold": threshold = double { $0 > 0 && $0 <= 1 }
    case "--out": outDirectory = value
    default: fail("unknown flag \(flag)")
    }
}

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
                fail("lag \(lag) \(c.rawValue) seed \(seed): \(error)")
            }
        }
    }
}

for line in BenchmarkReport.detailRows(results) { print(line) }
print()
for line in BenchmarkReport.summaryTable(results, lags: lags, threshold: threshold) { print(line) }
if let outDirectory {
    let command = (["influence-demo"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    do { try BenchmarkReport.write(results, lags: lags, threshold: threshold, to: outDirectory, command: command) } catch {
        fail("writing \(outDirectory): \(error)")
    }
    FileHandle.standardError.write(Data("wrote \(outDirectory)/curves.jsonl, curves.svg, summary.md\n".utf8))
}
