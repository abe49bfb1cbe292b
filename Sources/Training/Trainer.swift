// Trainer: minibatch CTC (or sequence, framewise, predict) training of an LSTM network with validation, early stopping and exact resumption.
import Decoding
import Foundation
import Formats
import Labelling
import Networks
import Tensors

/// Where the best model at the -o path came from once a run has finished (`Trainer.placeBestModel`).
public enum BestModelSource: Sendable, Equatable {
    /// An epoch of this `run()` was the best so far and wrote it.
    case trained
    /// An earlier run of the checkpoint wrote it there, and it is still there.
    case alreadyThere
    /// The best epoch is the checkpoint's last: written from the checkpoint's weights.
    case checkpoint
    /// Copied from where an earlier run of the checkpoint wrote it (another -o).
    case copied(from: String)
}

/// Why `Trainer.run` returned.
public enum TrainingOutcome: Sendable, Equatable {
    /// All epochs done, or early stopping.
    case finished
    /// `shouldStop` said so; a checkpoint was written and `--resume` continues.
    case interrupted
}

/// Trains a `LabellingModel` with CTC (Graves et al. 2006) by minibatch gradient descent, or
/// with the objective of another `TrainingTask` (`TaskObjective`): the model's task decides the
/// loss, and the validation error that early stopping watches is that task's own.
///
/// Each epoch visits the training utterances in an order drawn from (seed, epoch): shuffled,
/// then grouped by length in pools of 32 batches so that padding stays small, then the batches
/// shuffled. The loss of a batch is the mean of its utterances' −ln p(z|x); its gradient comes
/// from `ctcLossBatch` (∂/∂logits = y − γ, eq. 16) through BPTT. Augmentation noise for batch b
/// of epoch e is drawn from a generator seeded by (seed, e, b). Because every random choice is
/// derived from the seed and the position, a run stopped after any batch and resumed from its
/// checkpoint produces the same bytes as an uninterrupted run (at the same thread count).
public final class Trainer {
    public private(set) var options: TrainingOptions
    public private(set) var model: LabellingModel
    public private(set) var state: TrainingState
    var optimizer: TrainingOptimizer
    private let train: Corpus
    private let valid: Corpus
    /// Where the best model goes, and where checkpoints go.
    public let modelPath: String
    public let checkpointPath: String
    /// Also write a checkpoint after every this many batches inside an epoch (0: only at the end
    /// of each epoch and when stopped). Bounds the work a crash or SIGKILL can lose; resuming
    /// from any of these checkpoints gives the same bytes as an uninterrupted run.
    public var checkpointInterval = 0
    /// Also write each epoch's model to this directory as `epoch-NNN.safetensors` (e.g. for
    /// `seqlab average` of the last few), before the epoch's checkpoint, so that a resumed run
    /// writes the ones a kill left unwritten; nil: only the best model.
    public var epochModelsDirectory: String?
    /// Whether `run()` has written the best model to `modelPath` (an epoch improved on the best).
    public private(set) var wroteBestModel = false

    /// The file `epochModelsDirectory` gets for epoch `epoch` (1-based).
    public static func epochModelPath(directory: String, epoch: Int) -> String {
        directory + String(format: "/epoch-%03d.safetensors", epoch)
    }

