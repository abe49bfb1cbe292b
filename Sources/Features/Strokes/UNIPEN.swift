// UNIPEN: reads UNIPEN 1.0 label files (with their .INCLUDEd ink) into labelled ink samples.
import Foundation
import Tensors

/// A reader for the UNIPEN 1.0 on-line handwriting exchange format (Guyon, Schomaker, Plamondon,
/// Liberman & Janet 1994; definition in `unipen.def`), including the UCI pendigits variant.
///
/// A file is read by pasting each `.INCLUDE <path>` (relative to `includeRoot`, else to the
/// including file's folder) in place; includes nest; a missing include is a warning (in
/// `warnings`, once per file; the segments needing its ink fail), and a looping include is reported
/// with the file and line of its `.INCLUDE` and skipped, as is a path holding control characters
/// and every include past the 1,000th of one file (nested or not: an include bomb). `.COORD` names the point columns (X, Y,
/// optional T in ms, P; others ignored); `.PEN_DOWN` / `.PEN_UP` start components whose point
/// lines follow; `.DT n` is a time gap of n ms; `.POINTS_PER_SECOND` dates the points when there
/// is no T column; `.START_SET` restarts the component count. Each `.SEGMENT type delineation
/// quality "label"` becomes one `InkSample` holding the pen-down points its delineation selects
/// among the non-empty components of its set (`UNIPENDelineation`); pen-up points are not ink.
/// A segment that cannot be used is reported in `rejected` and skipped; the rest goes on.
public struct UNIPENReader: Sendable {
    /// Folder `.INCLUDE` paths are relative to (UNIPEN: the `include/` folder of the release).
    public var includeRoot: String?

    public init(includeRoot: String? = nil) { self.includeRoot = includeRoot }

    /// Reads the file at `path`; throws only when that file itself cannot be read.
    public func read(path: String, idPrefix: String? = nil) throws(InputError) -> InkReadResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, "cannot read the file")
        }
        return read(bytes: [UInt8](data), name: path, idPrefix: idPrefix)
    }

    /// Reads UNIPEN text held in memory; `name` is the file name used in errors. Sample ids are
    /// `<idPrefix>-<segment number>`, the prefix defaulting to the file name without extension.
    public func read(bytes: [UInt8], name: String, idPrefix: String? = nil) -> InkReadResult {
        let parser = UNIPENParser(includeRoot: includeRoot, topFile: name, idPrefix: idPrefix)
        parser.process(bytes: bytes, file: name, stack: [fileIdentity(of: name)])
        return parser.finish()
    }

    /// The files a UNIPEN file held in memory includes, nested or not, each once, as `read` would
    /// open them (the same root, loop check and limits), without reading any ink: for a command
    /// to know, before it writes anything, which files reading `name` reads.
    public func includedFiles(bytes: [UInt8], name: String) -> [String] {
        let parser = UNIPENParser(includeRoot: includeRoot, topFile: name, idPrefix: nil, includesOnly: true)
        parser.process(bytes: bytes, file: name, stack: [fileIdentity(of: name)])
        return parser.included
    }
}

/// One non-empty `.PEN_DOWN` / `.PEN_UP` component as read.
private struct Component {
    var penDown: Bool
    var points: [PenPoint] = []
    /// The first point line that could not be parsed, if any (segments using it are rejected).
    var broken: InputError?
    var lineCount = 0
    var writer: String?
    /// Set when its file ended inside it (a `.PEN_DOWN` with points and no keyword after them, in
    /// a file that ends its other components with `.PEN_UP`): the file was cut short there.
    var cutShort: InputError?
}

/// A `.SEGMENT` line waiting for the end of the file, when all the ink it may name has been read.
private struct PendingSegment {
    var text: String
    var file: String
    var line: Int
    var set: Int
    var comment: String?
}

private enum PointColumn { case x, y, t, p, other }

