// KaldiTextReader: reads Kaldi `text` files (`uttid label label …` per line) for scoring.
import Foundation
import Tensors

/// One line of a Kaldi `text` file: the utterance key, its whitespace-separated labels, its line number.
public struct TranscriptEntry: Sendable, Equatable {
    public var key: String
    public var tokens: [String]
    public var line: Int
}

/// Reads Kaldi `text` files (Kaldi "Data preparation": `<utterance-id> <transcript>`, one
/// utterance per line, fields separated by spaces or tabs). A line holding only a key is an
/// empty transcript; blank lines are skipped. A key given twice is an error naming both lines.
public enum KaldiTextReader {
    /// Parses `text`; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> [TranscriptEntry] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: file, "not valid UTF-8 text")
        }
        var entries: [TranscriptEntry] = []
        var seen: [String: Int] = [:]
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let key = fields.first else { continue }
            if let first = seen[String(key)] {
                throw InputError(file: file, place: "line \(number)", "utterance '\(key)' already appeared on line \(first)")
            }
            seen[String(key)] = number
            entries.append(TranscriptEntry(key: String(key), tokens: fields.dropFirst().map(String.init), line: number))
        }
        return entries
    }

    /// Reads a file, or standard input for `-`.
    public static func read(path: String) throws -> [TranscriptEntry] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw InputError(file: path, "cannot read the file")
            }
            data = contents
        }
        return try parse(data, file: path == "-" ? "<stdin>" : path)
    }
}