    /// A new run: a freshly initialised network for `train`'s dimension and `alphabet` (for
    /// `predict`, as many identity outputs as input dimensions).
    public init(options: TrainingOptions, train: Corpus, valid: Corpus, alphabet: Alphabet, tokenUnit: TokenUnit,
                frontEnd: FrontEnd?, modelPath: String, checkpointPath: String, task: TrainingTask = .ctc,
                cell: RecurrentCell = .lstm) throws {
        guard let dimension = train.dimension else {
            throw InputError(file: "training data", "no usable training utterances")
        }
        if task == .predict && options.bidirectional {
            throw InputError(file: "training options", "next-value prediction needs a unidirectional network (the reverse direction would read the frame it predicts)")
        }
        if cell != .lstm && (options.hiddenSizes.count != 1 || options.bidirectional) {
            throw InputError(file: "training options", "a \(cell.rawValue) network has one unidirectional layer: give one --hidden width and --unidirectional")
        }
        try Trainer.checkGradientAlgorithm(options, task: task, cell: cell, inputs: dimension, frames: train.frames)
        if cell == .jordan && task != .predict {
            throw InputError(file: "training options", "a Jordan network is trained with teacher forcing, its previous target as context: that needs a real-valued target per frame, i.e. --task predict")
        }
        if let frontEnd, frontEnd.dimension != dimension {
            throw InputError(file: "front end", "makes \(frontEnd.dimension)-dimensional features, but the training features have \(dimension)")
        }
        try Trainer.checkPenDistortion(options, frontEnd: frontEnd)
        if options.precision == .bfloat16 && cell != .lstm {
            throw InputError(file: "training options", "--precision bf16 rounds the products of LSTM layers; \(cell.rawValue) networks train in fp32")
        }
        var rng = SeededGenerator(seed: options.seed)
        let configuration = Trainer.networkConfiguration(options, inputs: dimension, alphabet: alphabet, task: task)
        let network = SequenceNetwork(configuration, cell: cell, rng: &rng)
        self.options = options
        self.model = LabellingModel(network: network, alphabet: alphabet, tokenUnit: tokenUnit, frontEnd: frontEnd, task: task)
        Trainer.useThreads(options, &model.network)
        self.state = TrainingState(learningRate: options.learningRate)
        state.trainData = DataFingerprint(train)
        state.validData = DataFingerprint(valid)
        self.optimizer = options.makeOptimizer(learningRate: options.learningRate)
        self.train = train
        self.valid = valid
        self.modelPath = modelPath
        self.checkpointPath = checkpointPath
        try Trainer.checkDimensions(valid, dimension, "validation data")
    }

    /// The shape of the network a new run builds for `inputs`-dimensional features: known before
    /// any weight is allocated, so that `MemoryPlan` can refuse a run that cannot fit first.
    public static func networkConfiguration(_ options: TrainingOptions, inputs: Int, alphabet: Alphabet,
                                            task: TrainingTask) -> LSTMNetworkConfiguration {
        LSTMNetworkConfiguration(inputSize: inputs, hiddenSizes: options.hiddenSizes,
                                 bidirectional: options.bidirectional, peepholes: options.peepholes,
                                 classes: task.classifies ? alphabet.count : inputs)
    }

    /// Continues the run saved in `checkpoint` (its options, network, optimizer state and position).
    /// The data must give the same alphabet and feature dimension and, for checkpoints that keep
    /// them, the same training and validation utterances (`DataFingerprint`).
    public init(resuming checkpoint: Checkpoint, train: Corpus, valid: Corpus, alphabet: Alphabet,
                modelPath: String, checkpointPath: String) throws {
        guard alphabet == checkpoint.model.alphabet else {
            throw InputError(file: checkpoint.path, place: "seqlab.alphabet",
                             "the checkpoint's alphabet (\(checkpoint.model.alphabet.count - 1) tokens) differs from the training labels' (\(alphabet.count - 1) tokens); resume with the same data")
        }
        guard train.dimension == checkpoint.model.inputDimension else {
            throw InputError(file: checkpoint.path, place: "seqlab.architecture",
                             "the network expects \(checkpoint.model.inputDimension)-dimensional features, the data has \(train.dimension ?? 0)")
        }
        try Trainer.checkDimensions(valid, checkpoint.model.inputDimension, "validation data")
        for (kept, given, what) in [(checkpoint.state.trainData, train, "training"), (checkpoint.state.validData, valid, "validation")] {
            guard let kept else { continue }   // a checkpoint from before fingerprints were kept
            let fingerprint = DataFingerprint(given)
            guard fingerprint == kept else {
                throw InputError(file: checkpoint.path, place: "seqlab.checkpoint.state",
                                 "the run's \(what) data was \(kept), the data given is \(fingerprint); resume with the run's --feats and --text, and its --valid-feats and --valid-text or --valid-fraction")
            }
        }
        self.options = checkpoint.options
        self.model = checkpoint.model
        Trainer.useThreads(checkpoint.options, &model.network)
        self.state = checkpoint.state
        self.optimizer = checkpoint.options.makeOptimizer(learningRate: checkpoint.state.learningRate)
        self.optimizer.stepCount = checkpoint.state.stepCount
        self.train = train
        self.valid = valid
        self.modelPath = modelPath
        self.checkpointPath = checkpointPath
    }

