// KaldiScp: feature scp files, "key archive-path:byte-offset[range]" per line.
import Tensors

/// One line of a feature scp: the matrix for `key` is the object at byte `offset` of `archivePath`
/// (just after the key and its space), or the whole file when no offset is given; with a
/// `range`, only those rows and columns of it.
public struct KaldiScpEntry: Sendable, Equatable {
    public var key: String
    public var archivePath: String
    public var offset: Int?
    public var line: Int
    /// The `[…]` after the location, nil without one.
    public var range: KaldiRange? = nil
}

/// Kaldi's range specifier (Kaldi `util/kaldi-holder.cc`, `ExtractObjectRange`), as Kaldi's
/// `utils/data/subsegment_data_dir.sh` writes it into a feats.scp: `[r1:r2]` (rows r1 to r2, both
/// included, every column) or `[r1:r2,c1:c2]`; `:` in place of a pair means all of them
/// (`[:,0:12]`). A vector's range is one pair, its elements.
public struct KaldiRange: Sendable, Equatable, CustomStringConvertible {
    /// First and last row (included); nil for every row.
    public var rows: ClosedRange<Int>?
    /// First and last column (included); nil for every column.
    public var cols: ClosedRange<Int>?
    /// The text between the brackets, for messages.
    public var text: String

    /// Parses the text between `[` and `]`; nil when it is not of the forms above.
    public init?(_ text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, !parts.contains(where: \.isEmpty) else { return nil }
        func pair(_ s: Substring) -> ClosedRange<Int>?? {
            if s == ":" { return .some(nil) }
            let ends = s.split(separator: ":", omittingEmptySubsequences: false)
            guard ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]), a >= 0, a <= b else { return nil }
            return .some(a...b)
        }
        guard let rows = pair(parts[0]) else { return nil }
        var cols: ClosedRange<Int>?
        if parts.count == 2 {
            guard let c = pair(parts[1]) else { return nil }
            cols = c
        }
        self.rows = rows
        self.cols = cols
        self.text = text
    }

    public var description: String { "[\(text)]" }

    /// Why a range does not fit its object.
    public struct Mismatch: Error { public var reason: String }

    /// The part of `matrix` the range names, as Kaldi cuts it: the last row may lie up to 2 rows
    /// past the end (Kaldi's tolerance for segments rounded to 10 ms) and is then the matrix's
    /// last row; columns must exist. `isVector`: the object was a vector (1 × n here), whose
    /// one pair names elements. Throws `Mismatch` when the range does not fit.
    public func apply(to matrix: Matrix, isVector: Bool) throws -> Matrix {
        if isVector {
            guard cols == nil else { throw Mismatch(reason: "a vector takes one range (first:last), found \(self)") }
            let n = matrix.rows == 0 ? 0 : matrix.cols
            guard n > 0 else { throw Mismatch(reason: "range \(self) does not fit an empty vector") }
            let want = rows ?? 0...(n - 1)
            guard want.upperBound < n + 3, want.lowerBound < n else { throw Mismatch(reason: "range \(self) does not fit a vector of \(n) elements") }
            let last = min(want.upperBound, n - 1)
            return Matrix(rows: 1, cols: last - want.lowerBound + 1, data: Array(matrix.data[want.lowerBound...last]))
        }
        guard matrix.rows > 0, matrix.cols > 0 else { throw Mismatch(reason: "range \(self) does not fit an empty matrix (\(matrix.rows)×\(matrix.cols))") }
        let wantRows = rows ?? 0...(matrix.rows - 1)
        let wantCols = cols ?? 0...(matrix.cols - 1)
        guard wantRows.upperBound < matrix.rows + 3, wantCols.upperBound < matrix.cols,
              wantRows.lowerBound < matrix.rows else {
            throw Mismatch(reason: "range \(self) does not fit a matrix of \(matrix.rows)×\(matrix.cols)")
        }
        let lastRow = min(wantRows.upperBound, matrix.rows - 1)
        var out = Matrix(rows: lastRow - wantRows.lowerBound + 1, cols: wantCols.count)
        for (i, r) in (wantRows.lowerBound...lastRow).enumerated() {
            let from = r * matrix.cols + wantCols.lowerBound
            out.data.replaceSubrange(i * out.cols..<(i + 1) * out.cols, with: matrix.data[from..<(from + wantCols.count)])
        }
        return out
    }
}

/// Kaldi script files for features (Kaldi `util/kaldi-table.h`, "scp" tables), as kaldiio and
/// Kaldi write them: the last `:N` of the location is a byte offset, and a `[…]` after it a
/// range of rows and columns (`KaldiRange`). Paths are used as written (relative paths are
/// relative to the working directory, as in Kaldi). A line whose location is a command (`cmd |`)
/// is refused, naming the line; the list itself may be a command's output (`scp:CMD |`).
public enum KaldiScp {
    public static func read(path: String) throws -> [KaldiScpEntry] {
        var entries: [KaldiScpEntry] = []
        // The list itself may come out of a command (`scp:CMD |`), as Kaldi reads it.
        var lines: [TextLine] = []
        let input = try ShellCommand.isCommand(path) ? ByteInput(command: path) : ByteInput(path: path)
        try TextLines.forEach(input: input) { lines.append($0) }
        let file = path == "-" ? "stdin" : input.name
        for line in lines {
            try line.requireKey(file: file)
            guard let (key, whole) = line.keyAndRest else {
                throw InputError(file: file, place: "line \(line.number)", "expected \"key location\", found only \"\(InputError.quoted(line.text.trimmingSpaces, limit: 60))\"")
            }
            if whole.hasSuffix("|") || whole.hasPrefix("|") {
                throw InputError(file: file, place: "line \(line.number)",
                                 "command pipe \"\(InputError.quoted(whole, limit: 60))\" is not supported; run the command first and list the archive it writes")
            }
            var location = whole
            var range: KaldiRange?
            if whole.hasSuffix("]") {
                // As Kaldi's ExtractRangeSpecifier: exactly one "[", a location before it.
                let parts = whole.split(separator: "[", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, let parsed = KaldiRange(String(parts[1].dropLast())) else {
                    throw InputError(file: file, place: "line \(line.number)",
                                     "bad range in \"\(InputError.quoted(whole, limit: 60))\"; expected LOCATION[first:last] or LOCATION[first:last,first:last] (rows, columns; both ends included)")
                }
                location = String(parts[0])
                range = parsed
            }
            var archive = location
            var offset: Int?
            if let colon = location.lastIndex(of: ":"), let n = Int(location[location.index(after: colon)...]) {
                guard n >= 0 else {
                    throw InputError(file: file, place: "line \(line.number)", "negative byte offset \(n)")
                }
                archive = String(location[..<colon])
                offset = n
            }
            entries.append(KaldiScpEntry(key: key, archivePath: archive, offset: offset, line: line.number, range: range))
        }
        return entries
    }
}
