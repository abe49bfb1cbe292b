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
/// commands, so such a line is an error naming it (and the audio file the command reads, when
/// seqlab can read that file itself). Duplicate keys are errors too.
public enum WavScp {
    /// Audio file extensions libsndfile reads, which a command in a wav.scp often only decodes
    /// (`flac -c -d -s x.flac |`, `sph2pipe -f wav x.sph |`, `sox x.wav -t wav - |`).
    static let readableExtensions: Set<String> = ["wav", "flac", "ogg", "oga", "opus", "aiff", "aif", "au", "sph", "nist", "w64", "caf", "mp3"]

    /// What to do instead of the command `location`: list the audio file it reads when it names
    /// one seqlab can read itself, else convert the audio to files.
    static func pipeAdvice(_ location: String) -> String {
        let words = location.unicodeScalars.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String(String.UnicodeScalarView($0)) }
        guard let audio = words.dropFirst().first(where: { word in
            guard let dot = word.lastIndex(of: "."), !word.hasPrefix("-") else { return false }
            return readableExtensions.contains(word[word.index(after: dot)...].lowercased())
        }) else {
            return "convert the audio to files and list their paths"
        }
        return "seqlab reads \"\(InputError.quoted(audio, limit: 240))\" itself: when the command only decodes it, list its path instead; else convert the audio to files and list their paths"
    }

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
                                 "command pipe entries (\"… |\") are not supported; " + pipeAdvice(location))
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
