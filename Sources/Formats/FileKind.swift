// FileKind: tells what a file holds from its first bytes, so `inspect` can summarise anything seqlab reads.
import Tensors

/// The kinds of file seqlab can recognise by content (not by name).
///
/// Extension point: to teach `seqlab inspect` a new kind (audio, stroke files…), add a case here,
/// recognise it in `detect(prefix:fileSize:)` by its magic bytes or syntax, and add its summary
/// to the `switch` in `Sources/seqlab/InspectCommand.swift` (the summary type may live in the
/// module that reads the format).
public enum FileKind: Sendable, Equatable, CustomStringConvertible {
    /// A Kaldi archive: `key` + space + `\0B` (binary) or `[` (text).
    case kaldiArchive
    /// A safetensors file: 8-byte little-endian header length, then a JSON object.
    case safetensors
    /// An ARPA n-gram model: a `\data\` line among the first bytes (free text may come before it).
    case arpa
    /// Anything else.
    case unknown

    public var description: String {
        switch self {
        case .kaldiArchive: return "Kaldi archive"
        case .safetensors: return "safetensors"
        case .arpa: return "ARPA n-gram model"
        case .unknown: return "unknown"
        }
    }

    /// How many leading bytes `detect` looks at.
    public static let prefixLength = 4096 + 16

    /// The kind of the file at `path`. `-` (stdin) and other non-regular files are taken to be
    /// Kaldi archives, since peeking would consume the stream; so are Kaldi specifiers
    /// (`ark:…`, `scp:…`), commands (`… |`) and scp files (`*.scp`), which `KaldiArchiveReader`
    /// reads as tables.
    public static func detect(path: String) throws -> FileKind {
        if path == "-" || path.hasSuffix(".scp") || ShellCommand.isCommand(path) || ["ark:", "ark,", "scp:", "scp,"].contains(where: { path.hasPrefix($0) }) {
            return .kaldiArchive
        }
        let input = try ByteInput(path: path)
        guard let size = input.fileSize else { return .kaldiArchive }
        var prefix = [UInt8](repeating: 0, count: min(size, prefixLength))
        let got = try prefix.withUnsafeMutableBytes { try input.read(into: $0) }
        return detect(prefix: Array(prefix.prefix(got)), fileSize: size)
    }

    /// The kind of a file that starts with `prefix` and is `fileSize` bytes long.
    public static func detect(prefix: [UInt8], fileSize: Int) -> FileKind {
        if prefix.count >= 9, prefix[8] == UInt8(ascii: "{") {
            let n = prefix[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            if n >= 2, n <= UInt64(fileSize - 8) { return .safetensors }
        }
        if looksLikeArchive(prefix) { return .kaldiArchive }
        if hasARPAHeader(prefix) { return .arpa }
        return .unknown
    }

    /// True when one of the lines of `bytes` (spaces, tabs and a carriage return around it
    /// removed, and a byte order mark at the start) is `\data\`, the line that opens an ARPA
    /// model's counts.
    static func hasARPAHeader(_ bytes: [UInt8]) -> Bool {
        let header = Array("\\data\\".utf8)
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0   // after a UTF-8 byte order mark
        for end in start...bytes.count where end == bytes.count || bytes[end] == 0x0A {
            var a = start, b = end
            while a < b && blank(bytes[a]) { a += 1 }
            while b > a && blank(bytes[b - 1]) { b -= 1 }
            if bytes[a..<b].elementsEqual(header) { return true }
            start = end + 1
        }
        return false
    }

    /// Whitespace, a key of printable bytes, one space, then `\0B` or spaces and `[`.
    static func looksLikeArchive(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 }
        let keyStart = i
        while i < bytes.count, bytes[i] > 0x20, bytes[i] != 0x7F { i += 1 }
        guard i > keyStart, i < bytes.count, bytes[i] == 0x20 else { return false }
        i += 1
        if i + 1 < bytes.count, bytes[i] == 0, bytes[i + 1] == UInt8(ascii: "B") { return true }
        while i < bytes.count, bytes[i] == 0x20 { i += 1 }
        return i < bytes.count && bytes[i] == UInt8(ascii: "[")
    }
}
