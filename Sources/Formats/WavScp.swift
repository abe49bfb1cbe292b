// WavScp: Kaldi `wav.scp` files, "uttid path" per line.
import Tensors

/// One line of a `wav.scp`: the utterance key and the audio file's path, or a command (`… |`).
public struct WavScpEntry: Sendable, Equatable {
    public var key: String
    public var path: String
    public var line: Int
    public init(key: String, path: String, line: Int) {
        self.key = key
        self.path = path
        self.line = line
    }
    /// True when the location is a command (`… |`) whose stdout is the audio.
    public var isCommand: Bool { ShellCommand.isCommand(path) }
}

/// Kaldi's `wav.scp` (Kaldi data directories): `uttid location`, the location being the rest of
/// the line (it may contain spaces): an audio file's path, or as in Kaldi a command ending in `|`
/// (`flac -c -d -s x.flac |`, `sph2pipe -f wav -p -c 1 x.sph |`, `sox x.wav -t wav - |`), which
/// the audio reader runs (`ShellCommand`, `AudioSource`) and whose stdout it reads as the audio
/// file. Duplicate keys are errors.
public enum WavScp {
    /// Audio file extensions libsndfile reads, which a command in a wav.scp often decodes
    /// (`flac -c -d -s x.flac |`, `sph2pipe -f wav x.sph |`, `sox x.wav -t wav - |`).
    static let readableExtensions: Set<String> = ["wav", "flac", "ogg", "oga", "opus", "aiff", "aif", "au", "sph", "nist", "w64", "caf", "mp3"]

    /// The words of a command, split at spaces and tabs (no shell quoting).
    static func words(_ location: String) -> [String] {
        location.unicodeScalars.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String(String.UnicodeScalarView($0)) }
    }

    /// The audio files a command's words name: words after the program, not options, ending in
    /// an audio extension (`x.flac` of `flac -c -d -s x.flac |`).
    public static func audioFiles(_ location: String) -> [String] {
        words(location).dropFirst().filter { word in
            guard let dot = word.lastIndex(of: "."), !word.hasPrefix("-") else { return false }
            return readableExtensions.contains(word[word.index(after: dot)...].lowercased())
        }
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
            if let first = seen[key] {
                throw InputError(file: file, place: "line \(line.number)", "duplicate key \"\(InputError.quoted(key))\" (first on line \(first))")
            }
            seen[key] = line.number
            entries.append(WavScpEntry(key: key, path: location, line: line.number))
        }
        return entries
    }
}

/// The lines of a wav.scp's commands, so that the error of running one, or of reading what it
/// wrote (which names the command, `ShellCommand.name`), is reported at its line of the wav.scp:
/// `wav.scp: line 3: command "flac -c -d -s x.flac |": exited with status 1 (stderr: "…")`.
public struct WavScpPlaces: Sendable {
    /// The wav.scp as messages name it.
    public let file: String
    private var commands: [String: (location: String, name: String, line: Int)] = [:]

    /// The commands of `entries`, read from the wav.scp `path` (`-` is stdin).
    public init(path: String, entries: [WavScpEntry]) {
        file = path == "-" ? "stdin" : path
        for entry in entries where entry.isCommand {
            commands[entry.key] = (entry.path, ShellCommand.name(entry.path), entry.line)
        }
    }

    /// `error` placed at the line of the wav.scp entry `key` when it is the error of that entry's
    /// command (its file is the command's name, or the location as written); else `error` as it is.
    public func placed(_ error: InputError, key: String) -> InputError {
        guard let command = commands[key], error.file == command.name || error.file == command.location else { return error }
        let at = error.place.map { " at \($0)" } ?? ""
        return InputError(file: file, place: "line \(command.line)", "\(command.name)\(at): \(error.message)")
    }
}
