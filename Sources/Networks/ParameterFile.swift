// ParameterFile: any list of named Float parameters (a Q-network, a dense stack) to and from safetensors.
import Formats
import Tensors

extension Array {
    /// The parameters as a safetensors file: one F32 tensor per parameter under its name and
    /// shape, plus `metadata` (describe the architecture there, so a reader can rebuild it),
    /// sealed with its checksum (`SafeTensorsFile.sealed()`).
    public func safeTensorsFile(metadata: [String: String] = [:]) -> SafeTensorsFile where Element == Parameter<Float> {
        precondition(Set(map(\.name)).count == count, "safeTensorsFile: parameter names are not unique: \(map(\.name))")
        var tensors: [String: SafeTensor] = [:]
        for p in self { tensors[p.name] = SafeTensor(floats: p.value.data, shape: p.shape) }
        return SafeTensorsFile(tensors: tensors, metadata: metadata).sealed()
    }

    /// Sets every parameter's value from the same-named tensor of `file`, after checking that
    /// the file holds exactly these names with these shapes. `name` is the file, for errors.
    /// Nothing is changed if any check fails.
    public func loadValues(from file: SafeTensorsFile, name: String) throws where Element == Parameter<Float> {
        var values: [[Float]] = []
        for p in self {
            let t = try file.tensor(p.name, file: name)
            guard t.shape == p.shape else {
                throw InputError(file: name, place: "tensor \"\(p.name)\"", "shape \(t.shape), expected \(p.shape)")
            }
            do { values.append(try t.floats()) } catch {
                throw InputError(file: name, place: "tensor \"\(p.name)\"", "\(error)")
            }
        }
        let known = Set(map(\.name))
        if let extra = file.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw InputError(file: name, place: "tensor \"\(extra)\"", "unexpected tensor; expected only \(map(\.name).joined(separator: ", "))")
        }
        for (p, v) in zip(self, values) { p.value.data = v }
    }
}
