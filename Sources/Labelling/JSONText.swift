// JSONText: the JSON lines decode writes, built as text. Foundation's JSONSerialization took about
// half a millisecond a line (boxing every value into a [String: Any] and sorting its keys), more
// than a 1×128 network's forward pass of the utterance.

/// JSON values as text, the bytes JSONSerialization writes with `.sortedKeys`, so that the output
/// does not change with the writer: strings with `"`, `\` and `/` escaped and the control
/// characters as `\b \t \n \f \r` or `\u00xx`, everything else as it is; numbers as Swift prints
/// them, less a final ".0" (1, 0.37, 1e-05, 1e+16); an object's members in the order given, which
/// the callers give sorted. A number that is not finite, which JSON cannot hold, is written null.
enum JSONText {
    static func string(_ s: String) -> String {
        let utf8 = s.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }) {
            return "\"" + s + "\""
        }
        var bytes: [UInt8] = [UInt8(ascii: "\"")]
        bytes.reserveCapacity(utf8.count + 16)
        let hex = Array("0123456789abcdef".utf8)
        for b in utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes += [UInt8(ascii: "\\"), b]
            case 0x08: bytes += Array("\\b".utf8)
            case 0x09: bytes += Array("\\t".utf8)
            case 0x0A: bytes += Array("\\n".utf8)
            case 0x0C: bytes += Array("\\f".utf8)
            case 0x0D: bytes += Array("\\r".utf8)
            case ..<0x20: bytes += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        return String(decoding: bytes, as: UTF8.self)
    }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        let text = x.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    static func number(_ n: Int) -> String { String(n) }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// `members`: (key, value as JSON text), keys in sorted order.
    static func object(_ members: [(String, String)]) -> String {
        assert(zip(members, members.dropFirst()).allSatisfy { $0.0 < $1.0 }, "JSONText.object: keys out of order")
        return "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
