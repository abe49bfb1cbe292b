// OptimizerState: parameters' optimizer slots as named tensors, so a checkpoint can resume training exactly.
import Tensors

/// Optimizer slots saved beside a model in a checkpoint: the tensor for slot `s` of parameter
/// `p` is named `optimizer/<s>/<p>` (e.g. `optimizer/adam.m/lstm.weight_ih_l0`), shaped like
/// `p`. These tensors are not part of the model: `ModelTensors.checksum()` skips them and a
/// model loads with or without them. Step counts (Adam's t) belong in the metadata.
public enum OptimizerState {
    public static let prefix = "optimizer/"

    /// The tensor name for `slot` of `parameter`.
    public static func tensorName(slot: String, parameter: String) -> String { prefix + slot + "/" + parameter }
}

extension Array {
    /// Every optimizer slot of these parameters as a named tensor.
    public func optimizerSlotTensors() -> [String: ModelTensors.Tensor] where Element == Parameter<Float> {
        var out: [String: ModelTensors.Tensor] = [:]
        for p in self {
            for (slot, values) in p.slots { out[OptimizerState.tensorName(slot: slot, parameter: p.name)] = .init(shape: p.shape, values: values) }
        }
        return out
    }

    /// Restores the slots found among `tensors` (names `optimizer/<slot>/<parameter>`), replacing
    /// the parameters' current slots. Errors name `file` and the tensor.
    public func restoreOptimizerSlots(from tensors: [String: ModelTensors.Tensor], file: String) throws where Element == Parameter<Float> {
        let byName = Dictionary(map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var restored: [String: [String: [Float]]] = [:]
        for (name, t) in tensors where name.hasPrefix(OptimizerState.prefix) {
            let rest = name.dropFirst(OptimizerState.prefix.count)
            guard let slash = rest.firstIndex(of: "/") else {
                throw InputError(file: file, place: "tensor \"\(name)\"", "expected optimizer/<slot>/<parameter>")
            }
            let slot = String(rest[..<slash]), parameter = String(rest[rest.index(after: slash)...])
            guard let p = byName[parameter] else {
                throw InputError(file: file, place: "tensor \"\(name)\"", "optimizer state for unknown parameter \"\(parameter)\"")
            }
            guard t.shape == p.shape, t.values.count == p.count else {
                throw InputError(file: file, place: "tensor \"\(name)\"", "shape \(t.shape), expected \(p.shape)")
            }
            restored[parameter, default: [:]][slot] = t.values
        }
        for p in self { p.slots = restored[p.name] ?? [:] }
    }
}
