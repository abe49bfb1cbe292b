// SequenceNetworkFile: a SequenceNetwork's saved form (tensors, architecture, cell, checksum) and its checked loading.
import Foundation
import Tensors

extension SequenceNetwork {
    /// The names and shapes of the parameters of `cell` for `c`, computed without allocating.
    public static func parameterShapes(_ c: LSTMNetworkConfiguration, cell: RecurrentCell) -> [(name: String, shape: [Int])] {
        let D = c.inputSize, K = c.classes, H = c.hiddenSizes.first ?? 0
        switch cell {
        case .lstm:
            return LSTMNetwork<Float>.parameterShapes(c)
        case .elman:
            return [("elman.weight_ih_l0", [H, D]), ("elman.weight_hh_l0", [H, H]), ("elman.bias_ih_l0", [H]),
                    ("elman.bias_hh_l0", [H]), ("output.weight", [K, H]), ("output.bias", [K])]
        case .jordan:
            return [("jordan.weight_ih", [H, D]), ("jordan.weight_ch", [H, K]), ("jordan.bias_h", [H]),
                    ("jordan.weight_hy", [K, H]), ("jordan.bias_y", [K])]
        }
    }

    /// The tensors and metadata of the network (as `LSTMNetwork.savedTensors`, docs/MODEL.md),
    /// plus `seqlab.cell`. With `optimizerState`, the optimizer slots too (a checkpoint).
    public func savedTensors(metadata extra: [String: String] = [:], optimizerState: Bool = false) -> ModelTensors {
        var meta = extra
        meta[RecurrentCell.metadataKey] = cell.rawValue
        if case .lstm(let n) = body { return n.savedTensors(metadata: meta, optimizerState: optimizerState) }
        return ModelTensors(parameters: parameters, configuration: configuration, metadata: meta, optimizerState: optimizerState)
    }

    /// A network rebuilt from saved tensors: the cell from `seqlab.cell` (absent = lstm), then
    /// the same checks as `LSTMNetwork(loading:file:)` — version, architecture, every tensor's
    /// presence and shape before anything is allocated, checksum. Errors name `file`.
    public init(loading saved: ModelTensors, file: String) throws {
        func fail(_ place: String?, _ message: String) -> InputError { InputError(file: file, place: place, message) }
        let cellText = saved.metadata[RecurrentCell.metadataKey] ?? RecurrentCell.lstm.rawValue
        guard let cell = RecurrentCell(rawValue: cellText) else {
            throw fail(RecurrentCell.metadataKey, "\"\(cellText.prefix(40))\", expected one of \(RecurrentCell.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if cell == .lstm {
            self.init(try LSTMNetwork<Float>(loading: saved, file: file))
            return
        }
        guard saved.metadata["seqlab.format_version"] == ModelTensors.formatVersion else {
            throw fail("seqlab.format_version", "model format version \(saved.metadata["seqlab.format_version"] ?? "missing"), this seqlab reads version \(ModelTensors.formatVersion)")
        }
        guard let json = saved.metadata["seqlab.architecture"] else { throw fail("metadata", "no seqlab.architecture") }
        let configuration: LSTMNetworkConfiguration
        do { configuration = try JSONDecoder().decode(LSTMNetworkConfiguration.self, from: Data(json.utf8)) } catch {
            throw fail("seqlab.architecture", "expected JSON with inputSize, hiddenSizes, bidirectional, peepholes, classes; got \(json.prefix(200))")
        }
        guard configuration.hiddenSizes.count == 1, !configuration.bidirectional,
              ([configuration.inputSize, configuration.classes] + configuration.hiddenSizes).allSatisfy({ (1...(1 << 16)).contains($0) })
        else { throw fail("seqlab.architecture", "a \(cell.rawValue) network has one unidirectional layer and sizes in 1…65536, got \(json.prefix(200))") }
        guard let stored = saved.metadata["seqlab.checksum"] else { throw fail("metadata", "no seqlab.checksum") }
        let actual = saved.checksum()
        guard stored == actual else {
            throw fail("seqlab.checksum", "tensor checksum \(actual) does not match the stored \(stored): the file is damaged")
        }
        let shapes = SequenceNetwork.parameterShapes(configuration, cell: cell)
        let expected = Set(shapes.map(\.name))
        if let extra = saved.tensors.keys.sorted().first(where: { !expected.contains($0) && !$0.hasPrefix(OptimizerState.prefix) }) {
            throw fail(extra, "unexpected tensor for a \(cell.rawValue) network \(json)")
        }
        for (name, shape) in shapes {
            guard let t = saved.tensors[name] else { throw fail(name, "missing tensor (\(cell.rawValue) network \(json))") }
            guard t.shape == shape, t.values.count == shape.reduce(1, *) else { throw fail(name, "shape \(t.shape), expected \(shape)") }
        }
        var rng = SeededGenerator(seed: 0)
        self.init(configuration, cell: cell, rng: &rng)
        for p in parameters { p.value.data = saved.tensors[p.name]!.values }
        try parameters.restoreOptimizerSlots(from: saved.tensors, file: file)
    }
}