    /// Whether early stopping has ended the run: no better validation error for `patience` epochs.
    public var stoppedEarly: Bool { state.epochsWithoutImprovement >= options.patience }

    /// Raises the epoch limit of a resumed run (`train --resume CKPT --epochs N`): a run that ended
    /// at its last epoch goes on to `epochs`; one that stopped early (no better validation error for
    /// `patience` epochs) stays stopped. The limit changes nothing before it is reached, so the
    /// result equals a run started with `epochs`. Returns false when the run stopped early.
    @discardableResult
    public func extendEpochs(to epochs: Int, checkpointName: String) throws -> Bool {
        guard epochs >= state.epoch else {
            throw InputError(file: checkpointName, place: "--epochs",
                             "the checkpoint has done \(state.epoch) epochs; --epochs \(epochs) would end before it")
        }
        options.epochs = epochs
        if stoppedEarly { return false }
        state.finished = state.epoch >= epochs
        return true
    }

    /// Thread policy: a bidirectional network runs its two directions on two threads with
    /// single-threaded BLAS (faster than two BLAS threads inside the small per-step products);
    /// otherwise BLAS gets all `threads`. Either way results depend only on the thread count.
    /// Freed batch buffers stay in the process for the next batch (`keepFreedMemory`).
    /// Pen distortion needs to know which columns are Δx, Δy, direction and curvature: a stroke
    /// front end. An `InputError` otherwise, or when a bound is out of range.
    static func checkPenDistortion(_ options: TrainingOptions, frontEnd: FrontEnd?) throws {
        guard let pen = options.penDistortion, !pen.isIdentity else { return }
        try pen.validate()
        guard case .strokes = frontEnd else {
            let what = frontEnd == nil ? "no front end was given" : "the front end is an audio one"
            throw InputError(file: "training options", "--pen-rotation, --pen-slant and --pen-scale distort pen features and need a stroke front end (--frontend with the config given to extract strokes); \(what)")
        }
    }

    static func useThreads(_ options: TrainingOptions, _ network: inout SequenceNetwork) {
        let concurrent = options.bidirectional && options.threads > 1
        network.concurrentDirections = concurrent
        network.trainsInBFloat16 = options.precision == .bfloat16
        setBLASThreads(concurrent ? 1 : options.threads)
        keepFreedMemory()
    }

    private static func checkDimensions(_ corpus: Corpus, _ d: Int, _ what: String) throws {
        if let vd = corpus.dimension, vd != d {
            throw InputError(file: what, "features have \(vd) dimensions, the training features \(d)")
        }
    }

    /// The batches of `epoch`: lists of utterance indices (see the type's documentation).
    public func batches(epoch: Int) -> [[Int]] {
        var rng = SeededGenerator(seed: options.seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
        var order = Array(train.utterances.indices)
        shuffle(&order, &rng)
        let size = max(1, options.batchSize), pool = size * 32
        var batches: [[Int]] = []
        for start in stride(from: 0, to: order.count, by: pool) {
            let chunk = order[start..<min(start + pool, order.count)]
                .sorted { (train.utterances[$0].features.rows, $0) < (train.utterances[$1].features.rows, $1) }
            for s in stride(from: 0, to: chunk.count, by: size) {
                batches.append(Array(chunk[(chunk.startIndex + s)..<min(chunk.startIndex + s + size, chunk.endIndex)]))
            }
        }
        shuffle(&batches, &rng)
        return batches
    }

    /// Fisher–Yates with our own generator, so orders do not depend on the standard library's version.
    private func shuffle<T>(_ a: inout [T], _ rng: inout SeededGenerator) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
    }

