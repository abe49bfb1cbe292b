// Contestants: train an LSTM, an Elman network (Adam, BPTT) or an echo state network on one lag, recording a learning curve.
import Foundation
import Networks
import Tensors

/// The three networks of the benchmark.
enum Contestant: String, CaseIterable {
    case lstm, elman, esn
}

/// One point of a learning curve: after `sequences` training sequences, the smoothed training
/// loss (gradient networks; nil for the echo state network) and the accuracy on held-out sequences.
struct CurvePoint {
    var sequences: Int
    var trainLoss: Double?
    var accuracy: Double
}

/// A trained contestant on one lag: its curve, final held-out accuracy, size and influence.
struct ContestResult {
    var contestant: Contestant
    var lag: Int
    var seed: UInt64
    var parameters: Int
    var curve: [CurvePoint]
    var accuracy: Double
    /// ‖∂ log y(lag)/∂ x(lag − k)‖ for k = 0…lag (gradient networks only).
    var influence: [Double]?
    var seconds: Double
}

/// The benchmark's settings (see main.swift for the flags and defaults).
struct BenchmarkSettings {
    var hidden = 8
    var steps = 3000
    var batch = 16
    var seed: UInt64 = 1
    var noise = 0.3
    var forgetBias = 5.0
    var evalEvery = 100
    var validation = 256
    var reservoir = 100
    var spectralRadius = 0.9
    var leakRate = 0.1
    var inputScale = 0.1
    var ridge = 1e-4
    var esnSequences = 4096
}

/// Trains `contestant` on `task`. The validation set (seed + 1000) and the test set (seed + 2000)
/// are the same for every contestant at a lag; training batches come from the contestant's own
/// generator seeded with `seed`.
func contest(_ contestant: Contestant, task: LagTask, settings s: BenchmarkSettings) throws -> ContestResult {
    let clock = Date()
    var validationRNG = SeededGenerator(seed: s.seed &+ 1000), testRNG = SeededGenerator(seed: s.seed &+ 2000)
    let (validation, validationSymbols) = task.batch(count: s.validation, rng: &validationRNG)
    let (test, testSymbols) = task.batch(count: 512, rng: &testRNG)
    var result: ContestResult
    switch contestant {
    case .lstm, .elman: result = trainByGradient(contestant, task: task, settings: s, validation: (validation, validationSymbols),
                                                 test: (test, testSymbols), influenceRNG: &testRNG)
    case .esn: result = try fitEchoState(task: task, settings: s, validation: (validation, validationSymbols), test: (test, testSymbols))
    }
    result.seconds = Date().timeIntervalSince(clock)
    return result
}

