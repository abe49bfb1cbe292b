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
///   (a problem: seqlab runs no commands);
/// - ctm: every line 5 or 6 fields, start and duration written with a decimal point, as ctm
///   writers print times (a transcript of digit words has none);
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
    /// What the file names but seqlab cannot read (a wav.scp's missing audio, its commands), an
    /// error for each kind.
    public var problems: [InputError] = []

    /// The summary of the file at `path`, or nil when its lines are no Kaldi list (not keyed
    /// UTF-8 lines, or keys that repeat or do not read as utterance ids). Relative audio paths of a
    /// wav.scp are checked from the current folder, as Kaldi and `extract audio --scp` read them.
    public static func summarise(path: String) throws -> ListSummary? {
        // Not UTF-8 text (or too large for a list): no list, whatever else it is.
        guard let lines = try? TextLines.read(path: path), !lines.isEmpty,
              lines.allSatisfy({ $0.text.unicodeScalars.first.map { $0 != " " && $0 != "\t" } ?? false }),
              // Control characters (NUL and the like) are in binary files, not in lists anyone writes.
              !lines.contains(where: { $0.text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F } })
        else { return nil }
        let fields = lines.map(\.fields)
        let keys = fields.map { $0[0] }
        let uniqueKeys = Set(keys).count == keys.count
        if uniqueKeys, let summary = wavScp(path: path, lines: lines) { return summary }
        if fields.allSatisfy(isShapedLikeCTM) { return try ctm(path: path) }
        guard uniqueKeys else { return nil }
        if isSegments(fields, path: path) { return try segments(path: path) }
        if fields.allSatisfy({ line in line.count >= 2 && line.dropFirst().allSatisfy { $0.hasPrefix(line[0]) && $0 != line[0] } }) {
            let utterances = fields.flatMap { $0.dropFirst() }
            if Set(utterances).count == utterances.count {
                return ListSummary(kind: .spk2utt, description: "\(path): spk2utt\n  speakers: \(fields.count)\n  utterances: \(utterances.count)"
                                   + perSpeaker(fields.map { $0.count - 1 }))
            }
        }
        if fields.allSatisfy({ $0.count == 2 }) {
            let speakers = Dictionary(grouping: fields, by: { $0[1] }).mapValues(\.count)
            if fields.allSatisfy({ $0[0].hasPrefix($0[1]) && $0[0] != $0[1] }) {
                return ListSummary(kind: .utt2spk, description: "\(path): utt2spk\n  utterances: \(fields.count)\n  speakers: \(speakers.count)"
                                   + perSpeaker(Array(speakers.values)))
            }
            guard keys.allSatisfy(readsAsUtteranceID) else { return nil }
            return ListSummary(kind: nil, description: "\(path): KEY VALUE list, a one-word-per-utterance text or an utt2spk (the content does not tell which)\n  keys: \(fields.count)\n  distinct values: \(speakers.count)")
        }
        guard keys.allSatisfy(readsAsUtteranceID) else { return nil }
        return text(path: path, fields: fields)
    }

    /// True when a key reads as an utterance id, not a word: it holds a digit, `_` or `-`.
    static func readsAsUtteranceID(_ key: String) -> Bool {
        key.unicodeScalars.contains { ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// The shape alone (a bad confidence or a negative time is left to `CTMFile.read`, whose
    /// error names the line).
    static func isShapedLikeCTM(_ fields: [String]) -> Bool {
        guard fields.count == 5 || fields.count == 6 else { return false }
        return fields[2...3].allSatisfy { $0.contains(".") && Double($0) != nil }
    }

    /// True when every line is `utt recording start end [channel]` (`isShapedLikeSegments`) and
    /// the file cannot be a text whose labels are numbers: its times are written with a decimal
    /// point, or no recording field is a number (a digit transcript's second field is a digit),
    /// or the file is named `segments`, as Kaldi names it.
    static func isSegments(_ fields: [[String]], path: String) -> Bool {
        guard fields.allSatisfy(isShapedLikeSegments) else { return false }
        if fields.allSatisfy({ $0[2].contains(".") && ($0[3] == "-1" || $0[3].contains(".")) }) { return true }
        return !fields.contains { Double($0[1]) != nil } || URL(fileURLWithPath: path).lastPathComponent == "segments"
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

    /// "  utterances per speaker: MIN–MAX" for more than one speaker.
    static func perSpeaker(_ counts: [Int]) -> String {
        guard let low = counts.min(), let high = counts.max(), counts.count > 1 else { return "" }
        return "\n  utterances per speaker: " + (low == high ? "\(low)" : "\(low)–\(high)")
    }

    static func wavScp(path: String, lines: [TextLine]) -> ListSummary? {
        var commands = 0, found = 0
        var missing: [(line: Int, path: String)] = []
        var firstCommand: (line: Int, location: String)?
        for line in lines {
            guard let (_, location) = line.keyAndRest else { return nil }
            if location.hasSuffix("|") {
                commands += 1
                if firstCommand == nil { firstCommand = (line.number, location) }
                continue
            }
            guard let dot = location.lastIndex(of: "."),
                  KaldiArchiveReader.audioExtensions.contains(location[location.index(after: dot)...].lowercased()) else { return nil }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory), !isDirectory.boolValue {
                found += 1
            } else {
                missing.append((line.number, location))
            }
        }
        var out = "\(path): wav.scp\n  entries: \(lines.count)\n  audio files found: \(found)"
        var problems: [InputError] = []
        if let first = missing.first {
            out += "\n  audio files missing: \(missing.count)"
            let others = missing.count > 1 ? " (and \(missing.count - 1) more of the \(lines.count) entries)" : ""
            problems.append(InputError(file: path, place: "line \(first.line)", "\(first.path): no such audio file\(others)"))
        }
        if let first = firstCommand {
            // extract and label refuse such a line: say so, as they would.
            out += "\n  commands (\"… |\", which seqlab does not run): \(commands)"
            let others = commands > 1 ? " (and \(commands - 1) more of the \(lines.count) entries)" : ""
            problems.append(InputError(file: path, place: "line \(first.line)",
                                       "command pipe entries (\"… |\") are not supported\(others); " + WavScp.pipeAdvice(first.location)))
        }
        return ListSummary(kind: .wavScp, description: out, problems: problems)
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

    static func text(path: String, fields: [[String]]) -> ListSummary {
        let words = fields.flatMap { $0.dropFirst() }
        let characters = Set(words.flatMap { $0 })
        let empty = fields.filter { $0.count == 1 }.count
        var out = "\(path): Kaldi text\n  utterances: \(fields.count)\(empty > 0 ? " (\(empty) empty)" : "")"
        out += "\n  tokens: \(words.count) (\(Set(words).count) distinct)\n  alphabet: \(characters.count) characters"
        return ListSummary(kind: .text, description: out)
    }
}
