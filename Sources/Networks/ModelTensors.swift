// ModelTensors: an LSTMNetwork as named Float tensors plus string metadata (architecture, version, checksum).
import Foundation
import Tensors

/// A network's saved form, independent of the file format: named Float tensors (names and
/// shapes per docs/MODEL.md) and string metadata. `ModelFile` writes it as safetensors.
///
/// Metadata written by `LSTMNetwork.savedTensors(metadata:)`:
/// - `seqlab.format_version`: `"1"`
/// - `seqlab.architecture`: the `LSTMNetworkConfiguration` as JSON
/// - `seqlab.checksum`: `fnv1a64:` + 16 hex digits, FNV-1a (64-bit) over the tensors in name
///   order, each contributing its UTF-8 name, one 0 byte, and its values as little-endian float32
/// - any extra keys the caller passes (alphabet, front end, training summary).
///
/// A checkpoint may also hold optimizer slots (`OptimizerState`, names `optimizer/…`); they are
/// outside the checksum and optional when loading.
public struct ModelTensors: Sendable, Equatable {
    public struct Tensor: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
    }

    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    public init(tensors: [String: Tensor], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The version `LSTMNetwork` writes and reads.
    public static let formatVersion = "1"

    /// FNV-1a 64 over the model tensors in name order (see the type's documentation), as `fnv1a64:` + hex.
    public func checksum() -> String {
        var hash = FNV1a64()
        @inline(__always) func mix(_ byte: UInt8) { hash.add(byte: byte) }
        for name in tensors.keys.sorted() where !name.hasPrefix(OptimizerState.prefix) {
            for byte in name.utf8 { mix(byte) }
            mix(0)
            for v in tensors[name]!.values {
                let bits = v.bitPattern.littleEndian
                mix(UInt8(truncatingIfNeeded: bits)); mix(UInt8(truncatingIfNeeded: bits >> 8))
                mix(UInt8(truncatingIfNeeded: bits >> 16)); mix(UInt8(truncatingIfNeeded: bits >> 24))
            }
        }
        return "fnv1a64:" + hash.hex
    }
}

extension ModelTensors {
    /// A network's saved form: its parameters (and, with `optimizerState`, their optimizer slots),
    /// `metadata`, then the `seqlab.format_version`, `seqlab.architecture` (`configuration` as
    /// JSON) and `seqlab.checksum` keys, which `metadata` cannot replace.
    init(parameters: [Parameter<Float>], configuration: LSTMNetworkConfiguration, metadata: [String: String],
         optimizerState: Bool) {
        var tensors: [String: ModelTensors.Tensor] = optimizerState ? parameters.optimizerSlotTensors() : [:]
        for p in parameters { tensors[p.name] = .init(shape: p.shape, values: p.value.data) }
        self.init(tensors: tensors, metadata: metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.metadata["seqlab.format_version"] = ModelTensors.formatVersion
        self.metadata["seqlab.architecture"] = String(decoding: try! encoder.encode(configuration), as: UTF8.self)
        self.metadata["seqlab.checksum"] = checksum()
    }
}

extension LSTMNetwork where S == Float {
    /// The network's tensors and metadata; `extra` metadata (alphabet, front end, …) is added,
    /// but cannot replace the `seqlab.format_version`, `seqlab.architecture` and `seqlab.checksum` keys.
    /// With `optimizerState`, the parameters' optimizer slots are added (a checkpoint).
    public func savedTensors(metadata extra: [String: String] = [:], optimizerState: Bool = false) -> ModelTensors {
        ModelTensors(parameters: parameters, configuration: configuration, metadata: extra, optimizerState: optimizerState)
    }

    /// A network rebuilt from saved tensors, after checking the version, the architecture,
    /// every tensor's presence and shape, and the checksum. Optimizer slots saved in a
    /// checkpoint are restored into the parameters. Errors name `file`.
    public init(loading saved: ModelTensors, file: String) throws {
        func fail(_ place: String?, _ message: String) -> InputError { InputError(file: file, place: place, message) }
        if let kind = saved.metadata["seqlab.network"], kind != "lstm" {
            throw fail("seqlab.network", "a \(kind) network, not an LSTM network (load it as its own kind, e.g. EchoStateNetwork)")
        }
        guard let version = saved.metadata["seqlab.format_version"] else {
            throw fail("metadata", "no seqlab.format_version: not a seqlab model (train one with `seqlab train`)")
        }
        guard version == ModelTensors.formatVersion else {
            throw fail("seqlab.format_version", "model format version \(version), this seqlab reads version \(ModelTensors.formatVersion)")
        }
        guard let json = saved.metadata["seqlab.architecture"] else { throw fail("metadata", "no seqlab.architecture") }
        let configuration: LSTMNetworkConfiguration
        do { configuration = try JSONDecoder().decode(LSTMNetworkConfiguration.self, from: Data(json.utf8)) } catch {
            throw fail("seqlab.architecture", "expected JSON with inputSize, hiddenSizes, bidirectional, peepholes, classes; got \(json.prefix(200))")
        }
        guard configuration.inputSize > 0, configuration.classes > 0, configuration.hiddenSizes.allSatisfy({ $0 > 0 }),
              configuration.hiddenSizes.count <= 64,
              ([configuration.inputSize, configuration.classes] + configuration.hiddenSizes).allSatisfy({ $0 <= 1 << 16 })
        else { throw fail("seqlab.architecture", "sizes must be in 1…65536 with at most 64 layers, got \(json.prefix(200))") }
        guard let stored = saved.metadata["seqlab.checksum"] else { throw fail("metadata", "no seqlab.checksum") }
        let actual = saved.checksum()
        guard stored == actual else {
            throw fail("seqlab.checksum", "tensor checksum \(actual) does not match the stored \(stored): the file is damaged")
        }
        // Every tensor's presence and shape is checked against the architecture before the
        // network is built, so its allocation is bounded by what the file actually holds.
        let shapes = LSTMNetwork<Float>.parameterShapes(configuration)
        let expected = Set(shapes.map(\.name))
        if let extra = saved.tensors.keys.sorted().first(where: { !expected.contains($0) && !$0.hasPrefix(OptimizerState.prefix) }) {
            throw fail(extra, "unexpected tensor for architecture \(json)")
        }
        for (name, shape) in shapes {
            guard let t = saved.tensors[name] else { throw fail(name, "missing tensor (architecture \(json))") }
            guard t.shape == shape, t.values.count == shape.reduce(1, *) else { throw fail(name, "shape \(t.shape), expected \(shape)") }
        }
        var rng = SeededGenerator(seed: 0)
        let net = LSTMNetwork<Float>(configuration, rng: &rng)
        for p in net.parameters { p.value.data = saved.tensors[p.name]!.values }
        try net.parameters.restoreOptimizerSlots(from: saved.tensors, file: file)
        self = net
    }
}
