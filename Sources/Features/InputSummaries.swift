// Human summaries of raw inputs for `seqlab inspect`: audio files and pen-stroke files.
import Foundation
import Tensors

extension AudioInfo: CustomStringConvertible {
    /// Format, encoding, rate, channels and duration.
    public var description: String {
        String(format: "  format: %@ (%@)\n  sample rate: %d Hz\n  channels: %d\n  frames: %d (%.3f s)",
               format, encoding, sampleRate, channels, frames, duration)
    }
}

/// What a pen-stroke file holds: samples, strokes, points, labels, and the samples it rejected.
public struct InkSummary: CustomStringConvertible, Sendable {
    public var path: String
    public var samples: [InkSample]
    public var rejected: [InputError]
    /// Notes on the file that reject no sample by themselves (an unreadable UNIPEN include).
    public var warnings: [InputError]

    /// Reads `path` (UNIPEN, IAM-OnDB XML or pen text, guessed).
    public init(path: String, includeRoot: String? = nil) throws {
        let read = try readInkSamples(path: path, includeRoot: includeRoot)
        self.path = path
        samples = read.samples
        rejected = read.rejected
        warnings = read.warnings
    }

    /// The summary of a UNIPEN file with pen data but no segments (an include file of the UNIPEN
    /// release, which the data files' segments name): its `.PEN_DOWN` blocks; nil for other files.
    public static func unsegmentedUNIPEN(path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), guessInkFormat(path: path, data: data) == .unipen else { return nil }
        let lines = data.split(separator: 10)
        let penDown = lines.filter { $0.starts(with: Array(".PEN_DOWN".utf8)) }.count
        guard penDown > 0, !lines.contains(where: { $0.starts(with: Array(".SEGMENT".utf8)) }) else { return nil }
        return "\(path): UNIPEN pen data without segments (an include file: inspect or extract the data file whose segments name it, with --include-root)\n  .PEN_DOWN blocks: \(penDown)"
    }

    public var description: String {
        let strokes = samples.reduce(0) { $0 + $1.strokes.count }
        let points = samples.reduce(0) { $0 + $1.strokes.reduce(0) { $0 + $1.points.count } }
        let labels = samples.prefix(5).map { "\"\($0.label)\"" }.joined(separator: ", ")
        let characters = Set(samples.flatMap { Array($0.label) })
        var lines = ["\(path): pen strokes",
                     "  samples: \(samples.count)" + (rejected.isEmpty ? "" : " (\(rejected.count) rejected)"),
                     "  strokes: \(strokes)", "  points: \(points)",
                     "  label characters: \(characters.count)",
                     "  labels: \(labels)\(samples.count > 5 ? ", …" : "")"]
        for r in rejected.prefix(3) { lines.append("  rejected: \(r)") }
        return lines.joined(separator: "\n")
    }
}
