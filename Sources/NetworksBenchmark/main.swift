// NetworksBenchmark: times BLSTM training steps (forward, backward, Adam) and prints frames/s and GFLOP/s.
//
// Usage: swift build -c release --product NetworksBenchmark && .build/release/NetworksBenchmark [steps] [threads] [peepholes 1|0] [concurrent directions 0|1] [batch size, default 16]
// Default problem: batch 16 × 200 frames, input 40, 2 bidirectional layers of 256, 30 classes,
// framewise cross-entropy on seeded random targets.
import Foundation
import Networks
import Tensors

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let steps = arguments.first ?? 10
if arguments.count > 1 { setBLASThreads(arguments[1]) }
let B = arguments.count > 4 ? max(1, arguments[4]) : 16, T = 200, D = 40, H = 256, K = 30, layers = 2

var rng = SeededGenerator(seed: 1)
let configuration = LSTMNetworkConfiguration(inputSize: D, hiddenSizes: [Int](repeating: H, count: layers),
                                             bidirectional: true, peepholes: arguments.count > 2 ? arguments[2] != 0 : true,
                                             classes: K)
var net = LSTMNetwork<Float>(configuration, rng: &rng)
net.concurrentDirections = arguments.count > 3 && arguments[3] != 0
let sequences = (0..<B).map { _ in
    Matrix(rows: T, cols: D, data: (0..<(T * D)).map { _ in Float(rng.normal()) })
}
let batch = SequenceBatch(matrices: sequences)
let targets = (0..<(T * B)).map { _ in Int(rng.next() % UInt64(K)) }
var adam = Adam(learningRate: 1e-3)
let parameters = net.parameters

/// Multiply-adds of the gemms per step (×2 for FLOPs): forward, then twice that in backward.
@MainActor func gemmFlops() -> Double {
    var macs = 0.0
    for k in 0..<layers {
        let inputs = Double(configuration.layerInputs(k))
        macs += 2 * Double(T * B) * 4 * Double(H) * (inputs + Double(H))      // two directions
    }
    macs += Double(T * B) * Double(configuration.topWidth) * Double(K)
    return 2 * 3 * macs
}

@MainActor func step() -> Double {
    parameters.zeroGradients()
    let pass = net.forward(batch)
    // Framewise cross-entropy: loss = −Σ log y_target; ∂/∂logits = softmax − one-hot.
    var dLogits = pass.logProbabilities
    var loss = 0.0
    for r in 0..<(T * B) {
        loss -= Double(dLogits.data[r * K + targets[r]])
        for j in 0..<K { dLogits.data[r * K + j] = expf(dLogits.data[r * K + j]) }
        dLogits.data[r * K + targets[r]] -= 1
    }
    net.backward(pass, dLogits: dLogits)
    parameters.clipGradientNorm(maxNorm: 100)
    adam.step(parameters)
    return loss / Double(T * B)
}

print("BLSTM \(layers)×\(H) bidirectional, peepholes \(configuration.peepholes ? "on" : "off"), D \(D), K \(K), batch \(B)×\(T) frames, \(parameters.parameterCount()) parameters, BLAS threads \(blasThreads()), concurrent directions \(net.concurrentDirections)")
_ = step()   // warm-up
var times: [Double] = []
var lastLoss = 0.0
for _ in 0..<steps {
    let start = DispatchTime.now().uptimeNanoseconds
    lastLoss = step()
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
let median = times.sorted()[times.count / 2]
print(String(format: "training (forward+backward+Adam), %d steps: median %.3f s/step, %.0f frames/s, %.2f GFLOP/s (gemm FLOPs %.2f G/step), loss %.4f",
             steps, median, Double(T * B) / median, gemmFlops() / median / 1e9, gemmFlops() / 1e9, lastLoss))
var forwardTimes: [Double] = []
for _ in 0..<steps {
    let start = DispatchTime.now().uptimeNanoseconds
    _ = net.forward(batch)
    forwardTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
let forwardMedian = forwardTimes.sorted()[steps / 2]
print(String(format: "inference (forward only): median %.3f s/batch, %.0f frames/s, %.2f GFLOP/s",
             forwardMedian, Double(T * B) / forwardMedian, gemmFlops() / 3 / forwardMedian / 1e9))
