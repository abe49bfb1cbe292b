// ReadInkSamples: the one entry point for stroke files: guess the format, read, collect rejections.
import Foundation
import Tensors

/// Reads the labelled ink samples of a stroke file in `format` (guessed by `guessInkFormat`
/// when nil). Unreadable files and whole-file errors (broken XML) throw; bad samples inside a
/// file are returned in `rejected`, notes on the file in `warnings`, and the rest is read. `includeRoot` is the UNIPEN
/// `.INCLUDE` root; `label` overrides the label of an IAM-OnDB file; `idPrefix` replaces the
/// file name in sample ids (`distinctFileKeys` makes prefixes unique over many files).
public func readInkSamples(path: String, format: InkFormat? = nil, includeRoot: String? = nil,
                           label: String? = nil, idPrefix: String? = nil) throws(InputError) -> InkReadResult {
    let data = try readWholeFile(path)
    try refuseAudio(data, name: path)
    let chosen = format ?? guessInkFormat(path: path, data: data)
    try refuseLabel(label, for: chosen, name: path)
    switch chosen {
    case .unipen:
        return UNIPENReader(includeRoot: includeRoot).read(bytes: [UInt8](data), name: path, idPrefix: idPrefix)
    case .iam:
        // The file route finds a sidecar label beside the file.
        return InkReadResult(samples: [try IAMOnDBReader().read(path: path, label: label, id: idPrefix)])
    case .pentext:
        return PenTextReader().read(text: String(data: data, encoding: .utf8) ?? latin1String(data), name: path, idPrefix: idPrefix)
    }
}

/// The other files reading the stroke file at `path` reads (`InkReadResult.included`): the UNIPEN
/// `.INCLUDE`s, nested or not, resolved as `readInkSamples` resolves them; none for the other
/// formats, or for a file that cannot be read (reading it reports that). A first pass, following
/// `.INCLUDE` lines only, so that a command can refuse an output over one of them before it writes.
public func inkIncludedFiles(path: String, format: InkFormat? = nil, includeRoot: String? = nil) -> [String] {
    guard path != "-", let data = try? readWholeFile(path) else { return [] }
    guard (format ?? guessInkFormat(path: path, data: data)) == .unipen else { return [] }
    return UNIPENReader(includeRoot: includeRoot).includedFiles(bytes: [UInt8](data), name: path)
}

/// Reads stroke data held in memory (e.g. standard input); `name` is used in errors and ids.
public func readInkSamples(data: Data, name: String, format: InkFormat? = nil, includeRoot: String? = nil,
                           label: String? = nil, idPrefix: String? = nil) throws(InputError) -> InkReadResult {
    try refuseAudio(data, name: name)
    let chosen = format ?? guessInkFormat(path: name, data: data)
    try refuseLabel(label, for: chosen, name: name)
    switch chosen {
    case .unipen:
        return UNIPENReader(includeRoot: includeRoot).read(bytes: [UInt8](data), name: name, idPrefix: idPrefix)
    case .iam:
        return InkReadResult(samples: [try IAMOnDBReader().read(data: data, name: name, label: label, id: idPrefix)])
    case .pentext:
        return PenTextReader().read(text: String(data: data, encoding: .utf8) ?? latin1String(data), name: name, idPrefix: idPrefix)
    }
}

/// Audio where strokes are expected is named as such, rather than read as pen text line by line.
private func refuseAudio(_ data: Data, name: String) throws(InputError) {
    guard let audio = audioFormat(startingWith: data.prefix(4)) else { return }
    throw InputError(file: name, "the file is audio (\(audio)); expected pen strokes (UNIPEN, IAM-OnDB XML or pen text)")
}

/// A label given from outside names the one sample of an IAM-OnDB file; UNIPEN and pen-text files
/// label their own samples, so a label for them would be dropped: it is refused instead.
private func refuseLabel(_ label: String?, for format: InkFormat, name: String) throws(InputError) {
    guard label != nil, format != .iam else { return }
    throw InputError(file: name, "a label is given for IAM-OnDB files only (one sample each); this \(format == .unipen ? "UNIPEN" : "pen-text") file labels its own samples")
}

/// The format of a stroke file: by its content (`inkFormat(byContent:)`), else by its extension
/// (`.xml` IAM, `.dat`/`.tra` UNIPEN), else pen text.
public func guessInkFormat(path: String, data: Data) -> InkFormat {
    if let format = inkFormat(byContent: data) { return format }
    switch (path as NSString).pathExtension.lowercased() {
    case "xml": return .iam
    case "dat", "tra": return .unipen
    default: return .pentext
    }
}

