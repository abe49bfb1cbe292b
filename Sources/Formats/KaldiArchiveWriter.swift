// KaldiArchiveWriter: writes keyed float matrices as a Kaldi archive (binary FM or text).
import Tensors

/// How a Kaldi archive stores its matrices.
public enum KaldiArchiveMode: Sendable {
    /// `key \0BFM \4rows\4cols` + float32 LE data (Kaldi's default, compact and exact).
    case binary
    /// `key  [\n  v v … \n  … ]` with the values as kaldiio prints them (exact round trip).
    case text
}

/// Writes a Kaldi archive record by record (Kaldi `BaseFloatMatrixWriter`), to a file or to
/// stdout (`-`; binary output to a terminal is refused), buffered. Accepts Kaldi wspecifiers too:
/// `ark:PATH`, `ark,t:PATH` (text), and `ark,scp:ARK,SCP`, which also writes an scp listing each
/// key with its byte offset in ARK (ARK as written, like kaldiio's `save_ark(..., scp=)`).
/// `ark:| CMD` writes into the stdin of a command (`ark:| gzip -c > feats.ark.gz`, as Kaldi
/// recipes write), which `close()` waits for, throwing when it failed (`ByteOutput(command:)`);
/// what the command writes is not replaced atomically, and `abandon()` lets it end.
/// Keys must be non-empty, without whitespace or control characters, and unique; a bad key
/// throws `InputError` naming the record. Output is byte-identical to kaldiio's `save_ark`.
public final class KaldiArchiveWriter {
    private let output: ByteOutput
    private let mode: KaldiArchiveMode
    /// The scp written beside the archive (`ark,scp:ARK,SCP`), and the archive path it lists.
    private let scp: ByteOutput?
    private let archivePath: String
    /// Bytes written to the archive so far (the offset of the next byte).
    private var position = 0
    private var keys: Set<String> = []
    private var count = 0
    /// True once writing to the output failed (a full disk, a closed pipe): the archive may end in
    /// part of a record, so the writer takes no more. A record refused for its key or size leaves
    /// this false and the archive as it was: the caller may skip it and go on.
    public private(set) var outputFailed = false

    /// Opens `path` (`-` = stdout) for writing in `mode`.
    public init(path: String, mode: KaldiArchiveMode = .binary) throws {
        let spec = try KaldiSpecifier(path)
        guard spec.kind == .archive else {
            throw InputError(file: path, "cannot write an scp table; write an archive (\"ark:PATH\" or a plain path)")
        }
        if (spec.isCommand && !spec.isOutputCommand) || spec.scpPath.map(ShellCommand.isCommand) == true {
            throw InputError(file: path, "a command (\"… |\") is read, not written to; write to a command with \"ark:| CMD\"")
        }
        self.mode = spec.options.contains("t") ? .text : mode
        archivePath = spec.path
        if spec.scpPath != nil && (spec.path == "-" || spec.isOutputCommand) {
            throw InputError(file: path, "an scp lists byte offsets into a file; write the archive to a file, not \(spec.path == "-" ? "stdout" : "a command")")
        }
        if spec.scpPath.map(ShellCommand.isOutputCommand) == true {
            throw InputError(file: path, "the scp of \"ark,scp:ARCHIVE,SCP\" is a file, not a command")
        }
        output = try spec.isOutputCommand ? ByteOutput(command: spec.path) : ByteOutput(path: spec.path)
        scp = try spec.scpPath.map { try ByteOutput(path: $0) }
        if self.mode == .binary && spec.path == "-" && output.isTerminal {
            throw InputError(file: "stdout", "refusing to write a binary archive to a terminal; redirect it to a file or pipe it on (as gzip does)")
        }
    }

    /// Deletes the temporary files that a killed writer of `specifier` (its archive and its scp)
    /// left beside them (see `ByteOutput`); returns their paths. Call it before a run that writes
    /// `specifier` starts, never while another process writes it.
    @discardableResult
    public static func removeLeftovers(of specifier: String) -> [String] {
        guard let spec = try? KaldiSpecifier(specifier), spec.path != "-", !spec.isOutputCommand else { return [] }
        return ([spec.path] + (spec.scpPath.map { [$0] } ?? [])).flatMap { AtomicFile.removeLeftovers(of: $0) }
    }

    /// True when the wspecifier `specifier` writes into a command (`ark:| CMD`).
    public static func writesToCommand(_ specifier: String) -> Bool {
        (try? KaldiSpecifier(specifier))?.isOutputCommand == true
    }

    /// Appends one record.
    public func write(key: String, matrix: Matrix) throws {
        guard !outputFailed else {
            throw InputError(file: output.name, place: "record \(count + 1)", "not written: an earlier write to the archive failed")
        }
        count += 1
        if key.isEmpty || key.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw InputError(file: output.name, place: "record \(count)",
                             "key \"\(key)\" is empty or contains whitespace/control characters; Kaldi keys are single tokens")
        }
        // The reader takes keys up to this length (a longer one means the input is no archive):
        // a longer key would make an archive that no reader of ours reads back.
        guard key.utf8.count <= KaldiArchiveReader.maxKeyLength else {
            throw InputError(file: output.name, place: "record \(count)",
                             "key \"\(InputError.quoted(key, limit: 40))\" is \(key.utf8.count) bytes long; archives take keys of at most \(KaldiArchiveReader.maxKeyLength)")
        }
        guard keys.insert(key).inserted else {
            throw InputError(file: output.name, place: "record \(count)", "duplicate key \"\(key)\"")
        }
        guard matrix.rows <= Int(Int32.max), matrix.cols <= Int(Int32.max) else {
            throw InputError(file: output.name, place: "record \(count)", "matrix \(matrix.rows)×\(matrix.cols) exceeds Kaldi's int32 sizes")
        }
        do {
            try append(key: key, matrix: matrix)
        } catch {
            outputFailed = true
            throw error
        }
    }

    /// Writes a checked record and its scp line.
    private func append(key: String, matrix: Matrix) throws {
        let head = Array((key + " ").utf8)
        var bodyCount: Int
        #if _endian(little)
        if mode == .binary {
            // Header, then the floats straight from the matrix (no encoded copy of the data).
            let header = KaldiBinaryMatrix.floatMatrixHeader(rows: matrix.rows, cols: matrix.cols)
            try output.write(head + header)
            try matrix.data.withUnsafeBytes { try output.write(raw: $0) }
            bodyCount = header.count + 4 * matrix.data.count
        } else {
            let body = Array(KaldiTextMatrix.encode(matrix).utf8)
            try output.write(head)
            try output.write(body)
            bodyCount = body.count
        }
        #else
        let body = mode == .binary ? KaldiBinaryMatrix.encodeFloatMatrix(matrix) : Array(KaldiTextMatrix.encode(matrix).utf8)
        try output.write(head)
        try output.write(body)
        bodyCount = body.count
        #endif
        // As Kaldi and kaldiio do, the scp offset points just past "key ".
        try scp?.write("\(key) \(archivePath):\(position + head.count)\n")
        position += head.count + bodyCount
    }

    /// Flushes everything written so far (useful between records on a pipe).
    public func flush() throws {
        try output.flush()
        try scp?.flush()
    }

    /// Flushes and closes the output (and the scp).
    public func close() throws {
        try output.close()
        try scp?.close()
    }

    /// Closes without keeping anything: a file this writer would replace is left as it was (see
    /// `ByteOutput`), for a run that ends with nothing to write.
    public func abandon() {
        output.abandon()
        scp?.abandon()
    }
}