    /// Trains until the last epoch, early stopping, or `shouldStop()` (checked after every batch).
    ///
    /// `onBatch(done, total, meanLoss)` reports progress in the epoch; `onEpoch` each finished epoch,
    /// after its checkpoint is written (so an error it throws ends the run with the epoch kept).
    /// Writes the best model to `modelPath` and a checkpoint after every epoch, every
    /// `checkpointInterval` batches, and when stopped.
    public func run(shouldStop: () -> Bool = { false },
                    onBatch: (Int, Int, Double) -> Void = { _, _, _ in },
                    onEpoch: (EpochReport) throws -> Void = { _ in }) throws -> TrainingOutcome {
        let augmentation = Augmentation(options, frontEnd: model.frontEnd)
        let parameters = model.network.parameters
        let objective = Trainer.objective(for: model)
        while !state.finished && state.epoch < options.epochs {
            let batches = batches(epoch: state.epoch)
            while state.batch < batches.count {
                let started = Date()
                let indices = batches[state.batch]
                var rng = SeededGenerator(seed: options.seed ^ (UInt64(state.epoch) << 32 | UInt64(state.batch)) &* 0xD1B5_4A32_D192_ED03)
                let (loss, frames): (Double, Int)
                if options.gradient == .tbptt, let objective {
                    let utterances = indices.map { train.utterances[$0] }
                    let inputs = utterances.map { augmentation.apply(objective.input($0.features), rng: &rng) }
                    (loss, frames) = try streamStep(objective, inputs: inputs, utterances: utterances, parameters: parameters)
                } else if let objective {
                    let utterances = indices.map { train.utterances[$0] }
                    let inputs = utterances.map { augmentation.apply(objective.input($0.features), rng: &rng) }
                    (loss, frames) = try step(objective, inputs: inputs, utterances: utterances, dropout: dropout(&rng), parameters: parameters)
                } else {
                    let inputs = indices.map { augmentation.apply(train.utterances[$0].features, rng: &rng) }
                    (loss, frames) = try step(inputs: inputs, labels: indices.map { train.utterances[$0].labels },
                                              keys: indices.map { train.utterances[$0].key }, dropout: dropout(&rng), parameters: parameters)
                }
                state.epochLossSum += loss
                state.epochUtterances += indices.count
                state.epochFrames += frames
                state.batch += 1
                state.epochSeconds += Date().timeIntervalSince(started)
                onBatch(state.batch, batches.count, state.epochLossSum / Double(max(state.epochUtterances, 1)))
                if shouldStop() {
                    try writeCheckpoint()
                    return .interrupted
                }
                if checkpointInterval > 0 && state.batch % checkpointInterval == 0 && state.batch < batches.count {
                    try writeCheckpoint()
                }
            }
            let report = try finishEpoch()
            // The checkpoint first: an `onEpoch` that fails (a log on a full disk) loses no epoch.
            try writeCheckpoint()
            try onEpoch(report)
            if shouldStop() && !state.finished { return .interrupted }
        }
        if !state.finished {
            state.finished = true
            try writeCheckpoint()
        }
        return .finished
    }

    /// The batch's dropout masks' seed, drawn after its augmentation (none drawn without dropout,
    /// so runs without it keep their random streams).
    private func dropout(_ rng: inout SeededGenerator) -> Dropout? {
        guard let rate = options.dropout, rate > 0 else { return nil }
        return Dropout(rate: rate, seed: rng.next())
    }