/// The state of one resolved file: the sets of components, the segments, the current declarations.
private final class UNIPENParser {
    let includeRoot: String?
    let topFile: String
    let idPrefix: String?
    /// Only follow `.INCLUDE` lines (to list the files read), ignoring everything else.
    let includesOnly: Bool
    /// The files included so far, nested or not, as opened, each once.
    var included: [String] = []
    var includedSeen: Set<String> = []
    var columns: [PointColumn] = [.x, .y]
    var pointsPerSecond: Double?
    var pointsPerInch: (x: Double?, y: Double?) = (nil, nil)
    var writer: String?
    var sets: [[Component]] = [[]]
    var current: Component?
    var segments: [PendingSegment] = []
    /// What the last keyword was, so that following non-keyword lines are understood.
    enum Context { case none, pen, segment, segmentComment }
    var context = Context.none
    var clock = 0.0
    /// `.PEN_UP` lines seen so far (a file that uses them ends a complete pen-down block with one).
    var penUps = 0
    /// The file and line of the `.PEN_DOWN` that opened `current`.
    var currentStart = (file: "", line: 0)
    /// The cut-short components some segment named (by their `.PEN_DOWN`'s place), reported there.
    var cutsNamed: Set<String> = []
    var rejected: [InputError] = []
    var warnings: [InputError] = []
    /// Includes that could not be read, each reported once.
    var missingIncludes: Set<String> = []
    /// Files included so far, nested or not. Real UNIPEN files include three at most; a file that
    /// includes another twice, which includes a third twice, and so on, would be read 2^64 times
    /// within the nesting limit.
    var includesRead = 0
    static let maxIncludes = 1_000
    static let includeKeyword = Array(".INCLUDE".utf8)
    /// The numbers of the point line being parsed (kept to avoid an allocation per line).
    var values: [Double] = []

    init(includeRoot: String?, topFile: String, idPrefix: String?, includesOnly: Bool = false) {
        self.includeRoot = includeRoot
        self.topFile = topFile
        self.idPrefix = idPrefix
        self.includesOnly = includesOnly
    }

    func closeComponent() {
        if let c = current, c.lineCount > 0 { sets[sets.count - 1].append(c) }
        current = nil
    }

