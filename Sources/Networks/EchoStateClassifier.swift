// EchoStateClassifier: sequence classification with an echo state network, by the time-averaged readout.
import Tensors

/// Sequence classification with an `EchoStateNetwork` (Lukoševičius 2012, on classification:
/// train the readout to output the sequence's class at every time step, then classify by the
/// time average of y(t); both over the frames after the washout). Because the readout is linear,
/// the mean of y(t) over a sequence is the readout of the mean [1; u; x], so this is ridge
/// regression on time-averaged states; the fit here uses all frames after the washout (one-hot
/// target at each), weighting long sequences by their length.
///
/// Training is streamed: `add(_:labels:)` takes one batch at a time into the normal equations,
/// `fit()` solves them; `classify(_:)` gives the argmax class of each sequence.
public struct EchoStateClassifier: Sendable {
    public var network: EchoStateNetwork
    private var regression: RidgeRegression

    /// A classifier over `network` (its `outputSize` is the number of classes).
    public init(network: EchoStateNetwork) {
        self.network = network
        regression = RidgeRegression(features: network.featureCount, outputs: network.configuration.outputSize)
    }

    /// The number of frames added so far.
    public var frameCount: Int { regression.rowCount }

    /// Adds a batch of sequences and their classes (0…K−1, one per sequence) to the normal
    /// equations: every real frame at t ≥ washout (the last frame alone for a sequence no longer
    /// than the washout, as `meanOutputs` averages) with its sequence's one-hot class as target.
    public mutating func add(_ batch: SequenceBatch<Float>, labels: [Int]) {
        let K = network.configuration.outputSize, B = batch.batchSize
        precondition(labels.count == B && labels.allSatisfy { (0..<K).contains($0) }, "classifier: one class in 0..<\(K) per sequence")
        var targets = Array2D<Float>(rows: batch.frames.rows, cols: K)
        var rows: [Int] = []
        let first = (0..<B).map { min(network.configuration.washout, batch.lengths[$0] - 1) }
        for t in 0..<batch.maxLength {
            for b in 0..<B where batch.isActive(time: t, sequence: b) && t >= first[b] {
                targets[t * B + b, labels[b]] = 1
                rows.append(t * B + b)
            }
        }
        regression.add(network.design(batch, states: network.run(batch).states), targets, rows: rows)
    }

    /// Solves for the readout from everything added; returns the normal equations' relative residual.
    /// - Throws: `LinearAlgebraError` when nothing was added or the system is singular.
    @discardableResult
    public mutating func fit() throws -> Double {
        guard regression.rowCount > 0 else { throw LinearAlgebraError("classifier: no frames to fit") }
        let w = try regression.solve(ridge: network.configuration.ridge)
        network.setReadout(ridgeSolution: w)
        return regression.residual(w, ridge: network.configuration.ridge)
    }

    /// The time-averaged readout of each sequence, B × K, over the frames the readout was fitted
    /// to: t ≥ washout, or the last frame alone for a sequence no longer than the washout (zero for
    /// an empty sequence).
    public func meanOutputs(_ batch: SequenceBatch<Float>) -> Array2D<Float> {
        let y = network.outputs(batch), K = y.cols, B = batch.batchSize
        var mean = Array2D<Float>(rows: B, cols: K)
        for b in 0..<B where batch.lengths[b] > 0 {
            let first = min(network.configuration.washout, batch.lengths[b] - 1)
            for t in first..<batch.lengths[b] { for k in 0..<K { mean[b, k] += y[t * B + b, k] } }
            for k in 0..<K { mean[b, k] /= Float(batch.lengths[b] - first) }
        }
        return mean
    }

    /// The class with the largest time-averaged output, per sequence.
    public func classify(_ batch: SequenceBatch<Float>) -> [Int] {
        let mean = meanOutputs(batch)
        return (0..<mean.rows).map { b in (0..<mean.cols).max { mean[b, $0] < mean[b, $1] } ?? 0 }
    }
}