    /// One minibatch: forward, CTC, backward, clip, update. Returns the summed loss and frame count.
    private func step(inputs: [Matrix], labels: [[Int]], keys: [String], dropout: Dropout?, parameters: [Parameter<Float>]) throws -> (Double, Int) {
        let network = model.network
        let pass = network.forward(SequenceBatch(matrices: inputs), dropout: dropout)
        let K = network.configuration.classes, B = inputs.count
        let utterances = (0..<B).map { b in
            CTCUtterance(logProbs: pass.logProbabilities(ofSequence: b).data, frames: inputs[b].rows, classes: K, labels: labels[b])
        }
        let result = try ctcLossBatch(utterances, threads: options.threads)
        var dLogits = Array2D<Float>(rows: pass.logProbabilities.rows, cols: K)
        let scale = 1 / Float(B)
        var lossSum = 0.0
        for b in 0..<B {
            let r = result.results[b]
            guard r.feasible, r.loss.isFinite else {
                throw InputError(file: "training", place: keys[b],
                                 "CTC loss is \(r.loss) (the network's outputs are no longer finite: lower the learning rate)")
            }
            lossSum += Double(r.loss)
            for t in 0..<inputs[b].rows {
                let row = (t * B + b) * K
                for k in 0..<K { dLogits.data[row + k] = r.gradient[t * K + k] * scale }
            }
        }
        try update(pass, dLogits: dLogits, parameters: parameters)
        return (lossSum, inputs.reduce(0) { $0 + $1.rows })
    }

    /// The objective of a non-CTC model (nil for CTC).
    static func objective(for model: LabellingModel) -> TaskObjective? {
        model.task == .ctc ? nil : TaskObjective(task: model.task, bidirectional: model.network.configuration.bidirectional)
    }

    /// One minibatch of a non-CTC task: forward, the task's loss, backward, clip, update.
    private func step(_ objective: TaskObjective, inputs: [Matrix], utterances: [LabelledUtterance], dropout: Dropout?,
                      parameters: [Parameter<Float>]) throws -> (Double, Int) {
        let batch = SequenceBatch<Float>(matrices: inputs)
        // A Jordan network is teacher-forced: its context is the previous target, not its own output.
        let teacher = model.network.cell == .jordan ? objective.nextFrames(utterances, batch) : nil
        let pass = model.network.forward(batch, teacher: teacher, dropout: dropout)
        let (loss, dLogits) = objective.lossAndGradient(pass, utterances: utterances)
        guard loss.isFinite else {
            throw InputError(file: "training", place: utterances.first?.key,
                             "\(model.task.rawValue) loss is \(loss) (the network's outputs are no longer finite: lower the learning rate)")
        }
        try update(pass, dLogits: dLogits, parameters: parameters)
        return (loss, inputs.reduce(0) { $0 + $1.rows })
    }

    /// Backward from ∂L/∂logits, gradient clipping and the optimizer's step.
    func update(_ pass: SequenceNetwork.ForwardPass, dLogits: Array2D<Float>, parameters: [Parameter<Float>]) throws {
        parameters.zeroGradients()
        if options.gradient == .rtrl {
            model.network.backwardRTRL(pass, dLogits: dLogits)
        } else {
            model.network.backward(pass, dLogits: dLogits)
        }
        if options.clipNorm > 0 {
            let norm = parameters.clipGradientNorm(maxNorm: options.clipNorm)
            guard norm.isFinite else {
                throw InputError(file: "training", place: "epoch \(state.epoch + 1)", "gradient norm is \(norm): training diverged; lower the learning rate")
            }
        }
        optimizer.step(parameters)
        state.stepCount = optimizer.stepCount
    }

    /// Whether a validation result beats the best so far: a lower label error rate, or the same
    /// rate at a lower loss (early on the error sits at 100% while the loss falls). A rate of 100%
    /// or more counts as 100%: no better than no output at all (an empty hypothesis scores 100%),
    /// as a barely trained CTC network's per-frame guesses read (325%, then 400%, while the loss
    /// falls every epoch), so between such epochs the loss decides. (For the predict task, whose
    /// error is a mean squared error and can exceed 1, the loss is the same sum scaled by a
    /// constant of the validation set, so the order is the error's.) The epoch whose model
    /// training keeps, and the one `inspect` names in a log, follow this rule.
    public static func improves(error: Double, loss: Double, over bestError: Double, loss bestLoss: Double) -> Bool {
        let rate = min(error, 1), bestRate = min(bestError, 1)
        return rate < bestRate || (rate == bestRate && loss < bestLoss)
    }