    func process(bytes: [UInt8], file: String, stack: [String]) {
        let penUpsBefore = penUps
        var start = 0, lineNumber = 0
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != 10 { end += 1 }
            lineNumber += 1
            var stop = end
            if stop > start && bytes[stop - 1] == 13 { stop -= 1 }
            line(bytes[start..<stop], file: file, number: lineNumber, stack: stack)
            start = end + 1
        }
        // The end of an included file ends its last block (the data file goes on with segments),
        // but the file read ends a pen-down block with `.PEN_UP` when it uses it at all (real ones
        // end with it, with an empty `.PEN_DOWN`, or never lift the pen): points and then the end
        // there mean the rest of the block, and what followed it, is missing.
        if stack.count == 1, context == .pen, let c = current, c.penDown, c.lineCount > 0, penUps > penUpsBefore,
           currentStart.file == file {
            current?.cutShort = InputError(file: file, place: "line \(currentStart.line)",
                                           "the file ends inside the .PEN_DOWN of line \(currentStart.line): the file is cut short?")
        }
    }

    func line(_ b: ArraySlice<UInt8>, file: String, number: Int, stack: [String]) {
        guard let first = b.first else { return }
        if includesOnly && !b.starts(with: UNIPENParser.includeKeyword) { return }
        if first != UInt8(ascii: ".") {
            switch context {
            case .pen: point(b, file: file, number: number)
            case .segment: segments[segments.count - 1].text += " " + latin1String(b)
            case .segmentComment: segments[segments.count - 1].comment! += " " + latin1String(b)
            case .none: break
            }
            return
        }
        var k = b.startIndex
        while k < b.endIndex && b[k] != 32 && b[k] != 9 { k += 1 }
        let keyword = latin1String(b[b.startIndex..<k])
        let rest = latin1String(b[k...]).trimmingCharacters(in: .whitespaces)
        let wasSegment = context == .segment
        context = .none
        switch keyword {
        case ".PEN_DOWN", ".PEN_UP":
            closeComponent()
            current = Component(penDown: keyword == ".PEN_DOWN", writer: writer)
            currentStart = (file, number)
            if keyword == ".PEN_UP" { penUps += 1 }
            context = .pen
            if !rest.isEmpty { point(b[k...], file: file, number: number) }
        case ".INCLUDE":
            closeComponent()
            include(rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? "",
                    file: file, number: number, stack: stack)
        case ".COORD":
            closeComponent()
            columns = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map {
                switch $0.uppercased() { case "X": .x; case "Y": .y; case "T": .t; case "P": .p; default: .other }
            }
            if !columns.contains(.x) || !columns.contains(.y) {
                rejected.append(InputError(file: file, place: "line \(number)", ".COORD must name X and Y, found '\(InputError.quoted(rest))'"))
                columns = [.x, .y]
            }
        case ".DT":
            closeComponent()
            if let gap = Double(rest.split(separator: " ").first ?? ""), gap.isFinite { clock += gap / 1000 }
            else { rejected.append(InputError(file: file, place: "line \(number)", ".DT expects a number of milliseconds, found '\(InputError.quoted(rest))'")) }
        case ".POINTS_PER_SECOND": closeComponent(); pointsPerSecond = positive(rest)
        case ".X_POINTS_PER_INCH": closeComponent(); pointsPerInch.x = positive(rest)
        case ".Y_POINTS_PER_INCH": closeComponent(); pointsPerInch.y = positive(rest)
        case ".X_POINTS_PER_MM": closeComponent(); pointsPerInch.x = positive(rest).map { $0 * 25.4 }
        case ".Y_POINTS_PER_MM": closeComponent(); pointsPerInch.y = positive(rest).map { $0 * 25.4 }
        case ".WRITER_ID": closeComponent(); writer = rest.isEmpty ? nil : rest
        case ".START_SET":
            closeComponent()
            sets.append([])
            clock = 0
        case ".SEGMENT":
            closeComponent()
            segments.append(PendingSegment(text: rest, file: file, line: number, set: sets.count - 1))
            context = .segment
        case ".COMMENT":
            closeComponent()
            if wasSegment {
                segments[segments.count - 1].comment = rest
                context = .segmentComment
            }
        default:
            closeComponent()
        }
    }

    func positive(_ s: String) -> Double? {
        guard let v = Double(s.split(separator: " ").first ?? ""), v.isFinite, v > 0 else { return nil }
        return v
    }

    func include(_ path: String, file: String, number: Int, stack: [String]) {
        guard !path.isEmpty else {
            rejected.append(InputError(file: file, place: "line \(number)", ".INCLUDE without a file name"))
            return
        }
        // A NUL would end the path where the file system reads it but not where the loop check
        // compares it (`inc\0` and `inc\0\0` name one file twice).
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            rejected.append(InputError(file: file, place: "line \(number)", ".INCLUDE path holds control characters; skipped"))
            return
        }
        let root = includeRoot ?? (file as NSString).deletingLastPathComponent
        let full = path.hasPrefix("/") ? path : (root.isEmpty ? path : (root as NSString).appendingPathComponent(path))
        let key = fileIdentity(of: full)
        if stack.contains(key) {
            rejected.append(InputError(file: file, place: "line \(number)",
                                       ".INCLUDE \(path) includes itself (\((stack + [key]).joined(separator: " -> "))); skipped"))
            return
        }
        guard stack.count < 64 else {
            rejected.append(InputError(file: file, place: "line \(number)", ".INCLUDE \(path): includes nested more than 64 deep; skipped"))
            return
        }
        guard includesRead < UNIPENParser.maxIncludes else {
            rejected.append(InputError(file: file, place: "line \(number)",
                                       ".INCLUDE \(path): more than \(UNIPENParser.maxIncludes) includes in one file; skipped"))
            return
        }
        includesRead += 1
        guard let data = FileManager.default.contents(atPath: full) else {
            // Often a documentation file (pendigits' dene.doc) or a root not given: a warning, once;
            // the segments that need its ink fail on their own.
            if missingIncludes.insert(full).inserted {
                warnings.append(InputError(file: file, place: "line \(number)", ".INCLUDE \(path): cannot read \(full)"
                    + (includeRoot == nil ? "; give --include-root DIR for the UNIPEN include folder" : "; skipped")))
            }
            return
        }
        if includedSeen.insert(key).inserted { included.append(full) }
        process(bytes: [UInt8](data), file: full, stack: stack + [key])
    }

    /// Parses one point line against `.COORD`; a bad line marks its component broken.
    func point(_ b: ArraySlice<UInt8>, file: String, number: Int) {
        values.removeAll(keepingCapacity: true)
        var i = b.startIndex
        var bad = false
        while i < b.endIndex {
            while i < b.endIndex && (b[i] == 32 || b[i] == 9) { i += 1 }
            if i == b.endIndex { break }
            var j = i
            while j < b.endIndex && b[j] != 32 && b[j] != 9 { j += 1 }
            if let v = parseDecimal(b[i..<j]) { values.append(v) } else { bad = true; break }
            i = j
        }
        if values.isEmpty && !bad { return }  // a blank line
        current?.lineCount += 1
        if bad || values.count < columns.count {
            if current?.broken == nil {
                current?.broken = InputError(file: file, place: "line \(number)",
                                             "point line '\(InputError.quoted(latin1String(b).trimmingCharacters(in: .whitespaces)))' does not match .COORD (\(columns.count) numbers expected)")
            }
            return
        }
        var p = PenPoint(x: 0, y: 0)
        var t: Double?
        for (c, v) in zip(columns, values) {
            switch c {
            case .x: p.x = v
            case .y: p.y = v
            case .t: t = v / 1000
            case .p: p.pressure = v
            case .other: break
            }
        }
        if let t { p.t = t } else if let pps = pointsPerSecond { p.t = clock; clock += 1 / pps }
        current?.points.append(p)
    }

    func finish() -> InkReadResult {
        closeComponent()
        var result = InkReadResult(samples: [], rejected: rejected, warnings: warnings, included: included)
        let stem = idPrefix ?? ((topFile as NSString).lastPathComponent as NSString).deletingPathExtension
        let width = max(4, String(segments.count).count)
        let ppi: (x: Double, y: Double)? = pointsPerInch.x.flatMap { x in pointsPerInch.y.map { (x, $0) } }
        for (index, segment) in segments.enumerated() {
            let id = stem + "-" + String(repeating: "0", count: max(0, width - String(index).count)) + String(index)
            do throws(InputError) {
                var sample = try resolve(segment, id: id)
                sample.pointsPerInch = ppi
                result.samples.append(sample)
            } catch {
                result.rejected.append(error)
            }
        }
        // A cut no segment names (its segments were lost with the end of the file) is reported on its
        // own; a file without segments is pen data for others to include, whose end ends its last block.
        for cut in sets.joined().compactMap(\.cutShort) where !segments.isEmpty && !cutsNamed.contains(cut.file + ":" + (cut.place ?? "")) {
            result.rejected.append(cut)
        }
        return result
    }

    private func resolve(_ segment: PendingSegment, id: String) throws(InputError) -> InkSample {
        func fail(_ message: String) -> InputError { InputError(file: segment.file, place: "line \(segment.line)", message) }
        let fields = try UNIPENSegmentFields(parsing: segment.text).get(orThrow: fail)
        guard let label = fields.label else { throw fail(".SEGMENT has no label") }
        func cutFailure(_ cut: InputError) -> InputError {
            cutsNamed.insert(cut.file + ":" + (cut.place ?? ""))
            return fail("segment \"\(InputError.quoted(label))\": \(cut.message)")
        }
        guard fields.delineation != "?" else { throw fail("segment \"\(InputError.quoted(label))\": delineation '?' names no components") }
        let components = sets[segment.set]
        let selection: [(component: Int, points: ClosedRange<Int>)]
        do throws(DelineationError) {
            selection = try UNIPENDelineation(parsing: Substring(fields.delineation)).resolve(pointCounts: components.map { max($0.lineCount, 1) })
        } catch {
            // Components past the end of a file cut short were lost with it.
            if let cut = components.last?.cutShort { throw cutFailure(cut) }
            throw fail("segment \"\(InputError.quoted(label))\": \(error.message)")
        }
        var strokes: [Stroke] = []
        var writer: String?
        for (c, range) in selection where components[c].penDown {
            let comp = components[c]
            if let broken = comp.broken { throw fail("segment \"\(InputError.quoted(label))\": component \(c) has a bad point: \(broken)") }
            if let cut = comp.cutShort { throw cutFailure(cut) }
            writer = writer ?? comp.writer
            strokes.append(Stroke(points: Array(comp.points[range])))
        }
        guard !strokes.isEmpty else { throw fail("segment \"\(InputError.quoted(label))\": delineation \(fields.delineation) holds no pen-down points") }
        // The pendigits variant: `.COMMENT label writer n` right after the segment.
        if let comment = segment.comment {
            let tokens = comment.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if tokens.count == 3, tokens[0] == label, Int(tokens[1]) != nil { writer = String(tokens[1]) }
        }
        return InkSample(id: id, label: label, strokes: strokes, source: (segment.file, segment.line),
                         category: fields.type, writer: writer)
    }
}

