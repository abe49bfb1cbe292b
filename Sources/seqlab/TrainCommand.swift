// seqlab train: features + Kaldi text in, an LSTM model (safetensors) trained for CTC, sequence or frame labels, or prediction, out.
import ArgumentParser
import Foundation
import Features
import Formats
import Labelling
import Networks
import Tensors
import Training

extension TokenUnit: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension TrainingTask: ExpressibleByArgument {}
extension RecurrentCell: ExpressibleByArgument {}
extension GradientAlgorithm: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network (LSTM, Elman, Jordan) for CTC, sequence or frame labels, or prediction.",
        discussion: """
        Features come from stdin or --feats (Kaldi ark or scp), labels from --text
        (Kaldi text).
          seqlab extract audio --scp data/train/wav.scp \\
            | seqlab train --text data/train/text --tokens words -o digits.safetensors
        A checkpoint is written after every epoch (and every --checkpoint-every
        batches) and on Ctrl-C; --resume continues it exactly, also after a crash or
        SIGKILL. A new run refuses to write over an unfinished run's checkpoint.
        --init MODEL fine-tunes: it starts from the model's weights with a fresh
        optimizer, keeping its architecture, alphabet, tokens and front end (flags
        contradicting them are refused).
        Utterances that cannot be used (no label, NaN features, too short for their
        labels…) are reported and skipped; the model is still trained and written, and
        the exit status is 1.
        --task (stored in the model; decode and label follow it; --init and --resume
        keep the model's, as they keep its --cell):
          ctc        a label sequence per utterance (the default)
          sequence   one label per utterance (--text: `uttid label`); read at the last
                     frame, or (bidirectional) from the mean of the outputs over the
                     frames
          framewise  one label per frame (--text: `uttid l1 … lT`)
          predict    no --text; output t predicts input frame t+1 (squared error);
                     needs --unidirectional
        --cell (stored in the model): lstm (default), elman (hidden state fed back) or
        jordan (output fed back, teacher-forced: --task predict); elman and jordan:
        one layer (one --hidden width, default 128), --unidirectional.
        --gradient: bptt (default, per minibatch); rtrl (the same gradient carried
        forward in time; --cell elman, small nets only); tbptt --horizon H (a weight
        update at every frame from its loss backpropagated over the last H frames;
        unidirectional LSTM, --task framewise or predict).
        --pen-rotation, --pen-slant, --pen-scale (stroke front ends): each training
        sample's pen trajectory rotated, slanted and scaled at random, drawn afresh
        every epoch (writer-style augmentation).
        """)

    @Option(name: .long, help: "Feature archive or scp (- = stdin).", completion: .file()) var feats = "-"
    @Option(name: .customLong("task"), help: "ctc (default), sequence, framewise or predict (see above); --init and --resume: the model's.") var taskFlag: TrainingTask?
    @Option(name: .long, help: "Kaldi text file with the labels (not for --task predict).", completion: .file()) var text: String?
    @Option(name: [.short, .customLong("output")], help: "Where the model is written (the best epoch's).", completion: .file()) var output: String
    @Option(name: .long, help: "Tokens of the labels: chars (default) or words (space-separated).") var tokens: TokenUnit?
    @Option(name: .long, help: "The front-end config (extract --config) that made the features; stored in the model.", completion: .file()) var frontend: String?
    @Option(name: .long, help: "Validation features.", completion: .file()) var validFeats: String?
    @Option(name: .long, help: "Validation labels (Kaldi text).", completion: .file()) var validText: String?
    @Option(name: .long, help: "Without --valid-feats, hold out every n-th training utterance for validation, its speed and VTLP copies (sp0.9-UTT, vtlp1.1-UTT) with it, n = 1/FRACTION rounded (0.1: every 10th; at most 0.5; 0: none). (default: 0.1)") var validFraction: Double?

    @Option(name: .customLong("cell"), help: "lstm (default), elman or jordan (see above); --init and --resume: the model's.") var cellFlag: RecurrentCell?
    @Option(name: .long, help: "Hidden widths per layer, comma-separated (default 128,128; elman, jordan: one width, default 128).") var hidden: String?
    @Flag(name: .long, help: "Forward-only layers (default: bidirectional).") var unidirectional = false
    @Flag(name: .long, help: "No peephole weights.") var noPeepholes = false

    @Option(name: .customLong("gradient"), help: "bptt, rtrl or tbptt (see above). (default: bptt)") var gradientOption: GradientAlgorithm?
    @Option(name: .long, help: "Frames backpropagated through per update (--gradient tbptt).") var horizon: Int?
    @Option(name: .long, help: "Epochs at most (default 20). With --resume: raise the finished run's limit to this many.") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Utterances per minibatch. (default: 16)") var batchSizeOption: Int?
    @Option(name: .customLong("optimizer"), help: "sgd, rmsprop or adam. (default: adam)") var optimizerOption: OptimizerKind?
    @Option(name: .customLong("learning-rate"), help: "Learning rate. (default: 0.001)") var learningRateOption: Double?
    @Option(name: .long, help: "Momentum of sgd and rmsprop (Adam keeps its own moment estimates). (default: 0.9)") var momentum: Double?
    @Option(name: .customLong("clip"), help: "Clip the global gradient norm (0 = off). (default: 5)") var clipOption: Double?
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay. (default: 0)") var weightDecayOption: Double?
    @Option(name: .customLong("input-noise"), help: "Std. dev. of Gaussian input noise while training. (default: 0)") var inputNoiseOption: Double?
    @Option(name: .customLong("dropout"), help: "Dropout rate between LSTM layers and before the output layer while training (0 = none). (default: 0)") var dropoutOption: Double?
    @Option(name: .customLong("time-masks"), help: "Time masks per utterance (SpecAugment). (default: 0)") var timeMasksOption: Int?
    @Option(name: .long, help: "Largest time mask, frames (with --time-masks; default 10).") var timeMaskWidth: Int?
    @Option(name: .customLong("freq-masks"), help: "Frequency masks per utterance (SpecAugment). (default: 0)") var freqMasksOption: Int?
    @Option(name: .long, help: "Largest frequency mask, dimensions (with --freq-masks; default 4).") var freqMaskWidth: Int?
    @Option(name: .customLong("pen-rotation"), help: "Pen features: rotate each sample by up to ± this many degrees (a new draw per utterance and epoch). (default: 0)") var penRotationOption: Double?
    @Option(name: .customLong("pen-slant"), help: "Pen features: slant each sample by x ← x + s·y, s up to ± this. (default: 0)") var penSlantOption: Double?
    @Option(name: .customLong("pen-scale"), help: "Pen features: scale width and height each by 1 ± up to this. (default: 0)") var penScaleOption: Double?
    @Option(name: .long, help: "Stop after this many epochs without a better validation error (ties, and rates of 100% or more, go to the lower validation loss). (default: 6)") var patience: Int?
    @Flag(name: .long, help: "Keep the learning rate when validation error stalls (default: halve it every second epoch without improvement).") var noHalving = false
    @Option(name: .long, help: "Multiply the learning rate by this factor in (0, 1] after every epoch (exponential decay, on top of any halving; e.g. 0.9).") var learningRateDecay: Double?

    @Option(name: .customLong("precision"), help: "Arithmetic of the LSTM layers' products: fp32, or bf16 (mixed precision: weights, layer inputs and backpropagated gradients rounded to bfloat16 in the products, sums, weights and updates in float; a 2×256 BLSTM trains 1.4× faster with AVX512-BF16, docs/RESULTS.md). (default: fp32)") var precisionOption: ProductPrecision?
    @Option(name: .customLong("seed"), help: "Seed of every random choice. (default: 1)") var seedOption: UInt64?
    @Option(name: .customLong("threads"), help: "Threads (default: all cores).") var threadsOption: Int?
    @Option(name: .long, help: "Checkpoint file (default: OUTPUT.ckpt).", completion: .file()) var checkpoint: String?
    @Option(name: .long, help: "Continue the run saved in this checkpoint.", completion: .file()) var resume: String?
    @Option(name: .customLong("init"), help: "Fine-tune this model: start from its weights (fresh optimizer state).", completion: .file()) var initModel: String?
    @Option(name: .long, help: "Also checkpoint every N batches within an epoch (0 = at epoch ends only).") var checkpointEvery = 0
    @Option(name: .long, help: "Write one JSON line per epoch to this file (a new run starts it afresh; --resume goes on with it).", completion: .file()) var log: String?
    @Option(name: .long, help: "Also write every epoch's model into this directory (epoch-001.safetensors, …; made if missing; a new run refuses one holding epoch models of another), e.g. to average the last few (seqlab average).", completion: .directory) var epochModels: String?
    @Option(name: .long, help: "Refuse to start when the data, model and largest batch need more memory than this (e.g. 8G; default: the available memory).") var maxMemory: String?
    @Flag(name: .long, help: "No progress bar, start-up line, epoch lines or closing \"model written\" summary (warnings and errors still show).") var quiet = false

    func validate() throws {
        try refuseStdinTwice([("--feats", feats), ("--text", text), ("--valid-feats", validFeats), ("--valid-text", validText),
                              ("--frontend", frontend), ("--init", initModel), ("--resume", resume)])
        guard (epochs ?? 1) > 0, batchSize > 0, threads > 0 else { throw ValidationError("--epochs, --batch-size and --threads must be positive") }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be 0 or positive") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
        if let learningRateDecay {
            guard learningRateDecay > 0 && learningRateDecay <= 1 else { throw ValidationError("--learning-rate-decay is a factor in (0, 1], got \(learningRateDecay)") }
        }
        guard (0...0.5).contains(heldOutFraction) else { throw ValidationError("--valid-fraction must be in [0, 0.5] (every n-th utterance, n = 1/FRACTION rounded, at least 2), got \(heldOutFraction)") }
        if validFraction != nil && validFeats != nil {
            throw ValidationError("--valid-fraction holds training utterances out, and --valid-feats gives the validation set instead: give one")
        }
        if resume == nil && ((timeMaskWidth != nil && timeMasks == 0) || (freqMaskWidth != nil && freqMasks == 0)) {
            throw ValidationError("--time-mask-width and --freq-mask-width size the masks of --time-masks and --freq-masks: give the count too")
        }
        if validFeats == nil && heldOutFraction == 0 && resume == nil && (patience != nil || noHalving) {
            throw ValidationError("--patience and --no-halving act on the validation error, and --valid-fraction 0 without --valid-feats leaves none")
        }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1") }
        guard resume == nil || initModel == nil else { throw ValidationError("--resume continues a run, --init starts one from a model: give one") }
        if task == .predict {
            guard text == nil, validText == nil else { throw ValidationError("--task predict learns from the features alone: drop --text and --valid-text") }
            guard unidirectional || resume != nil || initModel != nil else { throw ValidationError("--task predict needs --unidirectional (a reverse direction would read the frame it predicts)") }
        } else {
            // A resumed or fine-tuned run without --task takes the model's (checked once it is read).
            guard text != nil || (taskFlag == nil && (resume != nil || initModel != nil)) else {
                throw ValidationError("--text is required for --task \(task.rawValue)")
            }
            guard (validFeats == nil) == (validText == nil) else { throw ValidationError("--valid-feats and --valid-text go together") }
        }
        if cell != .lstm && resume == nil && initModel == nil {
            guard unidirectional else { throw ValidationError("--cell \(cell.rawValue) has one unidirectional layer: add --unidirectional") }
            if let widths = parsedHidden, widths.count != 1 {
                throw ValidationError("--cell \(cell.rawValue) has one layer: give one --hidden width, got \(widths.count)")
            }
            guard cell != .jordan || task == .predict else { throw ValidationError("--cell jordan is trained with teacher forcing (its previous target as context), which needs --task predict") }
        }
        if precision == .bfloat16 && cell != .lstm && resume == nil && initModel == nil {
            throw ValidationError("--precision bf16 rounds the products of LSTM layers; \(cell.rawValue) networks train in fp32")
        }
        if gradient == .tbptt {
            guard let horizon, horizon >= 1 else { throw ValidationError("--gradient tbptt needs --horizon H (frames, at least 1)") }
        } else if horizon != nil {
            throw ValidationError("--horizon is the truncation of --gradient tbptt")
        }
        if resume == nil && initModel == nil { try refuseContradictingArchitecture() }
        if momentum != nil && optimizer == .adam {
            throw ValidationError("--momentum is for --optimizer sgd and rmsprop; adam keeps its own moment estimates (β1 = 0.9, β2 = 0.999)")
        }
        guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout is a probability in [0, 1), got \(dropout)") }
        try checkRanges()
        // A resumed or fine-tuned model brings its own front end; otherwise only --frontend can give one.
        if (penRotation != 0 || penSlant != 0 || penScale != 0) && frontend == nil && resume == nil && initModel == nil {
            throw ValidationError("--pen-rotation, --pen-slant and --pen-scale distort pen features and need a stroke front end: give --frontend with the config given to extract strokes")
        }
        if let maxMemory, MemoryBudget.parse(maxMemory) == nil { throw ValidationError("--max-memory takes a size such as 512M or 8G") }
        guard let widths = parsedHidden else { throw ValidationError("--hidden takes positive widths separated by commas, e.g. 128,128, got \(hidden ?? "")") }
        // Bounds that keep the memory estimate (checked before any weight is allocated) within Int.
        guard widths.count <= 100, widths.allSatisfy({ $0 <= 1_000_000 }) else {
            throw ValidationError("--hidden takes 1 to 100 widths, each in 1...1000000, got \(widths.count) width(s) up to \(widths.max() ?? 0)")
        }
    }

    /// The architecture and gradient flags of a new run that contradict each other (a resumed or
    /// fine-tuned run takes its cell and task from the checkpoint or model: those are checked
    /// against it once it is read).
    private func refuseContradictingArchitecture() throws {
        if gradient == .rtrl && cell != .elman {
            throw ValidationError("--gradient rtrl is implemented for Elman networks: add --cell elman --unidirectional")
        }
        if gradient == .tbptt {
            guard cell == .lstm, unidirectional else {
                throw ValidationError("--gradient tbptt runs a unidirectional LSTM over the stream: use --cell lstm --unidirectional")
            }
            guard task == .framewise || task == .predict else {
                throw ValidationError("--gradient tbptt updates at every frame from that frame's loss: it needs --task framewise or predict")
            }
        }
        if dropout > 0 && cell != .lstm { throw ValidationError("--dropout drops values between LSTM layers: it needs --cell lstm") }
        if dropout > 0 && gradient == .tbptt { throw ValidationError("--dropout is implemented for --gradient bptt, not tbptt") }
        if noPeepholes && cell != .lstm {
            throw ValidationError("--no-peepholes removes an LSTM's peephole weights; --cell \(cell.rawValue) has none")
        }
        if tokens != nil && task == .predict {
            throw ValidationError("--tokens says how labels are cut into tokens; --task predict has no labels")
        }
    }

    /// Every numeric option within its range and finite (NaN fails every comparison, so each
    /// check is written as the range it must lie in); one ValidationError naming the option.
    private func checkRanges() throws {
        let reals: [(String, Double?, String, (Double) -> Bool)] = [
            ("--momentum", momentum, "[0, 1)", { $0 >= 0 && $0 < 1 }),
            ("--clip", clip, "[0, ∞) (0 = off)", { $0 >= 0 && $0.isFinite }),
            ("--weight-decay", weightDecay, "[0, ∞)", { $0 >= 0 && $0.isFinite }),
            ("--input-noise", inputNoise, "[0, ∞)", { $0 >= 0 && $0.isFinite }),
        ]
        for (flag, value, range, ok) in reals {
            if let value, !ok(value) { throw ValidationError("\(flag) must be in \(range), got \(value)") }
        }
        let counts: [(String, Int?, Int)] = [
            ("--time-masks", timeMasks, 0), ("--freq-masks", freqMasks, 0),
            ("--time-mask-width", timeMaskWidth, 1), ("--freq-mask-width", freqMaskWidth, 1),
        ]
        for (flag, value, least) in counts {
            if let value, value < least { throw ValidationError("\(flag) must be at least \(least), got \(value)") }
        }
        do {
            try PenDistortion(rotationDegrees: penRotation, slant: penSlant, scale: penScale).validate(file: "<command line>")
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The task and cell a new run trains (the flags, or their defaults); a resumed or fine-tuned
    /// run takes the model's instead (`train()`).
    var task: TrainingTask { taskFlag ?? .ctc }
    var cell: RecurrentCell { cellFlag ?? .lstm }

    /// --threads, or every core.
    var threads: Int { threadsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    // The training options with a default are optional, so that --resume can tell a flag given
    // with its default value (refused when the checkpoint's differs) from one left out.
    var gradient: GradientAlgorithm { gradientOption ?? .bptt }
    var batchSize: Int { batchSizeOption ?? 16 }
    var optimizer: OptimizerKind { optimizerOption ?? .adam }
    var learningRate: Double { learningRateOption ?? 1e-3 }
    var clip: Double { clipOption ?? 5 }
    var weightDecay: Double { weightDecayOption ?? 0 }
    var inputNoise: Double { inputNoiseOption ?? 0 }
    var dropout: Double { dropoutOption ?? 0 }
    var timeMasks: Int { timeMasksOption ?? 0 }
    var freqMasks: Int { freqMasksOption ?? 0 }
    var penRotation: Double { penRotationOption ?? 0 }
    var penSlant: Double { penSlantOption ?? 0 }
    var penScale: Double { penScaleOption ?? 0 }
    var precision: ProductPrecision { precisionOption ?? .float32 }
    var seed: UInt64 { seedOption ?? 1 }

    /// The `TrainingOptions` fields (their Codable keys) that a flag on the command line sets, with
    /// whatever value, the default's included.
    var givenOptionKeys: Set<String> {
        let given: [(String, Bool)] = [
            ("hiddenSizes", hidden != nil), ("bidirectional", unidirectional), ("peepholes", noPeepholes),
            ("batchSize", batchSizeOption != nil), ("optimizer", optimizerOption != nil),
            ("learningRate", learningRateOption != nil), ("momentum", momentum != nil), ("clipNorm", clipOption != nil),
            ("weightDecay", weightDecayOption != nil), ("inputNoise", inputNoiseOption != nil), ("dropout", dropoutOption != nil),
            ("timeMasks", timeMasksOption != nil), ("timeMaskWidth", timeMaskWidth != nil),
            ("frequencyMasks", freqMasksOption != nil), ("frequencyMaskWidth", freqMaskWidth != nil),
            ("penDistortion", penRotationOption != nil || penSlantOption != nil || penScaleOption != nil),
            ("patience", patience != nil), ("halveOnPlateau", noHalving), ("learningRateDecay", learningRateDecay != nil),
            ("seed", seedOption != nil), ("threads", threadsOption != nil), ("gradient", gradientOption != nil),
            ("horizon", horizon != nil), ("precision", precisionOption != nil),
        ]
        return Set(given.filter(\.1).map(\.0))
    }

    /// The share of training utterances held out when no --valid-feats is given.
    var heldOutFraction: Double { validFraction ?? 0.1 }

    /// The widths without --hidden: two layers of 128 for an LSTM, one of 128 for elman and jordan.
    static func defaultHidden(_ cell: RecurrentCell) -> String { cell == .lstm ? "128,128" : "128" }

    var parsedHidden: [Int]? {
        let parts = (hidden ?? Self.defaultHidden(cell)).split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return parts.map { $0! }
    }

    var trainingOptions: TrainingOptions {
        var o = TrainingOptions()
        o.hiddenSizes = parsedHidden ?? o.hiddenSizes
        o.bidirectional = !unidirectional
        o.peepholes = !noPeepholes
        o.epochs = epochs ?? o.epochs
        o.batchSize = batchSize
        o.optimizer = optimizer
        o.learningRate = learningRate
        o.momentum = momentum ?? 0.9
        o.clipNorm = clip
        o.weightDecay = weightDecay
        o.inputNoise = inputNoise
        o.dropout = dropout > 0 ? dropout : nil
        o.timeMasks = timeMasks
        o.timeMaskWidth = timeMaskWidth ?? 10
        o.frequencyMasks = freqMasks
        o.frequencyMaskWidth = freqMaskWidth ?? 4
        let pen = PenDistortion(rotationDegrees: penRotation, slant: penSlant, scale: penScale)
        o.penDistortion = pen.isIdentity ? nil : pen
        o.patience = patience ?? 6
        o.halveOnPlateau = !noHalving
        o.learningRateDecay = learningRateDecay == 1 ? nil : learningRateDecay
        o.seed = seed
        o.threads = threads
        o.gradient = gradient == .bptt ? nil : gradient
        o.horizon = horizon
        o.precision = precision == .float32 ? nil : precision
        return o
    }

    /// The flag that sets each `TrainingOptions` field (its Codable key), for messages; a field
    /// missing here is named by its key.
    static let optionFlags: [String: String] = [
        "hiddenSizes": "--hidden", "bidirectional": "--unidirectional", "peepholes": "--no-peepholes",
        "batchSize": "--batch-size", "optimizer": "--optimizer", "learningRate": "--learning-rate",
        "momentum": "--momentum", "clipNorm": "--clip", "weightDecay": "--weight-decay",
        "inputNoise": "--input-noise", "dropout": "--dropout", "timeMasks": "--time-masks", "timeMaskWidth": "--time-mask-width",
        "frequencyMasks": "--freq-masks", "frequencyMaskWidth": "--freq-mask-width",
        "penDistortion": "--pen-rotation/--pen-slant/--pen-scale", "patience": "--patience",
        "halveOnPlateau": "--no-halving", "learningRateDecay": "--learning-rate-decay", "seed": "--seed", "threads": "--threads",
        "gradient": "--gradient", "horizon": "--horizon", "precision": "--precision",
    ]

    /// With --resume the run goes on with the checkpoint's options (that is what makes it end in
    /// the bytes of an uninterrupted run). A training flag given with a value other than the
    /// checkpoint's (its default included, say --threads 2 = all cores for a run made with
    /// --threads 1) would be ignored: it is refused instead, naming both values.
    func refuseFlagsTheCheckpointOverrides(_ saved: TrainingOptions, checkpoint: String) throws {
        func fields(_ o: TrainingOptions) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(o)) as? [String: Any] ?? [:]
        }
        var defaultOptions = try Train.parse(["-o", "-", "--text", "text"]).trainingOptions
        defaultOptions.hiddenSizes = Self.defaultHidden(cell).split(separator: ",").compactMap { Int($0) }
        let defaults = try fields(defaultOptions)
        let given = try fields(trainingOptions), kept = try fields(saved)
        /// A field as canonical JSON (sorted keys), "(none)" when absent.
        func show(_ v: Any?) -> String {
            guard let v, let d = try? JSONSerialization.data(withJSONObject: [v], options: [.sortedKeys]) else { return "(none)" }
            return String(String(decoding: d, as: UTF8.self).dropFirst().dropLast())
        }
        func same(_ a: Any?, _ b: Any?) -> Bool { show(a) == show(b) }
        // Every field of the options, so that one added later is checked too; `epochs` is left
        // out, as `--resume CKPT --epochs N` raises the limit of a finished run.
        let keys = Set(defaults.keys).union(given.keys).union(kept.keys).subtracting(["epochs"]).sorted()
        let flagged = givenOptionKeys
        for key in keys where (flagged.contains(key) || !same(given[key], defaults[key])) && !same(given[key], kept[key]) {
            let flag = Train.optionFlags[key] ?? key
            throw InputError(file: checkpoint, place: key,
                             "the checkpoint's run has \(key) = \(show(kept[key])) and --resume continues it with its own options; \(flag) asks for \(show(given[key])): leave it out, or start a new run (--init MODEL fine-tunes from a model)")
        }
    }

    func run() throws {
        try Self.reportingErrors(train)
    }

    private func train() throws {
        // Checked here, not in validate(): the defaults of the options are read by parsing "-o -".
        if output == "-" { throw ValidationError("-o writes a safetensors file (and its checkpoint beside it): give a file name") }
        let previous = try resume.map { try Checkpoint(contentsOf: $0) }
        if let previous { try refuseFlagsTheCheckpointOverrides(previous.options, checkpoint: previous.path) }
        let checkpointPath = checkpoint ?? output + ".ckpt"
        if previous == nil { try Checkpoint.refuseReplacingUnfinishedRun(at: checkpointPath) }
        try Self.refuseSharedOutputs([("-o", output), ("--checkpoint", checkpointPath), ("--log", log)])
        try Self.refuseReplacingInputs(outputs: [("-o", output), ("--checkpoint", checkpointPath), ("--log", log)],
                                       inputs: SameFile.files(readBy: feats) + (validFeats.map(SameFile.files(readBy:)) ?? []) + [text, validText, frontend])
        // The model, checkpoint and epoch models are first written after an epoch: a path that
        // cannot be written stops the run now, before any data is read or epoch trained.
        try AtomicFile.checkWritable(output)
        try AtomicFile.checkWritable(checkpointPath)
        if let epochModels {
            do {
                try FileManager.default.createDirectory(atPath: epochModels, withIntermediateDirectories: true)
            } catch {
                throw InputError(file: epochModels, place: "--epoch-models", "cannot make this directory (\(error.localizedDescription))")
            }
            try AtomicFile.checkWritable(Trainer.epochModelPath(directory: epochModels, epoch: 1))
            // A new run would leave another run's later epochs beside its own, and average would mix them.
            if previous == nil { try refuseOtherRunsEpochModels(in: epochModels) }
        }
        let base = try initModel.map { try LabellingModel(contentsOf: $0) }
        let requestedFrontEnd = try frontend.map { path in
            guard let text = String(data: try readWholeFile(path), encoding: .utf8) else { throw InputError(file: path, "the front-end config is not UTF-8 text") }
            return try FrontEnd(text: text, file: path)
        }
        if let base, let initModel {
            try ArchitectureRequest(hiddenSizes: hidden == nil ? nil : parsedHidden, bidirectional: unidirectional ? false : nil,
                                    peepholes: noPeepholes ? false : nil, tokenUnit: tokens, frontEnd: requestedFrontEnd)
                .check(against: base, name: initModel)
            if let taskFlag, base.task != taskFlag {
                throw InputError(file: initModel, place: TrainingTask.metadataKey,
                                 "the model was trained for --task \(base.task.rawValue), not \(taskFlag.rawValue); fine-tuning keeps its task: give --task \(base.task.rawValue) or leave it out")
            }
            if let cellFlag, base.network.cell != cellFlag {
                throw InputError(file: initModel, place: RecurrentCell.metadataKey,
                                 "the model is a --cell \(base.network.cell.rawValue) network, not \(cellFlag.rawValue); fine-tuning keeps its cell: give --cell \(base.network.cell.rawValue) or leave it out")
            }
        }
        if let previous {
            // The alphabet and front end are the checkpoint's, as its options are: a contradicting flag is refused, not dropped.
            if let tokens, tokens != previous.model.tokenUnit {
                throw InputError(file: previous.path, place: "seqlab.tokens",
                                 "the checkpoint's run has \(previous.model.tokenUnit.rawValue) tokens and --resume continues it with its own alphabet; --tokens asks for \(tokens.rawValue): leave it out, or start a new run")
            }
            if let requestedFrontEnd, requestedFrontEnd != previous.model.frontEnd {
                let has = previous.model.frontEnd.map { "its own \($0.kind) front end (\($0.dimension) dims; seqlab inspect shows it)" } ?? "no stored front end"
                throw InputError(file: previous.path, place: "seqlab.frontend",
                                 "--frontend differs from the checkpoint's: its run has \(has), and --resume continues it: leave the flag out, or start a new run")
            }
        }
        let unit = previous?.model.tokenUnit ?? base?.tokenUnit ?? tokens ?? .characters
        if let previous, let taskFlag, previous.model.task != taskFlag {
            throw InputError(file: previous.path, place: TrainingTask.metadataKey,
                             "the checkpoint trains --task \(previous.model.task.rawValue), not \(taskFlag.rawValue)")
        }
        if let previous, let cellFlag, previous.model.network.cell != cellFlag {
            throw InputError(file: previous.path, place: RecurrentCell.metadataKey,
                             "the checkpoint trains --cell \(previous.model.network.cell.rawValue), not \(cellFlag.rawValue)")
        }
        // A resumed or fine-tuned run trains the model's task and cell.
        let task = previous?.model.task ?? base?.task ?? self.task
        let cell = previous?.model.network.cell ?? base?.network.cell ?? self.cell
        if task.classifies && text == nil {
            throw ValidationError("--text is required: the model is trained for --task \(task.rawValue)")
        }
        if !task.classifies && (text != nil || validText != nil) {
            throw ValidationError("the model is trained for --task predict, which learns from the features alone: drop --text and --valid-text")
        }
        let memoryLimit = maxMemory.flatMap(MemoryBudget.parse) ?? MemoryBudget.available()
        let (all, alphabet) = try Corpus.read(featuresPath: feats, textPath: text, unit: unit, alphabet: base?.alphabet, task: task,
                                              refuseUnknownTokens: base != nil, maxBytes: memoryLimit)
        var skipped = all.skipped
        var train = all, valid = Corpus(utterances: [], skipped: [])
        if let validFeats {
            let v = try Corpus.read(featuresPath: validFeats, textPath: validText, unit: unit, alphabet: alphabet, task: task,
                                    refuseUnknownTokens: base != nil, maxBytes: memoryLimit)
            valid = v.corpus
            skipped += v.corpus.skipped
        } else if heldOutFraction > 0 {
            let split = all.splitting(validationFraction: heldOutFraction, resuming: previous?.state)
            (train, valid) = (split.train, split.valid)
            if split.perUtterance {
                Self.printWarning("the run was started when --valid-fraction held out every n-th utterance alone, not with its sp/vtlp copies; it goes on with that split (a new run keeps the copies together)")
            }
        }
        if let frontend, let requestedFrontEnd, let d = train.dimension, requestedFrontEnd.dimension != d {
            throw InputError(file: frontend, "the front end makes \(requestedFrontEnd.dimension)-dimensional features, but the training features (\(feats == "-" ? "stdin" : feats)) have \(d): give the config that made them (extract --config)")
        }
        for s in skipped { Self.printWarning("\(s)") }
        guard !train.utterances.isEmpty else {
            throw InputError(file: feats == "-" ? "stdin" : feats, "no usable training utterances (\(skipped.count) problem(s) reported above: features without a label, labels without features, …)")
        }
        if valid.utterances.isEmpty && validFeats == nil && heldOutFraction > 0 && previous == nil {
            // An utterance is held out with its speed and VTLP copies: what is too few is the sources.
            let sources = all.sourceCount, count = all.utterances.count
            let what = sources == count ? "\(count) utterance(s)"
                : "\(count) utterance(s), copies of \(sources) source utterance\(sources == 1 ? "" : "s") (sp and vtlp keys),"
            Self.printWarning("\(what) are too few to hold any out for validation (--valid-fraction \(heldOutFraction)): no early stopping or learning-rate halving, and -o gets the last epoch's model")
        }
        if (previous?.options.precision ?? precision) == .bfloat16 {
            if !BFloat16Matrix.vectorised {
                Self.printWarning("this CPU has neither AVX2 nor AVX-512; --precision bf16 runs in portable C, slower than fp32")
            } else if BFloat16Matrix.kernelFamilyID < 3 && !quiet {
                Self.printMessage("note: no AVX512-BF16 here (\(KernelInstructionSet.setting ?? "this CPU")); --precision bf16 widens the bfloat16 values for float FMAs (\(BFloat16Matrix.kernelFamily) kernels): the same results, but slower than float")
            }
        }
        // The memory a run needs follows from its configuration alone: check it before any weight is allocated.
        let configuration = previous?.model.network.configuration ?? base?.network.configuration
            ?? Trainer.networkConfiguration(trainingOptions, inputs: train.dimension ?? 0, alphabet: alphabet, task: task)
        let plan = MemoryPlan(train: train, valid: valid, configuration: configuration,
                              batchSize: previous?.options.batchSize ?? batchSize)
        if let memoryLimit { try plan.check(limit: memoryLimit) }
        let trainer: Trainer
        if let previous {
            trainer = try Trainer(resuming: previous, train: train, valid: valid, alphabet: alphabet,
                                  modelPath: output, checkpointPath: checkpointPath)
        } else if let base, let initModel {
            trainer = try Trainer(fineTuning: base, baseName: initModel, options: trainingOptions, train: train, valid: valid,
                                  modelPath: output, checkpointPath: checkpointPath)
        } else {
            trainer = try Trainer(options: trainingOptions, train: train, valid: valid, alphabet: alphabet, tokenUnit: unit,
                                  frontEnd: requestedFrontEnd, modelPath: output, checkpointPath: checkpointPath, task: task, cell: cell)
        }
        if let previous, let epochs, epochs != trainer.options.epochs {
            let limit = trainer.options.epochs
            if try !trainer.extendEpochs(to: epochs, checkpointName: previous.path) {
                Self.printMessage("the checkpoint's run stopped early (no better validation error for \(trainer.options.patience) epochs); --epochs \(epochs) trains nothing more")
            } else if !quiet {
                Self.printMessage("epoch limit \(limit) → \(epochs) (\(previous.state.epoch) done)")
            }
        }
        trainer.checkpointInterval = checkpointEvery
        var written = [output, checkpointPath]
        if let epochModels {
            trainer.epochModelsDirectory = epochModels
            written += (1...max(trainer.options.epochs, 1)).map { Trainer.epochModelPath(directory: epochModels, epoch: $0) }
        }
        // A run killed while writing leaves a temporary file beside the model, checkpoint or an epoch's model; drop it.
        for leftover in written.flatMap({ AtomicFile.removeLeftovers(of: $0) }) {
            Self.printMessage("removed \(leftover), left by an interrupted write")
        }
        if !quiet {
            let arch = trainer.model.network.configuration
            // Updates an epoch: with few utterances, --epochs counts few steps (a tiny set in one batch: one step an epoch).
            // Online truncated BPTT updates at every frame instead.
            let schedule: String
            if trainer.options.gradient == .tbptt {
                schedule = "an update at every frame"
            } else {
                let updates = trainer.batches(epoch: 0).count
                schedule = "\(updates) update\(updates == 1 ? "" : "s") an epoch in batches of up to \(trainer.options.batchSize)"
            }
            Self.printMessage("\(train.utterances.count) utterances (\(train.frames) frames; \(schedule)), \(valid.utterances.count) for validation; "
                + "\(arch.inputSize)-dim input, \(trainer.model.network.describedArchitecture), "
                + (task.classifies ? "\(alphabet.count - 1) labels + blank" : "\(arch.classes) predicted values")
                + ", task \(task.rawValue); \(trainer.model.network.parameters.parameterCount()) weights"
                + (trainer.options.precision == .bfloat16 ? ", mixed precision (LSTM products in bfloat16, \(BFloat16Matrix.kernelFamily))" : "")
                + "; memory \(plan.description)")
        }
        if let log, let previous {
            // Epochs logged after the checkpoint (an older copy of it) are run again: drop their lines.
            try EpochLog.dropTrailingEpochs(after: previous.state.history.count, in: log)
        }
        // The checkpoint's epochs the log lacks (a kill, or a full disk, after the checkpoint was
        // written): their lines, from its history, go first.
        let unlogged = log.flatMap { log in previous.map { EpochLog.unlogged($0.state.history, in: log) } } ?? []
        let logFile = try log.map { try openLog($0, fresh: previous == nil) }
        defer { if let logFile { close(logFile) } }
        // Appends an epoch's line to the log; a failure names the log and the epoch.
        func logEpoch(_ report: EpochReport) throws {
            guard let logFile, let log else { return }
            if let problem = writeAll(try EpochLog.line(report), to: logFile) {
                throw LogWriteFailed(error: InputError(file: log, "write failed: \(problem)"), epoch: report.epoch)
            }
        }
        do {
            try unlogged.forEach(logEpoch)
        } catch let failure as LogWriteFailed {
            Self.printMessage("\(failure.error); epoch \(failure.epoch) is kept in the checkpoint \(resume ?? checkpointPath): continue with --resume \(resume ?? checkpointPath) once the log can be written (the missing lines are written first)")
            throw ExitCode.failure
        }
        Interrupt.install()
        var bar: ProgressBar?
        let outcome: TrainingOutcome
        do {
            outcome = try trainer.run(
                shouldStop: { Interrupt.requested },
                onBatch: { done, total, loss in
                    if bar == nil { bar = ProgressBar("epoch \(trainer.state.epoch + 1)", total: total, quiet: quiet) }
                    bar?.advance(note: String(format: "loss %.3f", loss))
                },
                onEpoch: { report in
                    bar?.finish(); bar = nil
                    // The epoch lines are a table-like log (the same fields every epoch, as --log's JSON
                    // lines), not messages: they keep their own "epoch N: " label, without the command prefix.
                    if !quiet { printError(describe(report, task)) }
                    // A log that cannot take the line (a full disk) stops the run after this epoch's
                    // checkpoint: --resume from it goes on with the next epoch and writes the line first.
                    try logEpoch(report)
                })
        } catch let failure as LogWriteFailed {
            bar?.finish()
            Self.printMessage("\(failure.error); epoch \(failure.epoch) is kept in the checkpoint \(checkpointPath): continue with --resume \(checkpointPath) once the log can be written (the missing lines are written first)")
            throw ExitCode.failure
        }
        bar?.finish()
        switch outcome {
        case .interrupted:
            Self.printMessage("interrupted; checkpoint written to \(checkpointPath); continue with --resume \(checkpointPath)")
            throw ExitCode(Interrupt.exitStatus)
        case .finished:
            let best = trainer.state.bestValidError.map { ", best validation \(task.errorName) \(formatError($0, task)) (epoch \(trainer.state.bestEpoch ?? 0))" } ?? ""
            // Early stopping ended the run before --epochs: say why, since the user asked for more.
            let why = trainer.stoppedEarly && trainer.state.epoch < trainer.options.epochs
                ? "; stopped after epoch \(trainer.state.epoch) of \(trainer.options.epochs): no better validation \(task.errorName) for \(trainer.options.patience) epochs (--patience)"
                : ""
            // A resumed run that trains no better epoch writes none itself: say where the model came from.
            let written: String
            switch try trainer.placeBestModel(checkpointName: resume ?? checkpointPath) {
            case .trained: written = "model written to \(output)"
            case .alreadyThere: written = "the best model is the one already at \(output) (written before this --resume)"
            case .checkpoint: written = "model written to \(output) (the checkpoint's weights: its last epoch is the best)"
            case .copied(let earlier): written = "model written to \(output) (copied from \(earlier), where the run wrote its best epoch)"
            }
            if !quiet { Self.printMessage("\(written)\(best)\(why)") }
            if !skipped.isEmpty {
                Self.printMessage("\(skipped.count) utterance(s) were skipped (see the warnings above)")
                throw ExitCode.failure
            }
        }
    }

    /// Refuses the --epoch-models directory of a new run when it already holds epoch models
    /// (`epoch-NNN.safetensors`), naming the first and the last.
    private func refuseOtherRunsEpochModels(in directory: String) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var epochs: [String] = []   // "epoch-NNN", 3 digits or more
        for name in names where name.hasPrefix("epoch-") && name.hasSuffix(".safetensors") {
            let stem = String(name.dropLast(".safetensors".count))
            let digits = stem.dropFirst("epoch-".count)
            if digits.count >= 3 && digits.allSatisfy({ ("0"..."9").contains($0) }) { epochs.append(stem) }
        }
        epochs.sort { ($0.count, $0) < ($1.count, $1) }
        guard let first = epochs.first, let last = epochs.last else { return }
        throw InputError(file: directory, place: "--epoch-models",
                         "holds the epoch models of an earlier run (\(first == last ? first : "\(first) … \(last)")), which a new run would mix with its own; give an empty directory or remove them (--resume keeps them)")
    }

    private func formatError(_ e: Double, _ task: TrainingTask) -> String {
        task.errorIsRate ? String(format: "%.2f%%", e * 100) : String(format: "%.4g", e)
    }

    private func describe(_ r: EpochReport, _ task: TrainingTask) -> String {
        var line = String(format: "epoch %d: train loss %.4f", r.epoch, r.trainLoss)
        if let v = r.validLoss { line += String(format: ", valid loss %.4f", v) }
        if let e = r.validLabelErrorRate { line += ", valid \(task.errorName) \(formatError(e, task))" }
        // Six significant digits: a halved rate (0.0125 after 0.025) or a decayed one reads exactly.
        line += String(format: ", lr %g, %.0f frames/s", r.learningRate, r.framesPerSecond)
        return line
    }

    /// The --log file, positioned at its end: a new run (`fresh`) starts it empty, so that one log
    /// holds one run; a resumed run goes on after the epochs its checkpoint holds.
    private func openLog(_ path: String, fresh: Bool) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | (fresh ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw InputError(file: path, "cannot open the log file for writing: \(String(cString: strerror(errno)))") }
        return fd
    }
}

/// A --log line that could not be written (a full disk): the error naming the log, and the epoch.
private struct LogWriteFailed: Error {
    var error: InputError
    var epoch: Int
}
