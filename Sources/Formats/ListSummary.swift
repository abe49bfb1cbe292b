// ListSummary: what `seqlab inspect` says about the Kaldi list files seqlab reads and writes
// (text, ctm, utt2spk, spk2utt, wav.scp, segments), each told apart by its content.
import Foundation
import Tensors

/// The Kaldi list files `ListSummary` recognises.
public enum ListKind: String, Sendable, CaseIterable {
    case text = "Kaldi text"
    case ctm
    case utt2spk
    case spk2utt
    case wavScp = "wav.scp"
    case segments
}

/// A summary of a Kaldi list file, its kind read from the lines, not the file's name:
/// - wav.scp: every entry an audio file (no byte offset, an audio extension) or a command `… |`
///   (counted with the programs they run; the audio files their words name are checked as
///   plain entries are);
/// - ctm: every line 5 or 6 fields, start and duration written with a decimal point, as ctm
///   writers print times (a transcript of digit words has none); lines that are segments' too
///   (5 fields, a whole number last) are segments when the file is named `segments` or a second
///   field is a recording id rather than a channel (a whole number or one letter), unless the
///   file is named `*.ctm` or a key repeats;
/// - segments: every line `utt recording start end [channel]` (an end of -1: the end of the
///   recording), the times numbers with a decimal point; whole-number times too when no
///   recording field is a number or the file is named `segments` (a text of digit labels has a
///   number there);
/// - spk2utt: every utterance id starts with its speaker's id (Kaldi's convention, which its
///   sorted tables rely on), each utterance once;
/// - utt2spk: two fields a line, each speaker id the start of its utterance id;
/// - Kaldi text: unique keys that read as utterance ids (holding a digit, `_` or `-`), so that a
///   page of prose, whose first words repeat or are plain words, is none of these.
/// Two fields a line whose second is not the start of the first is either a one-word-per-utterance
/// text or an utt2spk without Kaldi's naming, which the content cannot tell: the summary says so.
public struct ListSummary: Sendable, CustomStringConvertible {
    /// Nil when the kind is ambiguous (see above).
    public var kind: ListKind?
    public var description: String
    /// What the file names but seqlab cannot read (a wav.scp's missing audio), an error for each kind.
    public var problems: [InputError] = []

    /// The summary of the file at `path`, or nil when its lines are no Kaldi list (not keyed
    /// UTF-8 lines, or keys that repeat or do not read as utterance ids). Relative audio paths of a
    /// wav.scp are checked from the current folder, as Kaldi and `extract audio --scp` read them.
    ///
    /// The lines are read once and tallied as they come (`Tally`), none kept: the memory is that of
    /// the keys and of the distinct values the summary counts, not of every field of the file. A
    /// text or a key-value list whose first lines could be another kind's (a wav.scp's entries,
    /// segments) is read a second time for its counts; a ctm and a segments file are read again by
    /// their readers.
    public static func summarise(path: String) throws -> ListSummary? {
        var tally = Tally(namedSegments: URL(fileURLWithPath: path).lastPathComponent == "segments")
        do {
            try TextLines.forEach(path: path) { line in
                guard tally.add(line) else { throw NoList() }
            }
        } catch {
            // Not UTF-8 text (or too large for a list), or a line no list has: no list, whatever else it is.
            return nil
        }
        guard tally.lines > 0 else { return nil }
        if tally.uniqueKeys, tally.wav.possible { return tally.wav.summary(path: path, lines: tally.lines) }
        if tally.ctm && !tally.segmentsRatherThanCTM(namedCTM: path.lowercased().hasSuffix(".ctm")) { return try ctm(path: path) }
        guard tally.uniqueKeys else { return nil }
        tally.keys = []
        if tally.segmentsPossible { return try segments(path: path) }
        if tally.spk2utt {
            return ListSummary(kind: .spk2utt, description: "\(path): spk2utt\n  speakers: \(tally.lines)\n  utterances: \(tally.utterances.count)"
                               + perSpeaker(tally.perLine.min, tally.perLine.max, groups: tally.lines))
        }
        if tally.twoFields {
            if tally.valuesFrom != 1 {
                tally.values = [:]
                try TextLines.forEach(path: path) { tally.values[$0.fields[1], default: 0] += 1 }
            }
            if tally.utt2spk {
                return ListSummary(kind: .utt2spk, description: "\(path): utt2spk\n  utterances: \(tally.lines)\n  speakers: \(tally.values.count)"
                                   + perSpeaker(tally.values.values.min() ?? 0, tally.values.values.max() ?? 0, groups: tally.values.count))
            }
            guard tally.keysAreIDs else { return nil }
            return ListSummary(kind: nil, description: "\(path): KEY VALUE list, a one-word-per-utterance text or an utt2spk (the content does not tell which)\n  keys: \(tally.lines)\n  distinct values: \(tally.values.count)")
        }
        guard tally.keysAreIDs else { return nil }
        var words = tally.words
        if tally.wordsFrom != 1 {
            words = WordTally()
            try TextLines.forEach(path: path) { words.add($0.fields) }
        }
        return words.summary(path: path, utterances: tally.lines)
    }

