// InfluenceDemo: LSTM against Elman on "remember the first symbol" at long lags, with influence curves.
//
// Usage: InfluenceDemo [--lags 10,50,100] [--hidden 8] [--steps 400] [--batch 16] [--seed 1]
//                      [--noise SIGMA] [--forget-bias B]
// Each sequence has L = lag + 1 frames over 4 one-hot inputs: frame 0 holds the symbol s ∈ {0, 1}
// (inputs 0–1), frames 1…lag random distractors (inputs 2–3); --noise adds N(0, σ²) to every input. At the last frame the network must
// output s (chance: 50 %). Both networks get the same size, optimizer (Adam) and number of steps.
// After training, the influence ‖∂ log y(t)/∂ x(t−k)‖ of the trained network is measured on the
// task's own inputs (InputInfluence, last frame t = lag) and printed at a few lags.
import Foundation
import Networks
import Tensors

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return fallback }
    return args[i + 1]
}

let lags = option("--lags", "10,50,100").split(separator: ",").compactMap { Int($0) }
let hidden = Int(option("--hidden", "8")) ?? 8
let steps = Int(option("--steps", "400")) ?? 400
let batchSize = Int(option("--batch", "16")) ?? 16
let seed = UInt64(option("--seed", "1")) ?? 1
let noise = Double(option("--noise", "0")) ?? 0
let forgetBias = Double(option("--forget-bias", "1")) ?? 1

/// A batch of task sequences (all lag + 1 frames) and their symbols.
func taskBatch(lag: Int, count: Int, rng: inout SeededGenerator) -> (SequenceBatch<Float>, [Int]) {
    let T = lag + 1
    var symbols: [Int] = []
    var sequences: [Array2D<Float>] = []
    for _ in 0..<count {
        var x = Array2D<Float>(rows: T, cols: 4)
        let s = Int(rng.next() % 2)
        x[0, s] = 1
        for t in 1..<T { x[t, 2 + Int(rng.next() % 2)] = 1 }
        for i in 0..<x.count where noise > 0 { x.data[i] += Float(noise * rng.normal()) }
        symbols.append(s)
        sequences.append(x)
    }
    return (SequenceBatch(sequences: sequences), symbols)
}

/// −log y_s(T−1) gradient: −1 at the symbol's log-probability of the last frame of each sequence.
func lastFrameGradient(_ batch: SequenceBatch<Float>, _ symbols: [Int]) -> Array2D<Float> {
    var d = Array2D<Float>(rows: batch.frames.rows, cols: 2)
    let B = batch.batchSize, t = batch.maxLength - 1
    for (b, s) in symbols.enumerated() { d[t * B + b, s] = -1 / Float(B) }
    return d
}

func accuracy(_ logProbabilities: Array2D<Float>, _ batch: SequenceBatch<Float>, _ symbols: [Int]) -> Double {
    let B = batch.batchSize, t = batch.maxLength - 1
    let right = symbols.enumerated().filter { b, s in (logProbabilities[t * B + b, s] > logProbabilities[t * B + b, 1 - s]) }.count
    return Double(right) / Double(symbols.count)
}

/// Influence on task inputs: mean Jacobian norm at lags 0…lag over a few task sequences.
func taskInfluence(lag: Int, rng: inout SeededGenerator, _ byFrame: (Array2D<Float>) -> [Double]) -> [Double] {
    var sums = [Double](repeating: 0, count: lag + 1)
    let (batch, _) = taskBatch(lag: lag, count: 8, rng: &rng)
    for b in 0..<8 {
        let norms = byFrame(batch.unpad(batch.frames, sequence: b))
        for k in 0...lag { sums[k] += norms[lag - k] / 8 }
    }
    return sums
}

func fmt(_ v: Double) -> String { String(format: "%.3g", v) }

print("# lag\tnetwork\tparams\ttrain_loss\taccuracy\tinfluence(k=0)\trel(k=1)\trel(k=lag/2)\trel(k=lag)")
for lag in lags {
    for kind in ["lstm", "elman"] {
        var rng = SeededGenerator(seed: seed)
        let lstm = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 4, hiddenSizes: [hidden], bidirectional: false,
                                                                peepholes: true, classes: 2), rng: &rng)
        // The forget-gate block of b_ih (rows H…2H−1) starts at --forget-bias (LSTMLayer's default is 1).
        for j in hidden..<(2 * hidden) { lstm.layers[0][0].biasIH.value.data[j] = Float(forgetBias) }
        let elman = ElmanNetwork<Float>(inputs: 4, hidden: hidden, classes: 2, rng: &rng)
        let parameters = kind == "lstm" ? lstm.parameters : elman.parameters
        var adam = Adam(learningRate: 1e-2)
        var loss = 0.0
        for step in 0..<steps {
            let (batch, symbols) = taskBatch(lag: lag, count: batchSize, rng: &rng)
            parameters.zeroGradients()
            let d = lastFrameGradient(batch, symbols)
            let logp: Array2D<Float>
            if kind == "lstm" { let p = lstm.forward(batch); logp = p.logProbabilities; lstm.backward(p, dLogProbabilities: d) }
            else { let p = elman.forward(batch); logp = p.logProbabilities; elman.backward(p, dLogProbabilities: d) }
            let l = zip(symbols.indices, symbols).map { b, s in -Double(logp[lag * batchSize + b, s]) }.reduce(0, +) / Double(batchSize)
            loss = step == 0 ? l : 0.95 * loss + 0.05 * l
            _ = parameters.clipGradientNorm(maxNorm: 5)
            adam.step(parameters)
        }
        var testRNG = SeededGenerator(seed: seed &+ 1000)
        let (test, symbols) = taskBatch(lag: lag, count: 256, rng: &testRNG)
        let acc = accuracy(kind == "lstm" ? lstm.forward(test).logProbabilities : elman.forward(test).logProbabilities, test, symbols)
        let curve = taskInfluence(lag: lag, rng: &testRNG) { x in
            kind == "lstm" ? lstm.influenceByFrame(sequence: x, frame: lag) : elman.influenceByFrame(sequence: x, frame: lag)
        }
        let rel = curve.map { curve[0] > 0 ? $0 / curve[0] : 0 }
        print("\(lag)\t\(kind)\t\(parameters.parameterCount())\t\(fmt(loss))\t\(fmt(acc))\t\(fmt(curve[0]))\t\(fmt(rel[1]))\t\(fmt(rel[lag / 2]))\t\(fmt(rel[lag]))")
    }
}
