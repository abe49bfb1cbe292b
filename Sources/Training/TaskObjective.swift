// TaskObjective: the loss, gradient and validation error of the sequence, framewise and predict tasks on a batch.
import Labelling
import Networks
import Tensors

/// The objective of a non-CTC `TrainingTask` (the CTC objective stays in `Trainer`):
///
/// - sequence: cross-entropy of the utterance's class, on the last frame (unidirectional,
///   `FramewiseLoss.sequenceCrossEntropy`) or on the mean logits (bidirectional,
///   `FramewiseLoss.meanPooledCrossEntropy`); error = misclassified utterances / utterances.
/// - framewise: Σ_t cross-entropy of the frame's class (`FramewiseLoss.crossEntropy`);
///   error = misclassified frames / frames.
/// - predict: the network reads frames 0…T−2 and its identity outputs z(t) are scored against
///   frames 1…T−1 with ½‖z(t) − x(t+1)‖² (`FramewiseLoss.squaredError`); error = mean squared
///   error per value, Σ (z − x)² / (frames · D).
///
/// Losses are per utterance; the gradient is that of their mean over the batch (as for CTC).
public struct TaskObjective: Sendable {
    public let task: TrainingTask
    public let bidirectional: Bool

    public init(task: TrainingTask, bidirectional: Bool) {
        precondition(task != .ctc, "TaskObjective: CTC is trained by Trainer's own path")
        self.task = task
        self.bidirectional = bidirectional
    }

    /// What the network reads for an utterance: its features, without the last frame for predict.
    public func input(_ features: Matrix) -> Matrix {
        task == .predict ? features.rows(0..<(features.rows - 1)) : features
    }

    /// The per-utterance losses and ∂(mean loss)/∂logits of a forward pass over `inputs`
    /// (made by `input(_:)`) of `utterances`.
    public func lossAndGradient(_ pass: SequenceNetwork.ForwardPass,
                                utterances: [LabelledUtterance]) -> (loss: Double, dLogits: Array2D<Float>) {
        let batch = pass.batch, B = batch.batchSize
        var result: (loss: Double, dLogits: Array2D<Float>)
        switch task {
        case .sequence:
            let classes = utterances.map { $0.labels[0] }
            result = bidirectional
                ? FramewiseLoss.meanPooledCrossEntropy(logits: pass.logits, classes: classes, lengths: batch.lengths)
                : FramewiseLoss.sequenceCrossEntropy(logProbabilities: pass.logProbabilities, classes: classes, lengths: batch.lengths)
        case .framewise:
            var targets = [Int](repeating: 0, count: pass.logProbabilities.rows)
            for (b, u) in utterances.enumerated() { for (t, c) in u.labels.enumerated() { targets[t * B + b] = c } }
            result = FramewiseLoss.crossEntropy(logProbabilities: pass.logProbabilities, targets: targets, lengths: batch.lengths)
        case .predict:
            let r = FramewiseLoss.squaredError(outputs: pass.logits, targets: nextFrames(utterances, batch), lengths: batch.lengths)
            result = (r.loss, r.dOutputs)
        case .ctc:
            preconditionFailure("unreachable: TaskObjective is never made for ctc")
        }
        let scale = 1 / Float(max(B, 1))
        for i in 0..<result.dLogits.count { result.dLogits.data[i] *= scale }
        return result
    }

    /// The prediction targets of a batch: frames 1…T−1 of each utterance, padded like `batch`
    /// (also a Jordan network's teacher: its context at t is then the target of t − 1, the input x(t)).
    public func nextFrames(_ utterances: [LabelledUtterance], _ batch: SequenceBatch<Float>) -> Array2D<Float> {
        batch.pad(utterances.map { Array2D($0.features.rows(1..<$0.features.rows)) })
    }

    /// Summed loss, summed errors and the number of units they are counted over (utterances,
    /// frames, or values for predict) of `model` on `utterances`.
    public func evaluate(_ network: SequenceNetwork, _ utterances: [LabelledUtterance]) -> (loss: Double, errors: Double, units: Int) {
        let pass = network.forward(SequenceBatch(matrices: utterances.map { input($0.features) }))
        let loss = lossAndGradient(pass, utterances: utterances).loss
        var errors = 0.0, units = 0
        for (b, u) in utterances.enumerated() {
            switch task {
            case .sequence:
                let lp = TaskOutputs.sequenceLogProbabilities(logits: pass.batch.unpad(pass.logits, sequence: b).matrix, bidirectional: bidirectional)
                if TaskOutputs.bestLabel(lp) != u.labels[0] { errors += 1 }
                units += 1
            case .framewise:
                let lp = pass.batch.unpad(pass.logProbabilities, sequence: b)
                for t in 0..<lp.rows where TaskOutputs.bestLabel(lp.data[(t * lp.cols)..<((t + 1) * lp.cols)]) != u.labels[t] { errors += 1 }
                units += lp.rows
            case .predict:
                let z = pass.batch.unpad(pass.logits, sequence: b)
                for t in 0..<z.rows { for k in 0..<z.cols {
                    let e = Double(z[t, k] - u.features[t + 1, k])
                    errors += e * e
                } }
                units += z.count
            case .ctc:
                preconditionFailure("unreachable: TaskObjective is never made for ctc")
            }
        }
        // The loss is the batch sum (lossAndGradient scales only the gradient).
        return (loss, errors, units)
    }
}