/// The stroke format the first 64 kB of a file show, or nil: XML (first non-blank byte `<`) is
/// IAM-OnDB; a line starting with a UNIPEN keyword (`.SEGMENT`, `.INCLUDE`, `.PEN_DOWN`, `.COORD`,
/// `.VERSION`…) is UNIPEN. Pen text has no mark of its own.
public func inkFormat(byContent data: Data) -> InkFormat? {
    let head = [UInt8](data.prefix(65_536))
    if let first = head.first(where: { !($0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }),
       first == UInt8(ascii: "<") {
        return .iam
    }
    let keywords = [".SEGMENT", ".INCLUDE", ".PEN_DOWN", ".PEN_UP", ".COORD", ".VERSION", ".COMMENT", ".HIERARCHY", ".DATA_SOURCE"]
    var start = 0
    while start < head.count {
        var end = start
        while end < head.count && head[end] != 10 { end += 1 }
        if end > start && head[start] == UInt8(ascii: ".") {
            let line = latin1String(head[start..<end])
            if keywords.contains(where: { line.hasPrefix($0) }) { return .unipen }
        }
        start = end + 1
    }
    return nil
}

/// Short distinct keys for a list of files, for utterance ids: each file's name without
/// extension, extended by its parent folders (joined with `-`) until no other file in the list
/// has the same key: `data/6/abm/ca0.dat`, `data/7/abm/ca0.dat` → `6-abm-ca0`, `7-abm-ca0`.
/// `.` components and repeated or trailing `/` are not part of a key (`./x.pen`, `.//x.pen` → `x`).
/// White space becomes `_` (Kaldi keys are single words). Identical paths keep identical keys.
public func distinctFileKeys(_ paths: [String]) -> [String] {
    let parts: [[String]] = paths.map { path in
        var c = keyComponents(of: path)
        if let last = c.popLast() { c.append((last as NSString).deletingPathExtension) }
        return c.map { String($0.map { $0.isWhitespace ? "_" : $0 }) }
    }
    let full = parts.map { $0.joined(separator: "/") }
    return parts.indices.map { i in
        var k = 1
        while k < parts[i].count {
            let suffix = parts[i].suffix(k)
            let clash = parts.indices.contains { j in full[j] != full[i] && parts[j].count >= k && parts[j].suffix(k).elementsEqual(suffix) }
            if !clash { break }
            k += 1
        }
        return parts[i].suffix(k).joined(separator: "-")
    }
}

/// The folders and name of a path as keys see them: empty (`//`, a trailing `/`) and `.`
/// components dropped; `..` is kept (it is not resolved without the file system).
private func keyComponents(of path: String) -> [String] {
    path.split(separator: "/").filter { $0 != "." }.map(String.init)
}

/// The input files of a batch, each once, with the key its utterance ids start with.
public struct KeyedInputFiles: Sendable {
    /// The files in the order given, without repeats; `key` from `distinctFileKeys` over them
    /// (`-`, standard input, is keyed `stdin`).
    public var items: [(key: String, path: String)]
    /// A later mention of a file that is in `items` already: the path as given there, and as first given.
    public var repeats: [(path: String, first: String)]

    /// Makes the list from `paths` as given: a file named twice (the same real path once links,
    /// `.`, `..` and repeated `/` are resolved; for a file that does not exist, the same path up to
    /// `.` and repeated `/`) is kept at its first mention only.
    public init(_ paths: [String]) {
        var firstOf: [String: String] = [:], kept: [String] = []
        repeats = []
        for path in paths {
            let identity = path == "-" ? "-" : fileIdentity(of: path)
            if let first = firstOf[identity] {
                repeats.append((path, first))
                continue
            }
            firstOf[identity] = path
            kept.append(path)
        }
        items = Array(zip(distinctFileKeys(kept.map { $0 == "-" ? "stdin" : $0 }), kept))
    }

    /// How many repeated files `repeatWarnings` names one by one before it sums up the rest.
    public static let repeatWarningsShown = 10

    /// One warning line per file given more than once, in the order of their first repeats, naming
    /// the file as its first repeat gives it and how often it is given in all ("./a.pen: given
    /// twice (the same file as a.pen); read once", "a.pen: given 4 times; read once"); past
    /// `repeatWarningsShown` files, one line sums up the rest ("… and 1990 more files given more
    /// than once (5970 repeats); each read once").
    public var repeatWarnings: [String] {
        var order: [String] = [], firstRepeat: [String: String] = [:], count: [String: Int] = [:]
        for r in repeats {
            if firstRepeat[r.first] == nil { order.append(r.first); firstRepeat[r.first] = r.path }
            count[r.first, default: 1] += 1
        }
        var lines = order.prefix(Self.repeatWarningsShown).map { first -> String in
            let path = firstRepeat[first]!, n = count[first]!
            return "\(path): given \(n == 2 ? "twice" : "\(n) times")\(path == first ? "" : " (the same file as \(first))"); read once"
        }
        if order.count > Self.repeatWarningsShown {
            let rest = order.dropFirst(Self.repeatWarningsShown)
            let restRepeats = rest.reduce(0) { $0 + count[$1]! - 1 }
            lines.append("… and \(rest.count) more \(rest.count == 1 ? "file" : "files") given more than once "
                         + "(\(restRepeats) \(restRepeats == 1 ? "repeat" : "repeats")); each read once")
        }
        return lines
    }
}

/// The name a file is known by, to tell when two paths name one file: its real path (links, `.`,
/// `..` and repeated `/` resolved), or, when it cannot be resolved (a name in memory, a missing
/// file), the path with `.` components and repeated `/` dropped.
func fileIdentity(of path: String) -> String {
    guard let resolved = realpath(path, nil) else {
        return (path.hasPrefix("/") ? "/" : "") + keyComponents(of: path).joined(separator: "/")
    }
    defer { free(resolved) }
    return String(cString: resolved)
}
