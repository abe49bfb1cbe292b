// Checkpoint: a model plus the optimizer's slots and the run's position, in one atomic safetensors file.
import Foundation
import Formats
import Labelling
import Networks
import Tensors

/// Everything needed to continue a training run exactly: the model (network, alphabet, front end),
/// the optimizer's per-parameter slots (tensors named `optimizer/<slot>/<parameter>`, Networks'
/// `OptimizerState`), and the options and `TrainingState` as JSON in the metadata
/// (`seqlab.checkpoint.options`, `seqlab.checkpoint.state`). A checkpoint is also a usable model.
public struct Checkpoint {
    public var path: String
    public var model: LabellingModel
    public var options: TrainingOptions
    public var state: TrainingState

    public init(path: String, model: LabellingModel, options: TrainingOptions, state: TrainingState) {
        self.path = path
        self.model = model
        self.options = options
        self.state = state
    }

    /// Writes atomically (temporary file, fsync, rename): a crash leaves the previous checkpoint.
    public func write() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try model.safeTensors(extraMetadata: [
            "seqlab.checkpoint.options": String(decoding: try encoder.encode(options), as: UTF8.self),
            "seqlab.checkpoint.state": String(decoding: try encoder.encode(state), as: UTF8.self),
        ], optimizerState: true).write(to: path)
    }

    /// Reads a checkpoint written by `write()`.
    public init(contentsOf path: String) throws {
        try self.init(file: try SafeTensorsFile(contentsOf: path), path: path)
    }

    /// A checkpoint from an opened safetensors file read from `path`.
    public init(file: SafeTensorsFile, path: String) throws {
        let model = try LabellingModel(file: file, name: path)
        guard let optionsJSON = file.metadata["seqlab.checkpoint.options"], let stateJSON = file.metadata["seqlab.checkpoint.state"] else {
            throw InputError(file: path, place: "metadata", "a model but not a checkpoint (no seqlab.checkpoint.state): nothing to resume")
        }
        do {
            options = try JSONDecoder().decode(TrainingOptions.self, from: Data(optionsJSON.utf8))
            state = try JSONDecoder().decode(TrainingState.self, from: Data(stateJSON.utf8))
        } catch {
            throw InputError(file: path, place: "seqlab.checkpoint", "unreadable training state: \(error)")
        }
        self.path = path
        self.model = model
    }

    /// Throws when `path` holds the checkpoint of a run that has not finished, which a new run
    /// writing its own checkpoint there would destroy; a finished run's checkpoint (or no file)
    /// may be replaced. A file there that is not a checkpoint is refused as well.
    public static func refuseReplacingUnfinishedRun(at path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let existing: Checkpoint
        do {
            existing = try Checkpoint(contentsOf: path)
        } catch let e as InputError {
            throw InputError(file: path, place: e.place, "\(e.message); a new run would write its checkpoint over this file: remove it, or give --checkpoint another path")
        }
        guard !existing.state.finished else { return }
        throw InputError(file: path, "holds an unfinished run (epoch \(existing.state.epoch + 1) of \(existing.options.epochs)); give --resume \(path) to continue it, or remove it to start afresh")
    }

    /// For `seqlab inspect`: where the run stands, and on which data (`DataFingerprint`).
    public var summary: String {
        var line = state.finished ? "checkpoint: finished after \(state.epoch) epoch(s)"
            : "checkpoint: epoch \(state.epoch + 1) of \(options.epochs), next batch \(state.batch + 1)"
        if state.stepCount > 0 { line += ", \(state.stepCount) Adam steps" }
        if let best = state.bestEpoch { line += ", best epoch \(best)" }
        if let train = state.trainData {   // what --resume must be given again
            line += "\ndata: training \(train); validation " + (state.validData.map { "\($0)" } ?? "none")
        }
        return line
    }
}
