// KaldiFrames: cuts a signal into windowed, zero-padded frames with their log energies (Kaldi feature-window.cc).
import Foundation
import Tensors

/// Kaldi's `numeric_limits<float>::epsilon()`, the floor under every logarithm of the front end.
let featureEpsilon: Float = Float.ulpOfOne

/// The analysis window w[i], i = 0…N−1, a = 2π/(N−1) (Kaldi `FeatureWindowFunction`):
/// hanning 0.5 − 0.5 cos(a i); hamming 0.54 − 0.46 cos(a i); povey (0.5 − 0.5 cos(a i))^0.85;
/// rectangular 1; blackman b − 0.5 cos(a i) + (0.5 − b) cos(2 a i).
public func windowFunction(_ type: WindowType, length n: Int, blackmanCoeff: Double = 0.42) -> [Float] {
    let a = 2 * Double.pi / Double(n - 1)
    return (0..<n).map { i in
        let x = Double(i)
        switch type {
        case .hanning: return Float(0.5 - 0.5 * cos(a * x))
        case .hamming: return Float(0.54 - 0.46 * cos(a * x))
        case .povey: return Float(pow(0.5 - 0.5 * cos(a * x), 0.85))
        case .rectangular: return 1
        case .blackman: return Float(blackmanCoeff - 0.5 * cos(a * x) + (0.5 - blackmanCoeff) * cos(2 * a * x))
        }
    }
}

/// Frames of a signal after Kaldi's `ExtractWindow` + `ProcessWindow`: dither, DC removal,
/// log energy, pre-emphasis, window, zero padding to the FFT length.
struct KaldiFrames {
    /// frames (T × paddedWindowSize): each row one processed frame, zero beyond windowSize.
    var frames: Matrix
    /// log energy of each frame (T): raw (before pre-emphasis and window) or windowed, floored.
    var logEnergy: [Float]

    /// Number of frames (Kaldi `NumFrames` with flush): with snip-edges, 1 + ⌊(n − N)/S⌋ when
    /// n ≥ N, else 0; without, ⌊(n + S/2)/S⌋ (frames centred on multiples of the shift S).
    static func count(samples n: Int, windowSize: Int, windowShift: Int, snipEdges: Bool) -> Int {
        if snipEdges { return n < windowSize ? 0 : 1 + (n - windowSize) / windowShift }
        return (n + windowShift / 2) / windowShift
    }

    /// Cuts and processes `samples` (16-bit scale) as `config` says; `generator` drives dither.
    init(samples: [Float], config: FrontendConfig, window: [Float], generator: inout SeededGenerator) {
        let size = config.windowSize, shift = config.windowShift, padded = config.paddedWindowSize
        let n = samples.count
        let count = KaldiFrames.count(samples: n, windowSize: size, windowShift: shift, snipEdges: config.snipEdges)
        frames = Matrix(rows: count, cols: padded)
        logEnergy = [Float](repeating: 0, count: count)
        let dither = Float(config.dither), preemph = Float(config.preemphasisCoefficient)
        let floored = LogEnergy(floor: config.energyFloor)
        var w = [Float](repeating: 0, count: size)
        func energy(_ v: [Float]) -> Float {
            var s = 0.0
            for x in v { s += Double(x) * Double(x) }
            return floored.of(s)
        }
        for t in 0..<count {
            // First sample: t·S with snip-edges, else the frame is centred at t·S + S/2.
            let start = config.snipEdges ? t * shift : t * shift + shift / 2 - size / 2
            if start >= 0 && start + size <= n {
                for i in 0..<size { w[i] = samples[start + i] }
            } else {
                // Kaldi reflects the signal at both ends: s < 0 → −s − 1, s ≥ n → 2n − 1 − s.
                for i in 0..<size {
                    var s = start + i
                    while s < 0 || s >= n { s = s < 0 ? -s - 1 : 2 * n - 1 - s }
                    w[i] = samples[s]
                }
            }
            if dither != 0 {
                for i in 0..<size { w[i] += dither * Float(generator.normal()) }
            }
            if config.removeDCOffset {
                var mean = 0.0
                for x in w { mean += Double(x) }
                let m = Float(mean / Double(size))
                for i in 0..<size { w[i] -= m }
            }
            if config.rawEnergy { logEnergy[t] = energy(w) }
            if preemph != 0 {
                for i in stride(from: size - 1, to: 0, by: -1) { w[i] -= preemph * w[i - 1] }
                w[0] -= preemph * w[0]
            }
            for i in 0..<size { w[i] *= window[i] }
            if !config.rawEnergy { logEnergy[t] = energy(w) }
            let base = t * padded
            for i in 0..<size { frames.data[base + i] = w[i] }
        }
    }
}

/// Kaldi's log frame energy: log(max(e, ε)), raised to log(energy floor) when the floor is > 0.
struct LogEnergy {
    private let floor: Float?

    init(floor energyFloor: Double) { floor = energyFloor > 0 ? Float(log(energyFloor)) : nil }

    @inline(__always)
    func of(_ energy: Double) -> Float {
        let e = log(max(Float(energy), featureEpsilon))
        if let floor { return max(e, floor) }
        return e
    }
}
