// KaldiArchiveReader: streams keyed matrices from a Kaldi ark (binary or text) or through an scp.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensors

/// One utterance of an archive: its key and its matrix (T × D, frames × dimensions).
public struct KaldiRecord: Sendable, Equatable {
    public var key: String
    public var matrix: Matrix
    public init(key: String, matrix: Matrix) {
        self.key = key
        self.matrix = matrix
    }
}

/// Reads a Kaldi table of matrices record by record (Kaldi `util/kaldi-table.h`,
/// `SequentialBaseFloatMatrixReader`).
///
/// An archive is a sequence of `key` + space + object, where the object is binary (`\0B` and an
/// `FM`/`DM`/`CM`/`CM2`/`CM3`/`FV`/`DV` matrix, see `KaldiBinaryMatrix`) or text (`[ … ]`, see
/// `KaldiTextMatrix`); binary and text records may mix. The reader never holds more than one
/// record: it works on pipes. Accepted specifiers:
///
/// - `PATH`, `-` (stdin), `ark:PATH`, `ark,OPTS:PATH`: an archive; a `PATH` ending in `|` is a
///   command (`ark:gunzip -c feats.ark.gz |`) run with `/bin/sh -c`, its stdout streamed as the
///   archive, and a command that fails (a non-zero exit, a signal) an error where its output
///   ends, so that a cut-off stream is never taken for a shorter archive;
/// - `scp:PATH`, `scp,OPTS:PATH`, or a `PATH` ending in `.scp`: a list of `key ark-path:byte-offset`
///   lines, each matrix read at its offset, cut to the line's `[rows,cols]` range if it has one
///   (see `KaldiScp`); `scp:CMD |` reads the list from a command's stdout.
///
/// Keys must be non-empty, without whitespace or control characters, and unique.
public final class KaldiArchiveReader {
    private enum Source {
        case archive(ByteInput)
        case scp([KaldiScpEntry], file: String)
    }
    private var source: Source
    private var scpIndex = 0
    private var scpInput: ByteInput?
    private var seen: [String: Int] = [:]
    /// How the record `next()` last returned was stored (FM, CM, text…).
    public private(set) var lastEncoding: KaldiMatrixEncoding?
    /// The longest key accepted (longer ones mean the input is not an archive).
    static let maxKeyLength = 4096

    /// Opens a file, `-` for stdin, or a Kaldi rspecifier (`ark:…`, `scp:…`).
    /// An archive on stdin that is a terminal is refused (as gzip refuses to read compressed data
    /// from one): nobody types an archive, and a command left waiting there looks hung.
    public init(path: String) throws {
        let spec = try KaldiSpecifier(path)
        if spec.isOutputCommand {
            throw InputError(file: path, "an output command (\"| CMD\") is written to, not read; a command whose output is read ends in \"|\" (ark:gzip -dc feats.ark.gz |)")
        }
        if spec.kind == .archive && spec.path == "-" && isatty(0) != 0 {
            throw InputError(file: "stdin", "is a terminal, expected a Kaldi archive: pipe one in (seqlab extract … | seqlab …) or give the archive's file")
        }
        switch spec.kind {
        case .archive: source = .archive(try spec.isCommand ? ByteInput(command: spec.path) : ByteInput(path: spec.path))
        case .scp:
            let entries = try KaldiScp.read(path: spec.path)
            // A wav.scp given for features: one message for the file, not one for each of its lines.
            if let first = entries.first, entries.allSatisfy(Self.namesAudio) {
                let every = entries.count > 1 ? ", as is every one of its \(entries.count) entries" : ""
                throw InputError(file: spec.path, place: "line \(first.line)", "\(first.archivePath) is audio\(every): "
                                 + "this is a wav.scp, not a feature scp (extract features with seqlab extract audio --scp \(spec.path))")
            }
            source = .scp(entries, file: spec.path)
        }
    }

    /// True when an scp entry names an audio file (no byte offset, an audio extension).
    static func namesAudio(_ entry: KaldiScpEntry) -> Bool {
        guard entry.offset == nil, let dot = entry.archivePath.lastIndex(of: ".") else { return false }
        return audioExtensions.contains(entry.archivePath[entry.archivePath.index(after: dot)...].lowercased())
    }

    /// The next record, or nil at the clean end of the input.
    public func next() throws -> KaldiRecord? {
        switch source {
        case .archive(let input): return try nextFromArchive(input)
        case .scp(let entries, let file): return try nextFromScp(entries, file: file)
        }
    }

    /// The next record as a result: through an scp a bad entry (an offset past the end, a missing
    /// archive, a corrupt record at its offset) is that entry's failure and the following call
    /// reads the next entry, so a batch reports it and carries on; an archive read in sequence
    /// cannot find the next record after a corrupt one, so there the error is thrown. Nil at the end.
    public func nextResult() throws -> Result<KaldiRecord, InputError>? {
        do {
            return try next().map { .success($0) }
        } catch let error as InputError {
            if case .scp = source { return .failure(error) }
            throw error
        }
    }