/// The fields of a `.SEGMENT` line: type, delineation, quality, label (escapes `\"` `\\` resolved;
/// `\t`, `\n`, tabs and new lines become spaces, as the definition counts them; other `\c` give `c`).
struct UNIPENSegmentFields {
    var type = "", delineation = "?", quality = "?", label: String?
    var error: String?

    init(parsing text: String) {
        var s = Substring(text)
        func token() -> String? {
            s = s.drop { $0 == " " || $0 == "\t" }
            guard let c = s.first, c != "\"" else { return nil }
            let t = s.prefix { $0 != " " && $0 != "\t" }
            s = s.dropFirst(t.count)
            return String(t)
        }
        guard let t = token() else { error = ".SEGMENT needs a segment type"; return }
        type = t
        delineation = token() ?? "?"
        quality = token() ?? "?"
        s = s.drop { $0 == " " || $0 == "\t" }
        guard let q = s.first else { return }
        guard q == "\"" else { error = "expected a quoted label after the quality, found '\(InputError.quoted(s))'"; return }
        var label = "", escaped = false, closed = false
        var rest = s.dropFirst()
        while let c = rest.first {
            rest = rest.dropFirst()
            if escaped {
                switch c { case "t", "n": label.append(" "); default: label.append(c) }
                escaped = false
            } else if c == "\\" { escaped = true }
            else if c == "\"" { closed = true; break }
            else { label.append(c == "\t" ? " " : c) }
        }
        guard closed else { error = "unclosed quote in label \"\(InputError.quoted(label))"; return }
        let trailing = rest.trimmingCharacters(in: .whitespaces)
        guard trailing.isEmpty else { error = "unexpected text '\(InputError.quoted(trailing))' after the label"; return }
        self.label = label
    }

