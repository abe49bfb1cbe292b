// TrainingState: where a run is (epoch, batch, learning rate, early-stopping counters), as saved in checkpoints.
import Foundation
import Labelling

/// One epoch's figures, as printed and logged (`--log` writes one JSON line per epoch).
public struct EpochReport: Sendable, Codable, Equatable {
    public var epoch: Int
    /// Mean loss per training utterance: CTC's −ln p(z|x), or the task's (`TaskObjective`).
    public var trainLoss: Double
    /// Mean loss per validation utterance (nil without validation data).
    public var validLoss: Double?
    /// The task's validation error (`TrainingTask.errorName`; the field keeps its first name):
    /// for CTC the label error rate (edits / reference labels, best-path decoding), the
    /// classification or frame error rate, or predict's mean squared error.
    public var validLabelErrorRate: Double?
    /// The task trained; nil in logs and checkpoints written before it was recorded (CTC).
    public var task: TrainingTask?
    public var learningRate: Double
    /// Training frames per second of wall time (not part of any saved model: timings vary).
    public var framesPerSecond: Double
    public var seconds: Double
}

/// The position of a training run, enough to continue it exactly (with the network and optimizer slots).
public struct TrainingState: Sendable, Codable, Equatable {
    /// The epoch in progress (0-based).
    public var epoch = 0
    /// The next batch of that epoch.
    public var batch = 0
    public var learningRate: Double
    /// Optimizer updates so far (Adam's bias correction).
    public var stepCount = 0
    /// Sums over the epoch so far (for its report).
    public var epochLossSum = 0.0
    public var epochUtterances = 0
    public var epochFrames = 0
    public var epochSeconds = 0.0
    /// Best validation label error rate so far and its epoch.
    public var bestValidError: Double?
    public var bestEpoch: Int?
    /// The validation loss of that epoch (breaks ties between equal error rates).
    public var bestValidLoss: Double?
    /// Epochs since the validation error last improved.
    public var epochsWithoutImprovement = 0
    /// True once training has stopped (early stop or the last epoch).
    public var finished = false
    public var history: [EpochReport] = []
    /// The training and validation data the run started on (`train --resume` refuses other data);
    /// nil in checkpoints written before they were kept.
    public var trainData: DataFingerprint?
    public var validData: DataFingerprint?
    /// The -o path the best model was last written to (a resumed run that trains no better epoch
    /// copies it from there to its own -o); nil in checkpoints written before it was kept.
    public var bestModelPath: String?

    public init(learningRate: Double) { self.learningRate = learningRate }
}
