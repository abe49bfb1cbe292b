// TextLines: reads a small text file (or stdin) as numbered, UTF-8-checked lines of fields.
import Tensors

/// Decodes UTF-8, or nil when the bytes are not valid UTF-8.
func decodeUTF8(_ bytes: [UInt8]) -> String? {
    let s = String(decoding: bytes, as: UTF8.self)
    return s.utf8.elementsEqual(bytes) ? s : nil
}

/// Index of the first byte that starts an invalid UTF-8 sequence (a stray continuation byte, a
/// truncated, overlong or surrogate sequence), `bytes.count` for valid UTF-8: where a reader's
/// "expected UTF-8 text" message points.
public func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        let length = b < 0x80 ? 1 : b >= 0xF0 && b < 0xF8 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0
        guard length > 0, i + length <= bytes.count,
              decodeUTF8(Array(bytes[i..<(i + length)])) != nil else { return i }
        i += length
    }
    return i
}

/// One non-blank line of a Kaldi list file (`text`, `wav.scp`, feature scp), split at whitespace.
struct TextLine {
    /// 1-based line number, for error messages.
    var number: Int
    /// The line without its end-of-line characters.
    var text: String
    /// Whitespace-separated fields (spaces and tabs), split at Unicode scalars as Kaldi splits at
    /// bytes: split at Characters, a space followed by a combining mark (one grapheme, " \u{301}")
    /// would not separate, and a line `KaldiText.write` wrote would read back as other tokens.
    var fields: [String] {
        text.unicodeScalars.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String(String.UnicodeScalarView($0)) }
    }

    /// The first field and the rest of the line, spaces and tabs around it removed (`wav.scp` and
    /// feature scp lines: the location may hold spaces), split at Unicode scalars like `fields`, so
    /// `key \u{301}path` has the location `\u{301}path` as Kaldi reads it; nil without a rest.
    var keyAndRest: (key: String, rest: String)? {
        let scalars = text.unicodeScalars
        let isBlank: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = scalars.firstIndex(where: { !isBlank($0) }),
              let end = scalars[start...].firstIndex(where: isBlank),
              let restStart = scalars[end...].firstIndex(where: { !isBlank($0) }),
              let restLast = scalars.lastIndex(where: { !isBlank($0) }) else { return nil }
        return (String(String.UnicodeScalarView(scalars[start..<end])),
                String(String.UnicodeScalarView(scalars[restStart...restLast])))
    }

    /// Throws unless the line starts with its key (Kaldi tables have no indented lines).
    func requireKey(file: String) throws {
        if let first = text.unicodeScalars.first, first == " " || first == "\t" {
            throw InputError(file: file, place: "line \(number)", "missing key: the line starts with whitespace; expected the utterance key first")
        }
    }
}

enum TextLines {
    /// The largest list file accepted (these are lists, not data: 1 GiB means something is wrong).
    static let maxBytes = 1 << 30

    /// Reads `path` (`-` is stdin), checking UTF-8 line by line; blank lines are skipped, and a
    /// UTF-8 byte order mark at the start is dropped.
    static func read(path: String) throws -> [TextLine] {
        var lines: [TextLine] = []
        try forEach(path: path) { lines.append($0) }
        return lines
    }

    /// As `read`, handing each line to `body` as it is read, none kept.
    static func forEach(path: String, _ body: (TextLine) throws -> Void) throws {
        try forEach(input: try ByteInput(path: path), body)
    }

    /// As `forEach(path:)`, over an open input.
    static func forEach(input: ByteInput, _ body: (TextLine) throws -> Void) throws {
        if let size = input.fileSize, size > maxBytes {
            throw InputError(file: input.name, "\(size) bytes is too large for a list file (limit \(maxBytes))")
        }
        var current: [UInt8] = []
        var number = 1
        func finish() throws {
            if current.last == 0x0D { current.removeLast() }
            // A byte order mark (as Windows editors save UTF-8) is no part of the first key.
            if number == 1 && current.starts(with: [0xEF, 0xBB, 0xBF]) { current.removeFirst(3) }
            // A binary Kaldi archive starts "key \0B" (then FM, CM…): name it, not the bad UTF-8 in its floats.
            if let space = current.firstIndex(of: 0x20), space > 0, current.count > space + 2,
               current[space + 1] == 0, current[space + 2] == UInt8(ascii: "B") {
                throw InputError(file: input.name, place: "line \(number)",
                                 "binary Kaldi archive data (\"\\0B\" at column \(space + 2)), not a text list; archives are read as ark:PATH")
            }
            guard let text = decodeUTF8(current) else {
                let bad = firstInvalidUTF8(current)
                throw InputError(file: input.name, place: "line \(number)",
                                 "invalid UTF-8 at column \(bad + 1); expected UTF-8 text")
            }
            if !text.allSatisfy({ $0 == " " || $0 == "\t" }) { try body(TextLine(number: number, text: text)) }
            current.removeAll(keepingCapacity: true)
        }
        var total = 0
        while let b = try input.readByte() {
            total += 1
            if total > maxBytes { throw InputError(file: input.name, "input exceeds \(maxBytes) bytes, too large for a list file") }
            if b == 0x0A {
                try finish()
                number += 1
            } else {
                current.append(b)
            }
        }
        if !current.isEmpty { try finish() }
    }
}
