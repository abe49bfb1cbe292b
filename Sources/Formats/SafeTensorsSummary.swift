// SafeTensorsSummary: the tensors (name, dtype, shape) and metadata of a safetensors file, for people.
import Tensors

/// A human summary of a safetensors file: every tensor's name, dtype and shape, the parameter
/// count, and the metadata with long values cut to `valueWidth` characters on one line.
public struct SafeTensorsSummary: Sendable, CustomStringConvertible {
    public var name: String
    public var file: SafeTensorsFile
    public static let valueWidth = 72

    public init(name: String, file: SafeTensorsFile) {
        self.name = name
        self.file = file
    }

    public init(path: String) throws {
        self.init(name: path, file: try SafeTensorsFile(contentsOf: path))
    }

    /// `value` on one line (newlines and tabs shown as \n, \t), cut to `width` characters with its full length noted.
    static func shortened(_ value: String, width: Int = valueWidth) -> String {
        let oneLine = value.replacingEscapes()
        guard oneLine.count > width else { return oneLine }
        return String(oneLine.prefix(width)) + "… (\(value.count) characters)"
    }

    public var description: String {
        let names = file.tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let parameters = file.tensors.values.reduce(0) { $0 + $1.count }
        let bytes = file.tensors.values.reduce(0) { $0 + $1.bytes.count }
        var lines = ["\(name): safetensors, \(names.count) tensors, \(parameters) values, \(bytes) bytes of data"]
        let width = names.map(\.count).max() ?? 0
        for n in names {
            let t = file.tensors[n]!
            let pad = String(repeating: " ", count: width - n.count)
            let dtype = t.dtype.rawValue + String(repeating: " ", count: max(0, 4 - t.dtype.rawValue.count))
            lines.append("  \(n)\(pad)  \(dtype)  [\(t.shape.map(String.init).joined(separator: ", "))]")
        }
        let keys = file.metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        lines.append("  metadata: \(keys.isEmpty ? "none" : "\(keys.count) key\(keys.count == 1 ? "" : "s")")")
        for k in keys { lines.append("    \(Self.shortened(k, width: 40)): \(Self.shortened(file.metadata[k]!))") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Control characters made visible, so a value prints on one line.
    func replacingEscapes() -> String {
        var out = ""
        for u in unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: if u.value < 0x20 || u.value == 0x7F { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
