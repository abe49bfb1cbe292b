// EchoStateModelFile: an EchoStateNetwork as ModelTensors (safetensors), saved and loaded with its configuration.
import Foundation
import Formats
import Tensors

extension EchoStateNetwork {
    /// The value of the `seqlab.network` metadata key that marks a saved echo state network.
    public static let networkKind = "echo-state"

    /// Tensor names (docs/MODEL.md): W_in N × D, W N × N, b N, W_out K × (1 + D + N).
    public static let tensorNames = (input: "esn.input_weight", reservoir: "esn.reservoir_weight",
                                     bias: "esn.bias", readout: "esn.readout_weight")

    /// The network's tensors and metadata (`seqlab.format_version`, `seqlab.network` =
    /// `echo-state`, `seqlab.architecture` = the configuration as JSON, `seqlab.checksum` as in
    /// `ModelTensors`); `extra` keys are added but cannot replace those four.
    public func savedTensors(metadata extra: [String: String] = [:]) -> ModelTensors {
        let names = Self.tensorNames
        let d = configuration.inputSize, n = configuration.reservoirSize, k = configuration.outputSize
        var saved = ModelTensors(tensors: [
            names.input: .init(shape: [n, d], values: inputWeights.data),
            names.reservoir: .init(shape: [n, n], values: reservoirWeights.data),
            names.bias: .init(shape: [n], values: bias),
            names.readout: .init(shape: [k, 1 + d + n], values: readout.data),
        ], metadata: extra)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        saved.metadata["seqlab.format_version"] = ModelTensors.formatVersion
        saved.metadata["seqlab.network"] = Self.networkKind
        saved.metadata["seqlab.architecture"] = String(decoding: try! encoder.encode(configuration), as: UTF8.self)
        saved.metadata["seqlab.checksum"] = saved.checksum()
        return saved
    }

    /// A network rebuilt from saved tensors after checking the kind, version, configuration,
    /// each tensor's presence and shape, and the checksum; errors are `InputError`s naming `file`.
    public init(loading saved: ModelTensors, file: String) throws {
        func fail(_ place: String, _ message: String) -> InputError { InputError(file: file, place: place, message) }
        guard saved.metadata["seqlab.network"] == Self.networkKind else {
            throw fail("seqlab.network", "expected \"\(Self.networkKind)\", got \(saved.metadata["seqlab.network"].map { "\"\($0)\"" } ?? "none"): not an echo state network")
        }
        guard saved.metadata["seqlab.format_version"] == ModelTensors.formatVersion else {
            throw fail("seqlab.format_version", "expected version \(ModelTensors.formatVersion), got \(saved.metadata["seqlab.format_version"] ?? "none")")
        }
        guard let json = saved.metadata["seqlab.architecture"] else { throw fail("metadata", "no seqlab.architecture") }
        let configuration: EchoStateConfiguration
        do { configuration = try JSONDecoder().decode(EchoStateConfiguration.self, from: Data(json.utf8)) } catch {
            throw fail("seqlab.architecture", "expected an echo state configuration as JSON, got \(json.prefix(200))")
        }
        try configuration.validate(source: "\(file): seqlab.architecture")
        guard let stored = saved.metadata["seqlab.checksum"] else { throw fail("metadata", "no seqlab.checksum") }
        let actual = saved.checksum()
        guard stored == actual else { throw fail("seqlab.checksum", "tensor checksum \(actual) does not match the stored \(stored): the file is damaged") }
        let names = Self.tensorNames
        let d = configuration.inputSize, n = configuration.reservoirSize, k = configuration.outputSize
        let shapes = [names.input: [n, d], names.reservoir: [n, n], names.bias: [n], names.readout: [k, 1 + d + n]]
        if let extra = saved.tensors.keys.sorted().first(where: { shapes[$0] == nil }) {
            throw fail(extra, "unexpected tensor in an echo state network")
        }
        for (name, shape) in shapes.sorted(by: { $0.key < $1.key }) {
            guard let t = saved.tensors[name] else { throw fail(name, "missing tensor (architecture \(json))") }
            guard t.shape == shape, t.values.count == shape.reduce(1, *) else { throw fail(name, "shape \(t.shape), expected \(shape)") }
        }
        let t = saved.tensors
        try self.init(configuration: configuration,
                      inputWeights: Array2D(rows: n, cols: d, data: t[names.input]!.values),
                      reservoirWeights: Array2D(rows: n, cols: n, data: t[names.reservoir]!.values),
                      bias: t[names.bias]!.values,
                      readout: Array2D(rows: k, cols: 1 + d + n, data: t[names.readout]!.values))
    }

    /// Writes the network to `path` as safetensors, atomically, with the caller's extra `metadata`.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try savedTensors(metadata: metadata).safeTensorsFile.write(to: path)
    }

    /// Reads a network saved by `save(to:metadata:)`; returns it with all of the file's metadata.
    public static func load(contentsOf path: String) throws -> (network: EchoStateNetwork, metadata: [String: String]) {
        let saved = try ModelTensors(SafeTensorsFile(contentsOf: path), file: path)
        return (try EchoStateNetwork(loading: saved, file: path), saved.metadata)
    }
}
