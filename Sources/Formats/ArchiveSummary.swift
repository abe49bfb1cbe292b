// ArchiveSummary: utterance count, frames, dimensions and value range of a Kaldi archive, in one streaming pass.
import Foundation
import Tensors

/// A human summary of a Kaldi feature archive, gathered record by record (constant memory).
///
/// Min, mean and max are over all finite values; non-finite values (NaN, ±Inf) are counted
/// separately, since one of them would hide every other figure. The mean is accumulated in Double.
public struct ArchiveSummary: Sendable, CustomStringConvertible {
    public var name: String
    public var utterances = 0
    public var totalFrames = 0
    public var minFrames = Int.max, maxFrames = 0
    public var minDimension = Int.max, maxDimension = 0
    public var values = 0
    public var nonFinite = 0
    public var minimum = Float.infinity, maximum = -Float.infinity
    public var sum = 0.0
    /// The first `keysShown` keys, in archive order.
    public var firstKeys: [String] = []
    /// How many records were stored in each encoding.
    public var encodings: [KaldiMatrixEncoding: Int] = [:]
    public static let keysShown = 5
    /// The scp entries that could not be read (each one error; the summary covers the others).
    public var problems: [InputError] = []

    public init(name: String) { self.name = name }

    /// Reads the whole archive at `path` (`-`, `ark:`, `scp:` accepted).
    public init(path: String) throws {
        self.init(name: path == "-" ? "stdin" : path)
        let reader = try KaldiArchiveReader(path: path)
        // Through an scp a bad entry is one problem, and the entries after it are read.
        while let record = try reader.next(skippingBadEntries: { problems.append($0) }) {
            add(record)
            if let e = reader.lastEncoding { encodings[e, default: 0] += 1 }
        }
    }

    public mutating func add(_ record: KaldiRecord) {
        let m = record.matrix
        utterances += 1
        if firstKeys.count < Self.keysShown { firstKeys.append(record.key) }
        totalFrames += m.rows
        minFrames = min(minFrames, m.rows)
        maxFrames = max(maxFrames, m.rows)
        // An empty matrix (no frames) has no dimension: Kaldi's text form `[ ]` reads as 0×0 and
        // its binary form can carry any column count, so neither counts.
        if m.rows > 0 {
            minDimension = min(minDimension, m.cols)
            maxDimension = max(maxDimension, m.cols)
        }
        for v in m.data {
            guard v.isFinite else { nonFinite += 1; continue }
            values += 1
            minimum = min(minimum, v)
            maximum = max(maximum, v)
            sum += Double(v)
        }
    }

    public var mean: Double { values > 0 ? sum / Double(values) : .nan }

    /// Five significant digits (`%.5g`), enough to read a range at a glance.
    static func format(_ x: Double) -> String { String(format: "%.5g", x) }

    public var description: String {
        let stored = encodings.keys.sorted().map { encodings.count == 1 ? $0.rawValue : "\($0.rawValue) ×\(encodings[$0]!)" }
        var lines = ["\(name): Kaldi archive" + (stored.isEmpty ? "" : " (\(stored.joined(separator: ", ")))")]
        lines.append("  utterances: \(utterances)")
        guard utterances > 0 else { return lines.joined(separator: "\n") }
        lines.append("  frames: \(totalFrames) (\(minFrames)–\(maxFrames) per utterance)")
        if minDimension > maxDimension {
            lines.append("  dimension: none (every matrix is empty)")
        } else {
            lines.append(minDimension == maxDimension ? "  dimension: \(maxDimension)" : "  dimension: varies, \(minDimension)–\(maxDimension)")
        }
        if values > 0 {
            lines.append("  values: min \(Self.format(Double(minimum))), mean \(Self.format(mean)), max \(Self.format(Double(maximum)))")
        }
        if nonFinite > 0 { lines.append("  non-finite values: \(nonFinite)") }
        let more = utterances > firstKeys.count ? ", …" : ""
        lines.append("  keys: \(firstKeys.joined(separator: ", "))\(more)")
        return lines.joined(separator: "\n")
    }
}