/// LSTM or Elman with the same hidden size, Adam (1e-2), gradient clipping at norm 5 and
/// `steps` batches; the held-out accuracy is taken every `evalEvery` steps.
func trainByGradient(_ contestant: Contestant, task: LagTask, settings s: BenchmarkSettings,
                     validation: (SequenceBatch<Float>, [Int]), test: (SequenceBatch<Float>, [Int]),
                     influenceRNG: inout SeededGenerator) -> ContestResult {
    var rng = SeededGenerator(seed: s.seed)
    let lstm = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 4, hiddenSizes: [s.hidden], bidirectional: false,
                                                            peepholes: true, classes: 2), rng: &rng)
    // The forget-gate block of b_ih (rows H…2H−1) starts at the forget bias (LSTMLayer's default is 1).
    for j in s.hidden..<(2 * s.hidden) { lstm.layers[0][0].biasIH.value.data[j] = Float(s.forgetBias) }
    let elman = ElmanNetwork<Float>(inputs: 4, hidden: s.hidden, classes: 2, rng: &rng)
    let isLSTM = contestant == .lstm
    let parameters = isLSTM ? lstm.parameters : elman.parameters
    func logProbabilities(_ batch: SequenceBatch<Float>) -> Array2D<Float> {
        isLSTM ? lstm.forward(batch).logProbabilities : elman.forward(batch).logProbabilities
    }
    var adam = Adam(learningRate: 1e-2)
    var loss = 0.0
    var curve: [CurvePoint] = []
    for step in 1...s.steps {
        let (batch, symbols) = task.batch(count: s.batch, rng: &rng)
        parameters.zeroGradients()
        let d = task.lastFrameGradient(batch, symbols)
        let logp: Array2D<Float>
        if isLSTM { let p = lstm.forward(batch); logp = p.logProbabilities; lstm.backward(p, dLogProbabilities: d) }
        else { let p = elman.forward(batch); logp = p.logProbabilities; elman.backward(p, dLogProbabilities: d) }
        let l = task.loss(logp, batch, symbols)
        loss = step == 1 ? l : 0.95 * loss + 0.05 * l
        _ = parameters.clipGradientNorm(maxNorm: 5)
        adam.step(parameters)
        if step % s.evalEvery == 0 || step == s.steps {
            curve.append(CurvePoint(sequences: step * s.batch, trainLoss: loss,
                                    accuracy: task.accuracy(logProbabilities(validation.0), validation.0, validation.1)))
        }
    }
    let influence = task.influence(rng: &influenceRNG) { x in
        isLSTM ? lstm.influenceByFrame(sequence: x, frame: task.lag) : elman.influenceByFrame(sequence: x, frame: task.lag)
    }
    return ContestResult(contestant: contestant, lag: task.lag, seed: s.seed, parameters: parameters.parameterCount(), curve: curve,
                         accuracy: task.accuracy(logProbabilities(test.0), test.0, test.1), influence: influence, seconds: 0)
}

/// An echo state network (N = `reservoir` units, ρ, leak rate, input scale as set) whose readout
/// is fitted by ridge regression on the final [1; u; x] of every training sequence, one-hot
/// targets; the curve refits the readout from all sequences seen at the same points as the
/// gradient networks' evaluations, up to `esnSequences` sequences.
func fitEchoState(task: LagTask, settings s: BenchmarkSettings,
                  validation: (SequenceBatch<Float>, [Int]), test: (SequenceBatch<Float>, [Int])) throws -> ContestResult {
    var esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 4, reservoirSize: s.reservoir, outputSize: 2,
                                                          spectralRadius: s.spectralRadius, inputScale: s.inputScale,
                                                          leakRate: s.leakRate, connectivity: min(1, 10 / Double(s.reservoir)),
                                                          ridge: s.ridge, seed: s.seed))
    var rng = SeededGenerator(seed: s.seed)
    var regression = RidgeRegression(features: esn.featureCount, outputs: 2)
    var curve: [CurvePoint] = []
    let evalSequences = s.evalEvery * s.batch
    let total = min(s.esnSequences, s.steps * s.batch)
    func refit() throws {
        esn.setReadout(ridgeSolution: try regression.solve(ridge: s.ridge))
    }
    var seen = 0
    while seen < total {
        let count = min(s.batch, total - seen)
        let (batch, symbols) = task.batch(count: count, rng: &rng)
        var targets = Array2D<Float>(rows: count, cols: 2)
        for (b, sym) in symbols.enumerated() { targets[b, sym] = 1 }
        regression.add(esn.finalDesign(batch), targets)
        seen += count
        if seen % evalSequences == 0 || seen == total {
            try refit()
            curve.append(CurvePoint(sequences: seen, trainLoss: nil,
                                    accuracy: task.accuracy(esn.finalOutputs(validation.0), validation.0, validation.1)))
        }
    }
    return ContestResult(contestant: .esn, lag: task.lag, seed: s.seed, parameters: 2 * esn.featureCount, curve: curve,
                         accuracy: task.accuracy(esn.finalOutputs(test.0), test.0, test.1), influence: nil, seconds: 0)
}
