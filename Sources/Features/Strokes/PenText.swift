// PenText: reads seqlab's plain-text pen format (docs/FORMATS.md) into labelled ink samples.
import Foundation
import Tensors

/// A reader for seqlab's own text format for pen trajectories (specified in docs/FORMATS.md):
///
///     # a comment           (a line whose first non-blank character is #)
///     id hello-1            (optional; default: file name without extension, '-', sample index)
///     label hello world     (optional; the rest of the line, white space runs made one space)
///     y down                (optional; `y up` or `y down`, default down as on screens)
///     10 20 0.00            (a point: x y [t [pressure]], numbers; t in seconds)
///     up                    (or a blank line: ends the stroke)
///     ---                   (ends the sample)
///
/// A sample with a bad line is reported (file, line) and skipped up to the next `---`.
public struct PenTextReader: Sendable {
    public init() {}

    public func read(path: String, idPrefix: String? = nil) throws(InputError) -> InkReadResult {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(file: path, "cannot read the file") }
        return read(text: String(data: data, encoding: .utf8) ?? latin1String(data), name: path, idPrefix: idPrefix)
    }

    /// Reads text held in memory; `name` is used in errors; default ids are `<idPrefix>-<index>`,
    /// the prefix defaulting to the file name without extension.
    public func read(text: String, name: String, idPrefix: String? = nil) -> InkReadResult {
        var result = InkReadResult()
        let stem = idPrefix ?? ((name as NSString).lastPathComponent as NSString).deletingPathExtension
        var index = 0
        var id: String?, label = "", yUp = false
        var strokes: [Stroke] = [], stroke: [PenPoint] = []
        var startLine: Int?, error: InputError?

        func endStroke() {
            if !stroke.isEmpty { strokes.append(Stroke(points: stroke)) }
            stroke = []
        }
        func endSample(at line: Int) {
            endStroke()
            if let error {
                result.rejected.append(error)
            } else if !strokes.isEmpty {
                let sid = id ?? "\(stem)-" + String(repeating: "0", count: max(0, 4 - String(index).count)) + String(index)
                result.samples.append(InkSample(id: sid, label: label, strokes: strokes, source: (name, startLine ?? line),
                                                yPointsUp: yUp))
            } else if startLine != nil {
                result.rejected.append(InputError(file: name, place: "line \(startLine!)", "sample '\(InputError.quoted(id ?? label))' has no points"))
            }
            if startLine != nil || error != nil { index += 1 }
            id = nil; label = ""; yUp = false; strokes = []; startLine = nil; error = nil
        }

        var number = 0
        for raw in text.textLines {
            number += 1
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.hasPrefix("#") { continue }
            if line == "---" { endSample(at: number); continue }
            if line.isEmpty || line == "up" { endStroke(); continue }
            if error != nil { continue }
            if startLine == nil { startLine = number }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            switch words[0] {
            case "label":
                label = words.dropFirst().joined(separator: " ")
            case "id":
                guard words.count == 2 else {
                    error = InputError(file: name, place: "line \(number)", "expected 'id NAME' (one word), found '\(InputError.quoted(line))'")
                    continue
                }
                id = String(words[1])
            case "y":
                guard words.count == 2, words[1] == "up" || words[1] == "down" else {
                    error = InputError(file: name, place: "line \(number)", "expected 'y up' or 'y down', found '\(InputError.quoted(line))'")
                    continue
                }
                yUp = words[1] == "up"
            default:
                let values = words.map { Double($0) }
                guard (2...4).contains(values.count), values.allSatisfy({ $0?.isFinite ?? false }) else {
                    error = InputError(file: name, place: "line \(number)",
                                       "expected a point 'x y [t [pressure]]', 'label …', 'id …', 'y up|down', 'up' or '---', found '\(InputError.quoted(line))'")
                    continue
                }
                stroke.append(PenPoint(x: values[0]!, y: values[1]!, t: values.count > 2 ? values[2] : nil,
                                       pressure: values.count > 3 ? values[3] : nil))
            }
        }
        endSample(at: number)
        return result
    }
}
