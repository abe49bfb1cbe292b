// KaldiRowReader: a Kaldi archive read record by record and each record row by row, as the bytes arrive.
import Tensors

/// The start of a record in a `KaldiRowReader`: its key and what its header says.
public struct KaldiRecordStart: Sendable, Equatable {
    public var key: String
    /// How the record is stored.
    public var encoding: KaldiMatrixEncoding
    /// Rows and columns when the header gives them (binary records); nil for text records,
    /// whose size is known only as their lines arrive.
    public var rows: Int?
    public var cols: Int?
}

/// Reads a Kaldi table of matrices (the specifiers `KaldiArchiveReader` takes) one row at a time,
/// so a consumer can work on the first frames of an utterance while the rest is still coming
/// through a pipe (streaming decoding).
///
///     let reader = try KaldiRowReader(path: "-")
///     while let record = try reader.nextRecord() {
///         while let row = try reader.nextRow() { … }      // row: cols values
///     }
///
/// - Binary `FM`/`DM` (and `FV`/`DV`, one row): the header's rows × cols is checked as the
///   whole-record reader checks it (`KaldiBinaryMatrix.readPlainHeader`), then each `nextRow()`
///   reads exactly one row's bytes, so a row is returned as soon as it has arrived.
/// - Text (`key  [` newline, one row per line, `]`): each line is a row, returned when its
///   newline (or the closing `]`) arrives (`KaldiTextMatrix.Rows`, the parser `read` uses).
/// - Compressed `CM`/`CM2`/`CM3` records (stored column by column) and records read through an
///   scp are read whole and then handed out row by row.
///
/// Errors are those of `KaldiArchiveReader` (the key, marker, type, shape and data checks are
/// the same code). `nextRecord()` skips whatever rows of the previous record were not read.
public final class KaldiRowReader {
    private enum Pending {
        case none
        case binary(input: ByteInput, type: KaldiMatrixEncoding)
        case text(KaldiTextMatrix.Rows)
        case whole(Matrix)
    }
    private let archive: KaldiArchiveReader
    private var pending: Pending = .none
    private var current: KaldiRecordStart?
    /// Rows of the current record returned so far.
    public private(set) var rowsRead = 0

    /// Opens a file, `-` for stdin, or a Kaldi rspecifier (`ark:…`, `scp:…`).
    public init(path: String) throws {
        archive = try KaldiArchiveReader(path: path)
    }

    /// Starts the next record (after skipping the rest of the current one); nil at the clean end.
    public func nextRecord() throws -> KaldiRecordStart? {
        while try nextRow() != nil {}
        rowsRead = 0
        guard let input = archive.archiveInput else {
            // Through an scp, records are read at their offsets in regular files: whole.
            guard let record = try archive.next() else { current = nil; return nil }
            pending = .whole(record.matrix)
            current = KaldiRecordStart(key: record.key, encoding: archive.lastEncoding ?? .fm,
                                       rows: record.matrix.rows, cols: record.matrix.cols)
            return current
        }
        guard let key = try archive.readKey(input) else { current = nil; return nil }
        if try KaldiArchiveReader.readBinaryMarker(input, key: key) {
            let type = try KaldiBinaryMatrix.readType(input, key: key)
            switch type {
            case .fm, .dm, .fv, .dv:
                let (rows, cols) = try KaldiBinaryMatrix.readPlainHeader(input, key: key, type: type)
                pending = .binary(input: input, type: type)
                current = KaldiRecordStart(key: key, encoding: type, rows: rows, cols: cols)
            default:
                let (matrix, _) = try KaldiBinaryMatrix.read(type: type, input, key: key)
                pending = .whole(matrix)
                current = KaldiRecordStart(key: key, encoding: type, rows: matrix.rows, cols: matrix.cols)
            }
        } else {
            pending = .text(try KaldiTextMatrix.Rows(input, key: key))
            current = KaldiRecordStart(key: key, encoding: .text, rows: nil, cols: nil)
        }
        return current
    }

    /// The next row of the current record (its column count of values), or nil when the record
    /// has no more rows.
    public func nextRow() throws -> [Float]? {
        guard let record = current else { return nil }
        let row: [Float]?
        switch pending {
        case .none:
            row = nil
        case .binary(let input, let type):
            guard let rows = record.rows, let cols = record.cols, rowsRead < rows else { row = nil; break }
            do { row = try KaldiBinaryMatrix.readPlainValues(count: cols, type: type, input: input, key: record.key) } catch let e as InputError {
                throw InputError(file: e.file, place: e.place, "row \(rowsRead + 1) of \(rows): \(e.message)")
            }
        case .text(var rows):
            row = try rows.next()
            pending = .text(rows)
        case .whole(let matrix):
            row = rowsRead < matrix.rows ? matrix.row(rowsRead) : nil
        }
        if row == nil { pending = .none } else { rowsRead += 1 }
        return row
    }
}
