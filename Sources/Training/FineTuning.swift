// FineTuning: a training run that starts from an existing model's weights, with its architecture, alphabet and front end.
import Formats
import Labelling
import Networks
import Tensors

/// The architecture settings a user asked for, each nil when not given (so a fine-tuning run can
/// tell an explicit contradiction of the base model from a default).
public struct ArchitectureRequest: Sendable, Equatable {
    public var hiddenSizes: [Int]?
    public var bidirectional: Bool?
    public var peepholes: Bool?
    public var tokenUnit: TokenUnit?
    public var frontEnd: FrontEnd?

    public init(hiddenSizes: [Int]? = nil, bidirectional: Bool? = nil, peepholes: Bool? = nil,
                tokenUnit: TokenUnit? = nil, frontEnd: FrontEnd? = nil) {
        self.hiddenSizes = hiddenSizes
        self.bidirectional = bidirectional
        self.peepholes = peepholes
        self.tokenUnit = tokenUnit
        self.frontEnd = frontEnd
    }

    /// Throws when a given setting differs from `model`'s (`name` is the model's file).
    public func check(against model: LabellingModel, name: String) throws {
        let c = model.network.configuration
        func refuse(_ asked: String, _ has: String) -> InputError {
            InputError(file: name, place: "seqlab.architecture",
                       "\(asked) contradicts the model (\(has)); fine-tuning keeps the model's architecture: leave the flag out")
        }
        if let h = hiddenSizes, h != c.hiddenSizes {
            let cell = switch model.network.cell { case .lstm: "LSTM" case .elman: "Elman" case .jordan: "Jordan" }
            throw refuse("--hidden \(h.map(String.init).joined(separator: ","))", "\(cell) \(c.hiddenSizes.map(String.init).joined(separator: ","))")
        }
        if let b = bidirectional, b != c.bidirectional {
            throw refuse(b ? "bidirectional layers" : "--unidirectional", c.bidirectional ? "bidirectional" : "unidirectional")
        }
        if let p = peepholes, p != c.peepholes {
            throw refuse(p ? "peepholes" : "--no-peepholes", c.peepholes ? "with peepholes" : "without peepholes")
        }
        if let u = tokenUnit, u != model.tokenUnit {
            throw InputError(file: name, place: "seqlab.tokens",
                             "--tokens \(u.rawValue) contradicts the model's \(model.tokenUnit.rawValue) tokens; fine-tuning keeps the model's alphabet")
        }
        if let f = frontEnd, f != model.frontEnd {
            let has = model.frontEnd.map { "its own \($0.kind) front end (\($0.dimension) dims; seqlab inspect shows it)" } ?? "no stored front end"
            throw InputError(file: name, place: "seqlab.frontend",
                             "--frontend differs from the model's front end: the model has \(has); fine-tune on features made by the model's front end")
        }
    }
}

extension Trainer {
    /// A new run that starts from `base`'s weights instead of a random initialisation: the architecture, alphabet, token unit and front end are
    /// the model's; the optimizer state is fresh; `options` gives everything else (its
    /// architecture fields are replaced by the model's, so checkpoints describe the network).
    /// Features of another dimension than the model's are refused, naming `baseName`.
    public convenience init(fineTuning base: LabellingModel, baseName: String, options: TrainingOptions,
                            train: Corpus, valid: Corpus, modelPath: String, checkpointPath: String) throws {
        let c = base.network.configuration
        for (corpus, what) in [(train, "training"), (valid, "validation")] {
            if let d = corpus.dimension, d != c.inputSize {
                throw InputError(file: baseName, place: "seqlab.architecture",
                                 "the model takes \(c.inputSize)-dimensional features, the \(what) features have \(d) (make them with the model's front end: seqlab inspect \(baseName) shows it)")
            }
        }
        var options = options
        options.hiddenSizes = c.hiddenSizes
        options.bidirectional = c.bidirectional
        options.peepholes = c.peepholes
        try self.init(options: options, train: train, valid: valid, alphabet: base.alphabet, tokenUnit: base.tokenUnit,
                      frontEnd: base.frontEnd, modelPath: modelPath, checkpointPath: checkpointPath,
                      task: base.task, cell: base.network.cell)
        model.network.parameters.copyValues(from: base.network.parameters)
    }
}
