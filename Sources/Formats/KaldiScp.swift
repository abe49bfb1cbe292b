// KaldiScp: feature scp files, "key archive-path:byte-offset" per line.
import Tensors

/// One line of a feature scp: the matrix for `key` is the object at byte `offset` of `archivePath`
/// (just after the key and its space), or the whole file when no offset is given.
public struct KaldiScpEntry: Sendable, Equatable {
    public var key: String
    public var archivePath: String
    public var offset: Int?
    public var line: Int
}

/// Kaldi script files for features (Kaldi `util/kaldi-table.h`, "scp" tables), as kaldiio writes
/// them: the last `:N` of the location is a byte offset. Paths are used as written (relative
/// paths are relative to the working directory, as in Kaldi). Command pipes (`cmd |`) and
/// row/column ranges (`[0:9]`) are not supported and give an error naming the line.
public enum KaldiScp {
    public static func read(path: String) throws -> [KaldiScpEntry] {
        var entries: [KaldiScpEntry] = []
        for line in try TextLines.read(path: path) {
            let file = path == "-" ? "stdin" : path
            try line.requireKey(file: file)
            guard let (key, location) = line.keyAndRest else {
                throw InputError(file: file, place: "line \(line.number)", "expected \"key location\", found only \"\(InputError.quoted(line.text.trimmingSpaces, limit: 60))\"")
            }
            if location.hasSuffix("|") || location.hasPrefix("|") {
                throw InputError(file: file, place: "line \(line.number)",
                                 "command pipe \"\(InputError.quoted(location, limit: 60))\" is not supported; run the command first and list the archive it writes")
            }
            if location.hasSuffix("]") {
                throw InputError(file: file, place: "line \(line.number)", "row/column ranges (\"[…]\") are not supported")
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
            entries.append(KaldiScpEntry(key: key, archivePath: archive, offset: offset, line: line.number))
        }
        return entries
    }
}