    /// Validation, the epoch report, early stopping and learning-rate halving, the model file.
    private func finishEpoch() throws -> EpochReport {
        var report = EpochReport(epoch: state.epoch + 1, trainLoss: state.epochLossSum / Double(max(state.epochUtterances, 1)),
                                 validLoss: nil, validLabelErrorRate: nil, task: model.task, learningRate: state.learningRate,
                                 framesPerSecond: Double(state.epochFrames) / max(state.epochSeconds, 1e-9),
                                 seconds: state.epochSeconds)
        var improved = true
        if !valid.utterances.isEmpty {
            let v = try Trainer.evaluate(model, on: valid, batchSize: options.batchSize, threads: options.threads)
            report.validLoss = v.meanLoss
            report.validLabelErrorRate = v.labelErrorRate
            // Better error, or equal error (100% or more counting as 100%) and lower loss.
            if let best = state.bestValidError, let bestLoss = state.bestValidLoss {
                improved = Self.improves(error: v.labelErrorRate, loss: v.meanLoss, over: best, loss: bestLoss)
            }
        }
        state.history.append(report)
        if improved {
            state.bestValidError = report.validLabelErrorRate
            state.bestValidLoss = report.validLoss
            state.bestEpoch = report.epoch
            state.epochsWithoutImprovement = 0
            model.training = trainingSummary()
            try model.write(to: modelPath)
            wroteBestModel = true
            state.bestModelPath = modelPath
        } else {
            state.epochsWithoutImprovement += 1
            if options.halveOnPlateau && state.epochsWithoutImprovement % 2 == 0 {
                state.learningRate /= 2
                optimizer.learningRate = state.learningRate
            }
            if stoppedEarly { state.finished = true }
        }
        if let decay = options.learningRateDecay {
            state.learningRate *= decay
            optimizer.learningRate = state.learningRate
        }
        if let epochModelsDirectory {
            var snapshot = model
            snapshot.training = trainingSummary()
            try snapshot.write(to: Trainer.epochModelPath(directory: epochModelsDirectory, epoch: report.epoch))
        }
        state.epoch += 1
        state.batch = 0
        state.epochLossSum = 0; state.epochUtterances = 0; state.epochFrames = 0; state.epochSeconds = 0
        if state.epoch >= options.epochs { state.finished = true }
        return report
    }

