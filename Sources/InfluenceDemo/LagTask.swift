// LagTask: "remember the first symbol" sequences, the last-frame loss gradient and accuracy.
import Networks
import Tensors

/// The long-time-lag task of Hochreiter & Schmidhuber 1997 (§5, experiment 2 in spirit): each
/// sequence has L = lag + 1 frames of 4 one-hot inputs; frame 0 holds the symbol s ∈ {0, 1}
/// (inputs 0–1), frames 1…lag random distractors (inputs 2–3), and N(0, σ²) noise is added to
/// every input. At the last frame the network must output s (chance: 50 %).
struct LagTask {
    let lag: Int
    let noise: Double

    /// `count` sequences (all lag + 1 frames) and their symbols.
    func batch(count: Int, rng: inout SeededGenerator) -> (SequenceBatch<Float>, [Int]) {
        let T = lag + 1
        var symbols: [Int] = []
        var sequences: [Array2D<Float>] = []
        for _ in 0..<count {
            var x = Array2D<Float>(rows: T, cols: 4)
            let s = Int(rng.next() % 2)
            x[0, s] = 1
            for t in 1..<T { x[t, 2 + Int(rng.next() % 2)] = 1 }
            if noise > 0 { for i in 0..<x.count { x.data[i] += Float(noise * rng.normal()) } }
            symbols.append(s)
            sequences.append(x)
        }
        return (SequenceBatch(sequences: sequences), symbols)
    }

    /// ∂(mean −log y_s(T−1))/∂ log y: −1/B at each sequence's symbol in the last frame, (T·B) × 2.
    func lastFrameGradient(_ batch: SequenceBatch<Float>, _ symbols: [Int]) -> Array2D<Float> {
        var d = Array2D<Float>(rows: batch.frames.rows, cols: 2)
        let B = batch.batchSize, t = batch.maxLength - 1
        for (b, s) in symbols.enumerated() { d[t * B + b, s] = -1 / Float(B) }
        return d
    }

    /// Mean −log y_s at the last frame, from (T·B) × 2 log-probabilities.
    func loss(_ logProbabilities: Array2D<Float>, _ batch: SequenceBatch<Float>, _ symbols: [Int]) -> Double {
        let B = batch.batchSize, t = batch.maxLength - 1
        return symbols.enumerated().map { b, s in -Double(logProbabilities[t * B + b, s]) }.reduce(0, +) / Double(B)
    }

    /// The fraction of sequences whose last-frame score is higher for s than for 1 − s;
    /// `scores` holds one row per sequence (B × 2) or one per frame ((T·B) × 2, time-major).
    func accuracy(_ scores: Array2D<Float>, _ batch: SequenceBatch<Float>, _ symbols: [Int]) -> Double {
        let B = batch.batchSize, first = scores.rows == B ? 0 : (batch.maxLength - 1) * B
        let right = symbols.enumerated().filter { b, s in scores[first + b, s] > scores[first + b, 1 - s] }.count
        return Double(right) / Double(symbols.count)
    }

    /// Input influence on task sequences: the mean Jacobian norm ‖∂ log y(lag)/∂ x(lag − k)‖ for
    /// k = 0…lag over 8 sequences, given a network's per-frame influence.
    func influence(rng: inout SeededGenerator, _ byFrame: (Array2D<Float>) -> [Double]) -> [Double] {
        var sums = [Double](repeating: 0, count: lag + 1)
        let (batch, _) = self.batch(count: 8, rng: &rng)
        for b in 0..<8 {
            let norms = byFrame(batch.unpad(batch.frames, sequence: b))
            for k in 0...lag { sums[k] += norms[lag - k] / 8 }
        }
        return sums
    }
}