    /// Stops the reading of a file that has a line no Kaldi list has.
    private struct NoList: Error {}

    /// What `summarise` learns of a file's lines, one line at a time: which kinds every line so
    /// far fits (each `Bool` true until a line does not), and what their summaries count.
    private struct Tally {
        /// The file is named `segments`, as Kaldi names it.
        let namedSegments: Bool
        var lines = 0
        var keys: Set<String> = []
        var uniqueKeys = true, keysAreIDs = true
        var wav = WavTally()
        var ctm = true
        /// Every line shaped like segments; every time with a decimal point; some recording a number.
        var segments = true, decimalTimes = true, numberedRecording = false
        /// Every second field reads as a ctm channel (`ListSummary.readsAsChannel`).
        var channels = true
        /// Every line `speaker utterance…`, each utterance starting with its speaker, none twice.
        var spk2utt = true
        var utterances: Set<String> = []
        var perLine = (min: Int.max, max: 0)
        /// Every line two fields, and each second field the start of the first.
        var twoFields = true, utt2spk = true
        /// How many lines have each second field, from the line `valuesFrom` on: the first from
        /// which the file can be no wav.scp, whose locations need no count (when that is not the
        /// first line, `summarise` counts again from the start).
        var values: [String: Int] = [:]
        var valuesFrom: Int?

        init(namedSegments: Bool) { self.namedSegments = namedSegments }

        /// Segments, as far as the lines so far tell: whole-number times are segments' too unless
        /// a recording is a number (a digit text's label there) and the file is not named segments.
        var segmentsPossible: Bool { segments && (decimalTimes || !numberedRecording || namedSegments) }
        /// Lines both a ctm's and segments' (5 fields, decimal times, a whole number last) are
        /// segments when the file is named `segments` or some second field is a recording id, not
        /// a channel, unless the file is named `*.ctm`; a key that repeats makes them a ctm (one
        /// line per token; a segment's id is unique).
        func segmentsRatherThanCTM(namedCTM: Bool) -> Bool {
            uniqueKeys && segmentsPossible && !namedCTM && (namedSegments || !channels)
        }
        /// A text's counts, from the line `wordsFrom` on: the first line from which the file can
        /// be no other kind (when that is not the first, `summarise` counts again from the start).
        var words = WordTally()
        var wordsFrom: Int?

