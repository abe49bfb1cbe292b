// MemoryPlan: the memory a training run will need (data, model, the largest batch), checked before it starts.
import Networks
import Tensors

/// An estimate of a training run's peak memory, made before the first step so that a run that
/// cannot fit is refused at once rather than failing hours later (or being killed by the system).
///
/// - data: every training and validation utterance's features (T × D floats) and labels, which
///   `train` holds in memory for the whole run (about 58 MB per hour of 40-dimensional features
///   at 100 frames a second);
/// - model: weights, gradients and up to two optimizer slots (Adam's m and v), plus the copies a
///   checkpoint write makes: 6 × 4 bytes per weight;
/// - batch: the largest padded minibatch (its size × the longest utterance, since batches are
///   padded to their longest member and the longest may meet the batch-size − 1 next longest)
///   times `trainingBytesPerFrame`, plus the CTC forward and backward variables of the longest
///   utterance (T × (2U + 1) doubles, twice);
/// - base: the program itself (40 MB).
public struct MemoryPlan: Sendable, Equatable {
    public var data: Int
    public var model: Int
    public var batch: Int
    public var base = 40 << 20
    public var total: Int { data + model + batch + base }

    public init(train: Corpus, valid: Corpus, configuration: LSTMNetworkConfiguration, batchSize: Int) {
        var data = 0
        for u in train.utterances + valid.utterances { data += 4 * u.features.rows * u.features.cols + 8 * u.labels.count + 64 }
        self.data = data
        model = 6 * 4 * configuration.parameterCount
        let longest = (train.utterances + valid.utterances).max { $0.features.rows < $1.features.rows }
        let frames = longest?.features.rows ?? 0, labels = longest?.labels.count ?? 0
        let rows = min(batchSize, max(train.utterances.count, valid.utterances.count)) * frames
        batch = rows * configuration.trainingBytesPerFrame + 2 * 8 * frames * (2 * labels + 1)
    }

    /// One line for the log: the total and its parts.
    public var description: String {
        "about \(MemoryBudget.describe(total)) (data \(MemoryBudget.describe(data)), model \(MemoryBudget.describe(model)), largest batch \(MemoryBudget.describe(batch)))"
    }

    /// Throws when the plan needs more than `limit` bytes, naming what to change.
    public func check(limit: Int) throws {
        guard total > limit else { return }
        let advice = batch >= data
            ? "lower --batch-size, split long utterances, or raise --max-memory"
            : "train on less data, or raise --max-memory"
        throw InputError(file: "training", "needs \(description), more than the \(MemoryBudget.describe(limit)) allowed (--max-memory, default: the available memory); \(advice)")
    }
}
