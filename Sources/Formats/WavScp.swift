// WavScp: Kaldi `wav.scp` files, "uttid path" per line.
import Tensors

/// One line of a `wav.scp`: the utterance key and the audio file path.
public struct WavScpEntry: Sendable, Equatable {
    public var key: String
    public var path: String
    public var line: Int
    public init(key: String, path: String, line: Int) {
        self.key = key
        self.path = path
        self.line = line
    }
}

/// Kaldi's `wav.scp` (Kaldi data directories): `uttid path`, the path being the rest of the
/// line (it may contain spaces). Kaldi also allows a command ending in `|`; seqlab does not run
/// commands, so such a line is an error naming it. Duplicate keys are errors too.
public enum WavScp {
    public static func read(path: String) throws -> [WavScpEntry] {
        let file = path == "-" ? "stdin" : path
        var entries: [WavScpEntry] = []
        var seen: [String: Int] = [:]
        for line in try TextLines.read(path: path) {
            try line.requireKey(file: file)
            guard let (key, location) = line.keyAndRest else {
                throw InputError(file: file, place: "line \(line.number)", "expected \"uttid path\", found only \"\(InputError.quoted(line.text.trimmingSpaces, limit: 60))\"")
            }
            if location.hasSuffix("|") {
                throw InputError(file: file, place: "line \(line.number)",
                                 "command pipe entries (\"… |\") are not supported; convert the audio to files and list their paths")
            }
            if let first = seen[key] {
                throw InputError(file: file, place: "line \(line.number)", "duplicate key \"\(InputError.quoted(key))\" (first on line \(first))")
            }
            seen[key] = line.number
            entries.append(WavScpEntry(key: key, path: location, line: line.number))
        }
        return entries
    }
}
