// Loads the fixtures written by scripts/reference/make-formats-fixtures.py and their expected values.
import Foundation
import Tensors
import TestSupport
@testable import Formats

/// The fixture folder and the parsed `expected.txt` (values as kaldiio and Python's safetensors read them).
struct ReferenceFixtures {
    struct MatrixEntry { var file: String; var key: String; var matrix: Matrix }
    struct TensorEntry { var file: String; var name: String; var dtype: String; var shape: [Int]; var values: [String] }

    static let directory = packageRoot.appendingPathComponent("Tests/FormatsTests/Fixtures")
    var matrices: [MatrixEntry] = []
    var tensors: [TensorEntry] = []
    var metadata: [String: [String: String]] = [:]

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    init() throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent("expected.txt"), encoding: .utf8)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ").map(String.init)
            switch f[0] {
            case "matrix":
                let rows = Int(f[3])!, cols = Int(f[4])!
                // Values are the Python repr of float32 (or float64) numbers; Float(Double) is exact for float32.
                let data = f[5...].map { Float(Double($0)!) }
                matrices.append(MatrixEntry(file: f[1], key: f[2], matrix: Matrix(rows: rows, cols: cols, data: data)))
            case "tensor":
                let ndim = Int(f[4])!
                tensors.append(TensorEntry(file: f[1], name: f[2], dtype: f[3], shape: f[5..<(5 + ndim)].map { Int($0)! },
                                           values: Array(f[(5 + ndim)...])))
            case "meta":
                let prefix = "meta \(f[1]) \(f[2]) "
                metadata[f[1], default: [:]][f[2]] = String(line.dropFirst(prefix.count))
            default:
                throw InputError(file: "expected.txt", "unknown entry \(f[0])")
            }
        }
    }

    func matrices(in file: String) -> [MatrixEntry] { matrices.filter { $0.file == file } }

    /// The expected tensors of `file` as a `SafeTensorsFile` built from the plain-text values.
    func safeTensorsFile(_ file: String) -> SafeTensorsFile {
        var result = SafeTensorsFile(metadata: metadata[file] ?? [:])
        for t in tensors where t.file == file {
            switch t.dtype {
            case "F32": result.tensors[t.name] = SafeTensor(floats: t.values.map { Float(Double($0)!) }, shape: t.shape)
            case "F64": result.tensors[t.name] = SafeTensor(doubles: t.values.map { Double($0)! }, shape: t.shape)
            case "I32": result.tensors[t.name] = SafeTensor(int32s: t.values.map { Int32($0)! }, shape: t.shape)
            case "I64": result.tensors[t.name] = SafeTensor(int64s: t.values.map { Int64($0)! }, shape: t.shape)
            default: fatalError("fixture dtype \(t.dtype) not handled")
            }
        }
        return result
    }
}
