// KaldiText: Kaldi `text` files, "uttid token token …" per line.
import Tensors

/// One line of a Kaldi `text` file: the utterance key and its label tokens.
public struct KaldiTextEntry: Sendable, Equatable {
    public var key: String
    public var tokens: [String]
    /// 1-based line number in the file.
    public var line: Int
    public init(key: String, tokens: [String], line: Int) {
        self.key = key
        self.tokens = tokens
        self.line = line
    }
}

/// Kaldi's `text` transcription file (Kaldi data directories: `data/*/text`): one utterance per
/// line, the key then whitespace-separated tokens. A key alone means an empty transcription.
/// Invalid UTF-8 and duplicate keys are errors naming the line.
public enum KaldiText {
    public static func read(path: String) throws -> [KaldiTextEntry] {
        var entries: [KaldiTextEntry] = []
        var seen: [String: Int] = [:]
        for line in try TextLines.read(path: path) {
            try line.requireKey(file: path == "-" ? "stdin" : path)
            let fields = line.fields
            guard let key = fields.first else { continue }
            if let first = seen[key] {
                throw InputError(file: path == "-" ? "stdin" : path, place: "line \(line.number)",
                                 "duplicate key \"\(InputError.quoted(key))\" (first on line \(first))")
            }
            seen[key] = line.number
            entries.append(KaldiTextEntry(key: key, tokens: Array(fields.dropFirst()), line: line.number))
        }
        return entries
    }

    /// A Kaldi `utt2spk` file (`uttid speaker` a line) as speaker by utterance; a line without
    /// exactly one field after the key is an error naming it.
    public static func readSpeakers(path: String) throws -> [String: String] {
        var speakerOf: [String: String] = [:]
        for entry in try read(path: path) {
            guard entry.tokens.count == 1 else {
                throw InputError(file: path == "-" ? "stdin" : path, place: "line \(entry.line)",
                                 "expected `uttid speaker`, found \(entry.tokens.count) fields after the key")
            }
            speakerOf[entry.key] = entry.tokens[0]
        }
        return speakerOf
    }

    /// The label lines of `path` for a command that needs labels (train, align): a file without
    /// any is an error, not a run over no labels.
    public static func readLabels(path: String) throws -> [KaldiTextEntry] {
        let entries = try read(path: path)
        guard !entries.isEmpty else {
            throw InputError(file: path == "-" ? "stdin" : path, "no label lines (the file is empty; expected lines of KEY TOKEN…)")
        }
        return entries
    }

    /// The report of a label line whose utterance is not among the features of `features`.
    public static func labelWithoutFeatures(_ entry: KaldiTextEntry, textPath: String, features: String) -> InputError {
        InputError(file: features, place: entry.key, "labelled in \(textPath) (line \(entry.line)) but has no features; skipped")
    }

    /// Writes `key tok tok…` lines (`-` = stdout).
    public static func write(_ entries: [(key: String, tokens: [String])], to path: String) throws {
        let out = try StagedOutput(path: path)
        try out.write(encoded(entries, name: out.name))
        try out.commit()
    }

    /// The bytes of `key tok tok…` lines; an empty key or token, or one with whitespace, is an
    /// error at its line of the file `name`.
    public static func encoded(_ entries: [(key: String, tokens: [String])], name: String) throws -> [UInt8] {
        var text = ""
        for (i, entry) in entries.enumerated() {
            if entry.key.isEmpty || entry.key.contains(where: { $0.isWhitespace }) {
                throw InputError(file: name, place: "line \(i + 1)", "key \"\(InputError.quoted(entry.key))\" is empty or contains whitespace")
            }
            if let bad = entry.tokens.first(where: { $0.isEmpty || $0.contains(where: { $0.isWhitespace }) }) {
                throw InputError(file: name, place: "line \(i + 1)", "token \"\(InputError.quoted(bad))\" is empty or contains whitespace")
            }
            text += ([entry.key] + entry.tokens).joined(separator: " ") + "\n"
        }
        return Array(text.utf8)
    }
}