    /// The training summary stored in the model (no timings, so equal runs give equal bytes).
    private func trainingSummary() -> String {
        var summary: [String: Any] = [
            "epochs": state.history.count, "best_epoch": state.bestEpoch ?? state.history.count,
            "train_utterances": train.utterances.count, "train_frames": train.frames,
            "valid_utterances": valid.utterances.count, "seed": options.seed,
            "optimizer": options.optimizer.rawValue, "learning_rate": options.learningRate,
            "batch_size": options.batchSize, "task": model.task.rawValue, "cell": model.network.cell.rawValue,
            "gradient": (options.gradient ?? .bptt).rawValue,
        ]
        if let d = options.learningRateDecay { summary["learning_rate_decay"] = d }
        if let h = options.horizon { summary["horizon"] = h }
        if let p = options.precision, p != .float32 { summary["precision"] = p.rawValue }
        if let pen = options.penDistortion {   // the natural bounds of decode --pen-variants
            summary["pen_distortion"] = ["rotation_degrees": pen.rotationDegrees, "slant": pen.slant, "scale": pen.scale]
        }
        if let e = state.bestValidError { summary[model.task.errorSummaryKey] = e }
        if let last = state.history.last { summary["train_loss"] = last.trainLoss }
        let data = try! JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Makes sure that `modelPath` holds the finished run's best model, also when this `run()`
    /// trained no better epoch (a finished or early-stopped run resumed, perhaps with another -o,
    /// or after its model file was removed): the file an earlier run wrote there stays; else the
    /// checkpoint's weights are written when the best epoch is its last, or the best model is
    /// copied from the -o an earlier run wrote it to. Every write is atomic. Throws, having written
    /// nothing, when the best model is in none of these places.
    /// `checkpointName` names the checkpoint the run was resumed from, in the error.
    public func placeBestModel(checkpointName: String) throws -> BestModelSource {
        if wroteBestModel { return .trained }
        guard let best = state.bestEpoch else {
            throw InputError(file: checkpointName, "the run has no finished epoch: nothing was written to \(modelPath)")
        }
        if (state.bestModelPath ?? modelPath) == modelPath, isBestModel(at: modelPath, epoch: best) { return .alreadyThere }
        if best == state.history.count {
            try model.write(to: modelPath)
            return .checkpoint
        }
        if let earlier = state.bestModelPath, earlier != modelPath, isBestModel(at: earlier, epoch: best) {
            try LabellingModel(contentsOf: earlier).write(to: modelPath)
            return .copied(from: earlier)
        }
        let whereWritten = state.bestModelPath.map { " nor at \($0), where the run wrote it" } ?? ""
        throw InputError(file: checkpointName,
                         "the run's best model (epoch \(best)) is neither in the checkpoint (which holds epoch \(state.history.count)'s weights)\(whereWritten): nothing was written to \(modelPath)")
    }

    /// Whether `path` holds this run's model of epoch `epoch`, as its training summary says.
    private func isBestModel(at path: String, epoch: Int) -> Bool {
        guard FileManager.default.fileExists(atPath: path), let file = try? LabellingModel(contentsOf: path),
              let summary = try? JSONSerialization.jsonObject(with: Data(file.training.utf8)) as? [String: Any],
              let ours = try? JSONSerialization.jsonObject(with: Data(model.training.utf8)) as? [String: Any] else { return false }
        return file.task == model.task && summary["best_epoch"] as? Int == epoch
            && ["seed", "train_frames", "train_utterances"].allSatisfy { "\(summary[$0] ?? "-")" == "\(ours[$0] ?? "+")" }
    }

    private func writeCheckpoint() throws {
        state.stepCount = optimizer.stepCount
        try Checkpoint(path: checkpointPath, model: model, options: options, state: state).write()
    }

    /// Mean loss per utterance and the task's error of `model` on `corpus`: for CTC the best-path
    /// label error rate, otherwise `TaskObjective`'s (classification, frame or squared error).
    public static func evaluate(_ model: LabellingModel, on corpus: Corpus, batchSize: Int, threads: Int) throws -> (meanLoss: Double, labelErrorRate: Double) {
        if let objective = objective(for: model) {
            var loss = 0.0, errors = 0.0, units = 0
            for start in stride(from: 0, to: corpus.utterances.count, by: max(1, batchSize)) {
                let part = Array(corpus.utterances[start..<min(start + max(1, batchSize), corpus.utterances.count)])
                let r = objective.evaluate(model.network, part)
                loss += r.loss; errors += r.errors; units += r.units
            }
            return (loss / Double(max(corpus.utterances.count, 1)), errors / Double(max(units, 1)))
        }
        let order = corpus.utterances.indices.sorted { corpus.utterances[$0].features.rows < corpus.utterances[$1].features.rows }
        var lossSum = 0.0, errors = 0, referenceLabels = 0
        let K = model.network.configuration.classes
        for start in stride(from: 0, to: order.count, by: max(1, batchSize)) {
            let indices = Array(order[start..<min(start + max(1, batchSize), order.count)])
            let logProbs = model.network.logProbabilities(indices.map { corpus.utterances[$0].features })
            let utterances = zip(indices, logProbs).map { i, lp in
                CTCUtterance(logProbs: lp.data, frames: lp.rows, classes: K, labels: corpus.utterances[i].labels)
            }
            let result = try ctcLossBatch(utterances, threads: threads)
            lossSum += result.results.reduce(0.0) { $0 + Double($1.loss) }
            for (i, lp) in zip(indices, logProbs) {
                let hypothesis = bestPathDecode(logProbs: lp, blank: Alphabet.blank)
                errors += levenshteinAlignment(reference: corpus.utterances[i].labels, hypothesis: hypothesis.tokens).errors
                referenceLabels += corpus.utterances[i].labels.count
            }
        }
        return (lossSum / Double(max(corpus.utterances.count, 1)), Double(errors) / Double(max(referenceLabels, 1)))
    }
}
