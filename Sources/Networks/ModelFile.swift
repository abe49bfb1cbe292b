// ModelFile: an LSTMNetwork saved to and loaded from a safetensors file (Formats), with its metadata.
import Formats
import Tensors

extension ModelTensors {
    /// As a safetensors file: every tensor F32, the metadata as `__metadata__`, sealed with its
    /// checksum (`SafeTensorsFile.sealed()`).
    public var safeTensorsFile: SafeTensorsFile {
        SafeTensorsFile(tensors: tensors.mapValues { SafeTensor(floats: $0.values, shape: $0.shape) }, metadata: metadata).sealed()
    }

    /// From a safetensors file (F32, or F64/F16/BF16 converted to Float); `file` names it in errors.
    public init(_ safeTensors: SafeTensorsFile, file: String) throws {
        var tensors: [String: Tensor] = [:]
        for (name, t) in safeTensors.tensors {
            do { tensors[name] = Tensor(shape: t.shape, values: try t.floats()) } catch {
                throw InputError(file: file, place: "tensor \"\(name)\"", "\(error)")
            }
        }
        self.init(tensors: tensors, metadata: safeTensors.metadata)
    }
}

extension LSTMNetwork where S == Float {
    /// Writes the network to `path` as safetensors, atomically (docs/MODEL.md: tensor names;
    /// `ModelTensors`: metadata keys and checksum). `metadata` adds the caller's keys
    /// (alphabet, front end, training summary). With `optimizerState` the optimizer slots are
    /// saved too (a checkpoint to resume from; keep Adam's `stepCount` in the metadata).
    public func save(to path: String, metadata: [String: String] = [:], optimizerState: Bool = false) throws {
        try savedTensors(metadata: metadata, optimizerState: optimizerState).safeTensorsFile.write(to: path)
    }

    /// Reads a network saved by `save(to:metadata:)`, checking version, architecture, tensor
    /// shapes and checksum; returns it with all of the file's metadata. Optimizer slots of a
    /// checkpoint are restored into the parameters.
    public static func load(contentsOf path: String) throws -> (network: LSTMNetwork<Float>, metadata: [String: String]) {
        let saved = try ModelTensors(SafeTensorsFile(contentsOf: path), file: path)
        return (try LSTMNetwork(loading: saved, file: path), saved.metadata)
    }
}