    /// The next record that reads, or nil at the end: a bad scp entry is passed to `skipped` and
    /// the next entry read (as `nextResult`); an archive's corrupt record is thrown.
    public func next(skippingBadEntries skipped: (InputError) -> Void) throws -> KaldiRecord? {
        while let item = try nextResult() {
            switch item {
            case .success(let record): return record
            case .failure(let error): skipped(error)
            }
        }
        return nil
    }

    /// Every remaining record, in order.
    public func readAll() throws -> [KaldiRecord] {
        var records: [KaldiRecord] = []
        while let r = try next() { records.append(r) }
        return records
    }

    /// The archive being read (nil when reading through an scp).
    var archiveInput: ByteInput? {
        if case .archive(let input) = source { return input }
        return nil
    }

    private func nextFromArchive(_ input: ByteInput) throws -> KaldiRecord? {
        guard let key = try readKey(input) else { return nil }
        let (matrix, encoding): (Matrix, KaldiMatrixEncoding)
        do { (matrix, encoding) = try Self.readObject(input, key: key) } catch var error as InputError {
            // The first record's "matrix" starts with a letter or "/", as "utt1 feats.ark:5" or
            // "utt1 /data/feats.ark:5" does: an scp read as an archive.
            if seen.count == 1, error.message.hasPrefix("expected \"[\" (text matrix)"),
               let found = error.message.dropLast().last, found.isLetter || found == "/" {
                error.message += " (a list of \"key location\" lines is an scp: read it as scp:PATH)"
            }
            throw error
        }
        lastEncoding = encoding
        return KaldiRecord(key: key, matrix: matrix)
    }

    /// Extensions of audio files, which an scp line without a byte offset names when it is a wav.scp.
    static let audioExtensions: Set<String> = ["wav", "flac", "ogg", "aiff", "aif", "au", "mp3", "sph"]

    /// Reads the next record's key and its space, checked (non-empty, no control bytes, UTF-8,
    /// unique); nil at the clean end of the input.
    func readKey(_ input: ByteInput) throws -> String? {
        // Whitespace between records (text records end in a newline) is skipped.
        while let b = try input.peekByte(), b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { _ = try input.readByte() }
        let keyStart = input.offset
        var keyBytes: [UInt8] = []
        while true {
            guard let b = try input.readByte() else {
                if keyBytes.isEmpty { return nil }
                throw InputError(file: input.name, place: "byte \(input.offset)",
                                 "input ends after the key \"\(InputError.quoted(String(decoding: keyBytes, as: UTF8.self), limit: 64))\"; expected a space and a matrix")
            }
            if b == 0x20 { break }
            if b == 0x0A || b < 0x20 || b == 0x7F {
                if keyStart == 0, let audio = audioFormat(startingWith: keyBytes) {
                    throw InputError(file: input.name, place: "byte 0",
                                     "\(audio) audio, not a Kaldi feature archive: extract its features (seqlab extract audio) or label the audio file itself (seqlab label)")
                }
                let what = b == 0x0A ? "end of line" : "control byte \\x\(KaldiBinaryMatrix.hex(b))"
                if keyBytes.isEmpty {
                    throw InputError(file: input.name, place: "byte \(input.offset - 1)",
                                     "empty record key: found \(what) where a key was expected (not a Kaldi archive?)")
                }
                throw InputError(file: input.name, place: "byte \(input.offset - 1)",
                                 "\(what) inside the record key starting at byte \(keyStart); expected the key, a space and a matrix")
            }
            keyBytes.append(b)
            if keyBytes.count > Self.maxKeyLength {
                throw InputError(file: input.name, place: "byte \(keyStart)",
                                 "record key longer than \(Self.maxKeyLength) bytes (not a Kaldi archive?)")
            }
        }
        guard let key = decodeUTF8(keyBytes) else {
            throw InputError(file: input.name, place: "byte \(keyStart)", "record key is not valid UTF-8")
        }
        if let first = seen[key] {
            throw InputError(file: input.name, place: "byte \(keyStart)",
                             "duplicate key \"\(InputError.quoted(key))\" (first at byte \(first)); keys in an archive must be unique")
        }
        seen[key] = keyStart
        return key
    }

    /// Reads one object (binary after `\0B`, else text) at the current position.
    static func readObject(_ input: ByteInput, key: String?) throws -> (Matrix, KaldiMatrixEncoding) {
        if try readBinaryMarker(input, key: key) { return try KaldiBinaryMatrix.read(input, key: key) }
        return (try KaldiTextMatrix.read(input, key: key), .text)
    }

