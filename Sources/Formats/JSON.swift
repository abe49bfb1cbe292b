// JSON: a small strict JSON parser (RFC 8259) with byte offsets, and a serde_json-compatible string encoder.

/// A parsed JSON value. Object members keep their order; numbers keep their source text.
indirect enum JSONValue: Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// A short name of the kind of value, for messages.
    var kindName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// A JSON syntax error at a byte offset of the parsed text.
struct JSONSyntaxError: Error {
    var offset: Int
    var message: String
}

/// A recursive-descent JSON parser over UTF-8 bytes (RFC 8259), with a nesting limit so hostile
/// input cannot exhaust the stack. Duplicate object keys are rejected.
struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    static let maxDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses one value followed only by whitespace.
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes)
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.i < bytes.count { throw JSONSyntaxError(offset: p.i, message: "unexpected \(p.show()) after the JSON value") }
        return v
    }

    private func show() -> String {
        guard i < bytes.count else { return "end of text" }
        let b = bytes[i]
        return (33..<127).contains(b) ? "\"\(UnicodeScalar(b))\"" : "byte \\x\(KaldiBinaryMatrix.hex(b))"
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws {
        skipSpace()
        guard i < bytes.count, bytes[i] == c else { throw JSONSyntaxError(offset: i, message: "expected \(what), found \(show())") }
        i += 1
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw JSONSyntaxError(offset: i, message: "JSON nested deeper than \(Self.maxDepth) levels") }
        skipSpace()
        guard i < bytes.count else { throw JSONSyntaxError(offset: i, message: "expected a JSON value, found end of text") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(key: String, value: JSONValue)] = []
            var keys: Set<String> = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                let keyAt = i
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw JSONSyntaxError(offset: i, message: "expected a string key, found \(show())") }
                let key = try string()
                guard keys.insert(key).inserted else { throw JSONSyntaxError(offset: keyAt, message: "duplicate key \"\(key)\"") }
                try expect(UInt8(ascii: ":"), "\":\"")
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"), "\",\" or \"}\"")
                return .object(members)
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "]"), "\",\" or \"]\"")
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try number())
        default:
            throw JSONSyntaxError(offset: i, message: "expected a JSON value, found \(show())")
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else {
            throw JSONSyntaxError(offset: i, message: "expected a JSON value, found \(show())")
        }
        i += w.count
    }

    private mutating func number() throws -> String {
        let start = i
        func digits() -> Int { let s = i; while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }; return i - s }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        guard digits() > 0 else { throw JSONSyntaxError(offset: i, message: "expected digits in number") }
        if bytes[intStart] == UInt8(ascii: "0"), i - intStart > 1 { throw JSONSyntaxError(offset: intStart, message: "leading zero in number") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw JSONSyntaxError(offset: i, message: "expected digits after \".\"") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw JSONSyntaxError(offset: i, message: "expected digits in exponent") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw JSONSyntaxError(offset: i, message: "truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw JSONSyntaxError(offset: i, message: "expected a hex digit in \\u escape, found \(show())")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    private mutating func string() throws -> String {
        let open = i
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw JSONSyntaxError(offset: open, message: "unterminated string") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw JSONSyntaxError(offset: i, message: "control byte \\x\(KaldiBinaryMatrix.hex(b)) inside a string (must be escaped)") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw JSONSyntaxError(offset: open, message: "unterminated string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw JSONSyntaxError(offset: i, message: "unpaired surrogate in \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw JSONSyntaxError(offset: i, message: "invalid low surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw JSONSyntaxError(offset: i, message: "invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw JSONSyntaxError(offset: i - 1, message: "invalid escape \\\(UnicodeScalar(e))")
            }
        }
        guard let s = decodeUTF8(out) else { throw JSONSyntaxError(offset: open, message: "string is not valid UTF-8") }
        return s
    }
}

/// JSON string literal as serde_json writes it (what Python's safetensors uses): `"` `\` and
/// control characters escaped (`\n`, `\t`, `\r`, `\b`, `\f`, else `\u00xx`), everything else raw UTF-8.
func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if u.value < 0x20 {
                out += "\\u00" + KaldiBinaryMatrix.hex(UInt8(u.value))
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