    func get(orThrow fail: (String) -> InputError) throws(InputError) -> UNIPENSegmentFields {
        if let error { throw fail(error) }
        return self
    }
}

/// Parses an ASCII decimal number (`-12`, `3.5`, `+.5`, `1e3`); nil when it is not one.
@inline(__always)
func parseDecimal(_ b: ArraySlice<UInt8>) -> Double? {
    var i = b.startIndex
    var negative = false
    if i < b.endIndex && (b[i] == 45 || b[i] == 43) { negative = b[i] == 45; i += 1 }
    var value = 0.0, digits = 0
    while i < b.endIndex, b[i] >= 48 && b[i] <= 57 { value = value * 10 + Double(b[i] - 48); i += 1; digits += 1 }
    if i < b.endIndex && b[i] == 46 {
        i += 1
        var scale = 0.1
        while i < b.endIndex, b[i] >= 48 && b[i] <= 57 { value += Double(b[i] - 48) * scale; scale *= 0.1; i += 1; digits += 1 }
    }
    guard digits > 0 else { return nil }
    if i < b.endIndex {
        // Rare forms (exponents): let the standard library decide.
        guard let v = Double(latin1String(b)), v.isFinite else { return nil }
        return v
    }
    guard value.isFinite else { return nil }
    return negative ? -value : value
}