        /// Adds a line; false when no list has it (it starts with whitespace, or holds control
        /// characters, which binary files have and lists do not).
        mutating func add(_ line: TextLine) -> Bool {
            guard let first = line.text.unicodeScalars.first, first != " " && first != "\t",
                  !line.text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else { return false }
            lines += 1
            let fields = line.fields
            let key = fields[0]
            if uniqueKeys && !keys.insert(key).inserted { uniqueKeys = false; keys = [] }
            if keysAreIDs && !ListSummary.readsAsUtteranceID(key) { keysAreIDs = false }
            if wav.possible { wav.add(line) }
            if ctm && !ListSummary.isShapedLikeCTM(fields) { ctm = false }
            if channels && !(fields.count > 1 && ListSummary.readsAsChannel(fields[1])) { channels = false }
            if segments {
                if ListSummary.isShapedLikeSegments(fields) {
                    if decimalTimes && !(fields[2].contains(".") && (fields[3] == "-1" || fields[3].contains("."))) { decimalTimes = false }
                    if Double(fields[1]) != nil { numberedRecording = true }
                } else {
                    segments = false
                }
            }
            if spk2utt {
                if fields.count >= 2 && fields.dropFirst().allSatisfy({ $0.hasPrefix(key) && $0 != key }) {
                    for u in fields.dropFirst() where !utterances.insert(u).inserted { spk2utt = false }
                    perLine = (min(perLine.min, fields.count - 1), max(perLine.max, fields.count - 1))
                } else {
                    spk2utt = false
                }
                if !spk2utt { utterances = [] }
            }
            if twoFields {
                if fields.count == 2 {
                    if !wav.possible {
                        if valuesFrom == nil { valuesFrom = lines }
                        values[fields[1], default: 0] += 1
                    }
                    if utt2spk && !(key.hasPrefix(fields[1]) && key != fields[1]) { utt2spk = false }
                } else {
                    twoFields = false
                    values = [:]
                }
            }
            // Once the file can be no other kind, a text: its counts from this line on.
            if !(wav.possible || ctm || segmentsPossible || spk2utt || twoFields) {
                if wordsFrom == nil { wordsFrom = lines }
                words.add(fields)
            }
            return true
        }
    }

    /// A Kaldi text's counts: utterances without tokens, tokens, the distinct ones, their characters.
    private struct WordTally {
        var empty = 0, tokens = 0
        var distinct: Set<String> = []
        var characters: Set<Character> = []

        mutating func add(_ fields: [String]) {
            if fields.count == 1 { empty += 1 }
            tokens += fields.count - 1
            for word in fields.dropFirst() where distinct.insert(word).inserted { characters.formUnion(word) }
        }

        func summary(path: String, utterances: Int) -> ListSummary {
            var out = "\(path): Kaldi text\n  utterances: \(utterances)\(empty > 0 ? " (\(empty) empty)" : "")"
            out += "\n  tokens: \(tokens) (\(distinct.count) distinct)\n  alphabet: \(characters.count) characters"
            return ListSummary(kind: .text, description: out)
        }
    }

    /// A wav.scp's counts: every entry an audio file (found or missing) or a command `… |`, the
    /// programs the commands run, and the audio files their words name (`WavScp.audioFiles`).
    private struct WavTally {
        var possible = true
        var commands = 0, found = 0, missing = 0
        var firstMissing: (line: Int, path: String)?
        /// How many commands run each program (the command's first word), in order of first use.
        var programs: [(name: String, count: Int)] = []
        var commandFilesFound = 0, commandFilesMissing = 0
        var firstCommandMissing: (line: Int, path: String)?

        mutating func add(_ line: TextLine) {
            guard let (_, location) = line.keyAndRest else { possible = false; return }
            if ShellCommand.isCommand(location) {
                commands += 1
                let words = WavScp.words(location)
                if let program = words.first, program != "|" {
                    if let i = programs.firstIndex(where: { $0.name == program }) { programs[i].count += 1 } else { programs.append((program, 1)) }
                }
                for file in WavScp.audioFiles(location) {
                    if Self.isFile(file) {
                        commandFilesFound += 1
                    } else {
                        commandFilesMissing += 1
                        if firstCommandMissing == nil { firstCommandMissing = (line.number, file) }
                    }
                }
                return
            }
            guard let dot = location.lastIndex(of: "."),
                  KaldiArchiveReader.audioExtensions.contains(location[location.index(after: dot)...].lowercased()) else { possible = false; return }
            if Self.isFile(location) {
                found += 1
            } else {
                missing += 1
                if firstMissing == nil { firstMissing = (line.number, location) }
            }
        }

        static func isFile(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }

