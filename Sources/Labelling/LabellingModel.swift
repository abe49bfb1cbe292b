// LabellingModel: a trained network with everything needed to use it alone (alphabet, tokens, front end).
import Features
import Foundation
import Formats
import Networks
import Tensors

/// A CTC labeller as saved in one safetensors file: the network (LSTM, Elman or Jordan: `SequenceNetwork`), its output alphabet
/// (blank at 0), how labels are cut into tokens, the front-end configuration that made its
/// input features, and a summary of its training.
///
/// Metadata keys (beside the network's own `seqlab.format_version`, `seqlab.architecture` and
/// `seqlab.checksum`, docs/MODEL.md): `seqlab.alphabet` (JSON array of tokens, blank excluded),
/// `seqlab.blank` (`0`), `seqlab.tokens` (`chars` or `words`), `seqlab.frontend` (the config
/// text `extract --config` reads; absent when unknown), `seqlab.frontend_kind` (`audio` or
/// `strokes`), `seqlab.training` (JSON summary), `seqlab.task` (`TrainingTask`; absent = `ctc`).
///
/// A `predict` model has an empty alphabet (blank only) and as many outputs as input dimensions.
public struct LabellingModel: Sendable {
    public var network: SequenceNetwork
    /// The problem the network was trained for (decides how decode reads its outputs).
    public var task: TrainingTask
    public var alphabet: Alphabet
    public var tokenUnit: TokenUnit
    /// The front end that made the training features, when known (`label` needs it).
    public var frontEnd: FrontEnd?
    /// Training summary as JSON (epochs, valid error, seed…).
    public var training: String

    /// A model of an LSTM network (see the general initialiser).
    public init(network: LSTMNetwork<Float>, alphabet: Alphabet, tokenUnit: TokenUnit, frontEnd: FrontEnd?, training: String = "{}",
                task: TrainingTask = .ctc) {
        self.init(network: SequenceNetwork(network), alphabet: alphabet, tokenUnit: tokenUnit, frontEnd: frontEnd, training: training, task: task)
    }

    public init(network: SequenceNetwork, alphabet: Alphabet, tokenUnit: TokenUnit, frontEnd: FrontEnd?, training: String = "{}",
                task: TrainingTask = .ctc) {
        if task.classifies {
            precondition(network.configuration.classes == alphabet.count, "network outputs \(network.configuration.classes) classes, alphabet has \(alphabet.count)")
        } else {
            precondition(network.configuration.classes == network.configuration.inputSize, "a predict network outputs as many values as it takes")
        }
        self.network = network
        self.task = task
        self.alphabet = alphabet
        self.tokenUnit = tokenUnit
        self.frontEnd = frontEnd
        self.training = training
    }

    /// Seconds per frame for reporting times: the audio front end's frame shift; Kaldi's default
    /// 10 ms when the model does not say; nil for strokes (times are then frame numbers).
    public var frameShiftSeconds: Double? {
        guard let frontEnd else { return 0.01 }
        return frontEnd.frameShiftSeconds
    }

    /// The input feature dimension the network expects.
    public var inputDimension: Int { network.configuration.inputSize }

    /// The model's tensors and metadata in safetensors form; with `optimizerState`, the
    /// parameters' optimizer slots too (`optimizer/<slot>/<parameter>`, a checkpoint).
    public func safeTensors(extraMetadata: [String: String] = [:], optimizerState: Bool = false) -> SafeTensorsFile {
        var meta = extraMetadata
        meta["seqlab.alphabet"] = alphabet.json
        meta["seqlab.blank"] = String(Alphabet.blank)
        meta["seqlab.tokens"] = tokenUnit.rawValue
        if let frontEnd {
            meta["seqlab.frontend"] = frontEnd.text
            meta["seqlab.frontend_kind"] = frontEnd.kind
        }
        meta["seqlab.training"] = training
        meta[TrainingTask.metadataKey] = task.rawValue
        return network.savedTensors(metadata: meta, optimizerState: optimizerState).safeTensorsFile
    }

    /// Writes the model atomically (temporary file, fsync, rename).
    public func write(to path: String) throws { try safeTensors().write(to: path) }

    /// Reads a model written by `write(to:)`, checking version, architecture, shapes, checksum and alphabet.
    public init(contentsOf path: String) throws {
        try self.init(file: try SafeTensorsFile(contentsOf: path), name: path)
    }

    /// A model from an opened safetensors file (a checkpoint's optimizer slots are restored into
    /// the network's parameters).
    public init(file: SafeTensorsFile, name: String) throws {
        let saved = try ModelTensors(file, file: name)
        let meta = saved.metadata
        let network = try SequenceNetwork(loading: saved, file: name)
        guard let alphabetJSON = meta["seqlab.alphabet"] else {
            throw InputError(file: name, place: "metadata", "no seqlab.alphabet: the model does not say what its outputs mean")
        }
        let alphabet = try Alphabet(json: alphabetJSON, file: name)
        let taskText = meta[TrainingTask.metadataKey] ?? TrainingTask.ctc.rawValue
        guard let task = TrainingTask(rawValue: taskText) else {
            throw InputError(file: name, place: TrainingTask.metadataKey,
                             "\"\(taskText.prefix(40))\", expected one of \(TrainingTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if !task.classifies {
            guard network.configuration.classes == network.configuration.inputSize else {
                throw InputError(file: name, place: "seqlab.architecture",
                                 "a predict model must output as many values as it takes (\(network.configuration.inputSize)), not \(network.configuration.classes)")
            }
        } else if alphabet.count != network.configuration.classes {
            throw InputError(file: name, place: "seqlab.alphabet",
                             "\(alphabet.count - 1) tokens plus blank, but the network has \(network.configuration.classes) outputs")
        }
        if let blank = meta["seqlab.blank"], blank != "0" {
            throw InputError(file: name, place: "seqlab.blank", "blank index \(blank); seqlab models keep the blank at 0")
        }
        let unitText = meta["seqlab.tokens"] ?? TokenUnit.characters.rawValue
        guard let unit = TokenUnit(rawValue: unitText) else {
            throw InputError(file: name, place: "seqlab.tokens", "\"\(unitText)\", expected chars or words")
        }
        let frontEnd = try meta["seqlab.frontend"].map { try FrontEnd(text: $0, kind: meta["seqlab.frontend_kind"], file: name) }
        if let frontEnd, frontEnd.dimension != network.configuration.inputSize {
            throw InputError(file: name, place: "seqlab.frontend",
                             "the front end makes \(frontEnd.dimension)-dimensional features, the network takes \(network.configuration.inputSize)")
        }
        self.init(network: network, alphabet: alphabet, tokenUnit: unit, frontEnd: frontEnd,
                  training: meta["seqlab.training"] ?? "{}", task: task)
    }
}