    /// Consumes the binary marker `\0B` and returns true when the object is binary; false (nothing
    /// consumed) when it is text.
    static func readBinaryMarker(_ input: ByteInput, key: String?) throws -> Bool {
        guard try input.peekByte() == 0 else { return false }
        let at = input.offset
        _ = try input.readByte()
        let b = try input.readByte()
        guard b == UInt8(ascii: "B") else {
            throw InputError(file: input.name, place: KaldiBinaryMatrix.place(at, key),
                             "expected the binary marker \\0B, found \\0 followed by \(b.map { KaldiTextMatrix.describe($0) } ?? "end of input")")
        }
        return true
    }

    private func nextFromScp(_ entries: [KaldiScpEntry], file: String) throws -> KaldiRecord? {
        guard scpIndex < entries.count else { return nil }
        let entry = entries[scpIndex]
        scpIndex += 1
        if let first = seen[entry.key] {
            throw InputError(file: file, place: "line \(entry.line)",
                             "duplicate key \"\(InputError.quoted(entry.key))\" (first on line \(first)); keys must be unique")
        }
        seen[entry.key] = entry.line
        let input: ByteInput
        if let open = scpInput, open.name == entry.archivePath {
            input = open
        } else {
            do { input = try ByteInput(path: entry.archivePath) } catch let error as InputError {
                throw InputError(file: file, place: "line \(entry.line)", "key \"\(InputError.quoted(entry.key))\": \(error.description)")
            }
            scpInput = input
        }
        let offset = entry.offset ?? 0
        if Self.namesAudio(entry) {
            throw InputError(file: file, place: "line \(entry.line)",
                             "\(entry.archivePath) is audio: this is a wav.scp, not a feature scp (extract features with seqlab extract audio --scp \(file))")
        }
        if let size = input.fileSize, offset > size {
            throw InputError(file: file, place: "line \(entry.line)",
                             "offset \(offset) is past the end of \(entry.archivePath) (\(size) bytes)")
        }
        try input.seek(to: offset)
        // A bad record at an scp's offset is the scp line's fault as much as the archive's: name both.
        let (matrix, encoding): (Matrix, KaldiMatrixEncoding)
        do { (matrix, encoding) = try Self.readObject(input, key: entry.key) } catch let error as InputError {
            throw InputError(file: file, place: "line \(entry.line)", "key \"\(InputError.quoted(entry.key))\" at offset \(offset): \(error.description)")
        }
        lastEncoding = encoding
        guard let range = entry.range else { return KaldiRecord(key: entry.key, matrix: matrix) }
        do {
            return KaldiRecord(key: entry.key, matrix: try range.apply(to: matrix, isVector: encoding == .fv || encoding == .dv))
        } catch let mismatch as KaldiRange.Mismatch {
            throw InputError(file: file, place: "line \(entry.line)", "key \"\(InputError.quoted(entry.key))\" at offset \(offset): \(mismatch.reason)")
        }
    }
}

/// A parsed Kaldi rspecifier/wspecifier: `ark[,opts]:PATH`, `scp[,opts]:PATH`,
/// `ark,scp[,opts]:ARK,SCP` (an archive and its scp written together), or a bare path
/// (an scp when it ends in `.scp`).
struct KaldiSpecifier {
    enum Kind { case archive, scp }
    var kind: Kind
    var path: String
    /// With `ark,scp:ARK,SCP`, the scp to write beside the archive.
    var scpPath: String?
    var options: Set<String>
    /// True when `path` is a command whose stdout is read (`ark:gunzip -c feats.ark.gz |`, Kaldi's
    /// rxfilename ending in `|`; `ShellCommand`).
    var isCommand: Bool { ShellCommand.isCommand(path) }
    /// True when `path` is a command seqlab writes to (`ark:| gzip -c > feats.ark.gz`, Kaldi's
    /// wxfilename starting with `|`; `ShellCommand(writingTo:)`).
    var isOutputCommand: Bool { ShellCommand.isOutputCommand(path) }

    init(_ spec: String) throws {
        var kind: Kind = .archive
        var path = spec
        var scpPath: String?
        var options: Set<String> = []
        var prefixed = false
        for prefix in ["ark", "scp"] where spec.hasPrefix(prefix) {
            let rest = spec.dropFirst(prefix.count)
            guard let colon = rest.firstIndex(of: ":"), rest.first == ":" || rest.first == "," else { continue }
            options = Set(rest[..<colon].split(separator: ",").map(String.init))
            path = String(rest[rest.index(after: colon)...])
            kind = prefix == "scp" ? .scp : .archive
            prefixed = true
        }
        if prefixed && kind == .archive && options.contains("scp") {
            guard let comma = path.firstIndex(of: ",") else {
                throw InputError(file: spec, "\"ark,scp:\" needs two paths, \"ark,scp:ARCHIVE,SCP\"")
            }
            scpPath = String(path[path.index(after: comma)...])
            path = String(path[..<comma])
        }
        if !prefixed && path.hasSuffix(".scp") { kind = .scp }
        guard !path.isEmpty, scpPath?.isEmpty != true else { throw InputError(file: spec, "empty path in specifier") }
        self.kind = kind
        self.path = path
        self.scpPath = scpPath
        self.options = options
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