        func summary(path: String, lines: Int) -> ListSummary {
            var out = "\(path): wav.scp\n  entries: \(lines)\n  audio files found: \(found)"
            var problems: [InputError] = []
            if let first = firstMissing {
                out += "\n  audio files missing: \(missing)"
                let others = missing > 1 ? " (and \(missing - 1) more of the \(lines) entries)" : ""
                problems.append(InputError(file: path, place: "line \(first.line)", "\(first.path): no such audio file\(others)"))
            }
            if commands > 0 {
                let shown = programs.prefix(5).map { "\(InputError.quoted($0.name, limit: 40)) \($0.count)" }.joined(separator: ", ")
                out += "\n  commands (\"… |\", run to read their audio): \(commands) (\(shown)\(programs.count > 5 ? ", …" : ""))"
                if commandFilesFound + commandFilesMissing > 0 {
                    out += "\n  audio files the commands name: \(commandFilesFound) found"
                    if commandFilesMissing > 0 { out += ", \(commandFilesMissing) missing" }
                }
            }
            if let first = firstCommandMissing {
                let others = commandFilesMissing > 1 ? " (and \(commandFilesMissing - 1) more the commands name)" : ""
                problems.append(InputError(file: path, place: "line \(first.line)", "\(first.path): no such audio file, named by the command\(others)"))
            }
            return ListSummary(kind: .wavScp, description: out, problems: problems)
        }
    }

    /// True when a key reads as an utterance id, not a word: it holds a digit, `_` or `-`.
    static func readsAsUtteranceID(_ key: String) -> Bool {
        key.unicodeScalars.contains { ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// True when a ctm's second field reads as a channel, as NIST's tools and seqlab's ctm writer
    /// write it: a whole number (`1`) or one letter (`A`, `B`); a recording id is longer.
    static func readsAsChannel(_ field: String) -> Bool {
        Int(field) != nil || (field.count == 1 && field.first!.isLetter)
    }

    /// The shape alone (a bad confidence or a negative time is left to `CTMFile.read`, whose
    /// error names the line).
    static func isShapedLikeCTM(_ fields: [String]) -> Bool {
        guard fields.count == 5 || fields.count == 6 else { return false }
        return fields[2...3].allSatisfy { $0.contains(".") && Double($0) != nil }
    }

    /// The shape alone: 4 fields, or 5 with a whole channel number; a start of 0 or more and an
    /// end not before it, or -1 (the end of the recording). Whole-number times are allowed.
    static func isShapedLikeSegments(_ fields: [String]) -> Bool {
        guard fields.count == 4 || (fields.count == 5 && Int(fields[4]) != nil) else { return false }
        let end = fields[3] == "-1" ? -1 : Double(fields[3])
        guard let start = Double(fields[2]), let end, start.isFinite, start >= 0, end.isFinite else { return false }
        return end == -1 || end >= start
    }

    static func segments(path: String) throws -> ListSummary {
        let segments = try KaldiSegments.read(path: path)
        let timed = segments.compactMap { s in s.end.map { $0 - s.start } }
        var out = "\(path): segments\n  utterances: \(segments.count)\n  recordings: \(Set(segments.map(\.recording)).count)"
        out += "\n  duration: \(seconds(timed.reduce(0, +))) s"
        if timed.count < segments.count { out += " (and \(segments.count - timed.count) to the end of the recording)" }
        return ListSummary(kind: .segments, description: out)
    }

    /// "  utterances per speaker: LOW–HIGH" for more than one speaker (`groups`).
    static func perSpeaker(_ low: Int, _ high: Int, groups: Int) -> String {
        guard groups > 1 else { return "" }
        return "\n  utterances per speaker: " + (low == high ? "\(low)" : "\(low)–\(high)")
    }

    static func ctm(path: String) throws -> ListSummary {
        let utterances = try CTMFile.read(path: path)
        let tokens = utterances.flatMap(\.tokens)
        let start = tokens.map(\.start).min() ?? 0, end = tokens.map { $0.start + $0.duration }.max() ?? 0
        let longest = utterances.map { u in
            (u.tokens.map { $0.start + $0.duration }.max() ?? 0) - (u.tokens.map(\.start).min() ?? 0)
        }.max() ?? 0
        let out = "\(path): ctm\n  utterances: \(utterances.count)\n  tokens: \(tokens.count) (\(Set(tokens.map(\.token)).count) distinct)"
            + "\n  time span: \(seconds(start))–\(seconds(end)) s (longest utterance \(seconds(longest)) s)"
        return ListSummary(kind: .ctm, description: out)
    }

    static func seconds(_ t: Double) -> String { String(format: "%.2f", t) }
}
