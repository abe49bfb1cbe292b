// ResumableOutput: an output file written item by item with a progress journal, so a killed batch job continues exactly.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Tensors

/// The output of a batch job over a list of items (files), written so that a run interrupted at
/// any moment (Ctrl-C, SIGKILL, a crash) can be continued without labelling an item twice or
/// losing one.
///
/// Beside `OUTPUT` sits its journal `OUTPUT.progress`: a header line `seqlab-progress 2`, then one
/// line per setting of the run, `setting<TAB>NAME<TAB>VALUE` (what decides OUTPUT's contents: the
/// input list's fingerprint, the output options), then one line per finished item, `BYTES<TAB>KEY<TAB>PATH`, where BYTES is the length of OUTPUT once the
/// item's lines were in it (tabs, newlines and backslashes in KEY and PATH are escaped as `\t`,
/// `\n`, `\\`). An item's lines go to OUTPUT before its journal line, so the journal never claims
/// more than OUTPUT holds. Continuing, the journal's torn last line (no newline) is dropped,
/// OUTPUT is cut back to the last journalled length (dropping a half-written item), and the items
/// journalled are skipped (as many times as they were journalled, so a list naming a file twice
/// labels it twice). Continuing with settings other than the journal's is refused, naming the first
/// that differs: OUTPUT would mix two runs (a journal of version 1 recorded none and is not checked). Items that failed are never journalled, so they are tried again. Every
/// `syncEvery` items, and at the end, OUTPUT then the journal are flushed to disk with `fsync`
/// (so even a power cut keeps the two consistent).
public final class ResumableOutput {
    public let path: String
    public var journalPath: String { path + ".progress" }
    /// Items found finished in the journal when continuing (0 for a fresh run).
    public private(set) var resumedItems = 0
    /// Items OUTPUT holds: those found finished when continuing and those appended since.
    public private(set) var finishedItems = 0
    /// Finished items not yet synced to disk before this many are waiting.
    public var syncEvery = 16

    private let output: ByteOutput
    private let journal: ByteOutput
    private var length: Int
    private var done: [String: Int] = [:]
    private var pending = 0
    static let header = "seqlab-progress 2\n"
    static let headerVersion1 = "seqlab-progress 1\n"

    /// Opens `path` for a new run (truncating it and its journal), or, with `resume`, continues
    /// the run recorded in its journal (a missing OUTPUT and journal start a new run).
    /// `settings` (name, value) describe the run; continuing requires the journal's to be equal.
    public init(path: String, resume: Bool, settings: [(name: String, value: String)] = []) throws {
        guard path != "-" else { throw InputError(file: "stdout", "cannot be continued: give the output as a file") }
        self.path = path
        let journalPath = path + ".progress"
        AtomicFile.removeLeftovers(of: journalPath)
        var kept = 0
        var records: [(key: String, path: String)] = []
        if resume, FileManager.default.fileExists(atPath: path) || FileManager.default.fileExists(atPath: journalPath) {
            guard let data = FileManager.default.contents(atPath: journalPath) else {
                throw InputError(file: path, "exists without its progress file \(journalPath): it was not written by a resumable run; move it away or run without --resume")
            }
            let recorded: [(name: String, value: String)]?
            (kept, records, recorded) = try ResumableOutput.readJournal(data, name: journalPath)
            if let recorded { try ResumableOutput.compare(recorded, settings, name: journalPath) }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size >= kept else {
                throw InputError(file: path, place: "byte \(size)", "is shorter than its progress file says (\(kept) bytes): it was changed since; run without --resume")
            }
        }
        // OUTPUT is opened first, as it is (not cut yet), so that one that cannot be opened (a
        // folder, a read-only file) stops the run before the journal is written beside it.
        let existed = FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { throw InputError(file: path, "cannot open for writing: \(systemErrorText())") }
        // The journal next, rewritten whole without a torn line (atomically): it then never claims
        // more than OUTPUT holds, whatever moment a kill comes. Every kept item ends at or before `kept`.
        let text = ResumableOutput.header
            + settings.map { "setting\t\(escape($0.name))\t\(escape($0.value))\n" }.joined()
            + records.map { "\(kept)\t\(escape($0.key))\t\(escape($0.path))\n" }.joined()
        let jfd: Int32
        do {
            try AtomicFile.write(Array(text.utf8), to: journalPath)
            jfd = open(journalPath, O_WRONLY | O_APPEND)
            guard jfd >= 0 else { throw InputError(file: journalPath, "cannot open for appending: \(systemErrorText())") }
        } catch {
            _ = posixClose(fd)
            if !existed { unlink(path) }
            throw error
        }
        journal = ByteOutput(descriptor: jfd, name: journalPath)
        // Cut a half-written item (or, for a new run, everything) and continue at the end.
        guard ftruncate(fd, off_t(kept)) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
            let reason = systemErrorText()
            _ = posixClose(fd)
            throw InputError(file: path, "cannot cut back to \(kept) bytes: \(reason)")
        }
        output = ByteOutput(descriptor: fd, name: path)
        length = kept
        for r in records { done[ResumableOutput.identity(r.key, r.path), default: 0] += 1 }
        resumedItems = records.count
        finishedItems = records.count
    }

    /// True (once per journal line) when the item was finished by an earlier run: skip it.
    public func wasFinished(key: String, path: String) -> Bool {
        let id = ResumableOutput.identity(key, path)
        guard let n = done[id], n > 0 else { return false }
        done[id] = n - 1
        return true
    }

    /// Appends a finished item's output and records it in the journal.
    public func append(_ text: String, key: String, path itemPath: String) throws {
        let bytes = Array(text.utf8)
        try output.write(bytes)
        try output.flush()
        length += bytes.count
        try journal.write("\(length)\t\(escape(key))\t\(escape(itemPath))\n")
        try journal.flush()
        pending += 1
        finishedItems += 1
        if pending >= syncEvery { try sync() }
    }

    /// Makes everything appended so far durable: OUTPUT first, then the journal.
    public func sync() throws {
        try output.sync()
        try journal.sync()
        pending = 0
    }

    /// Syncs and closes both files.
    public func close() throws {
        try sync()
        try output.close()
        try journal.close()
    }

    private static func identity(_ key: String, _ path: String) -> String { key + "\u{0}" + path }

    /// Refuses to continue a run whose recorded settings differ from `given`, naming the first difference.
    static func compare(_ recorded: [(name: String, value: String)], _ given: [(name: String, value: String)], name: String) throws {
        let before = Dictionary(recorded, uniquingKeysWith: { a, _ in a })
        let now = Dictionary(given, uniquingKeysWith: { a, _ in a })
        for key in (recorded.map(\.name) + given.map(\.name)) where before[key] != now[key] {
            throw InputError(file: name, "the run it records has \(key) \(before[key] ?? "(none)"), this one \(now[key] ?? "(none)"): --resume continues the same run only; give the same inputs and options, or run without --resume to start over")
        }
    }

    /// The last complete line's byte count, the finished items and the recorded settings (nil for a
    /// journal of version 1, which has none), from the journal's bytes.
    static func readJournal(_ data: Data, name: String) throws -> (Int, [(key: String, path: String)], [(name: String, value: String)]?) {
        let text = String(decoding: data, as: UTF8.self)
        let version1 = text.hasPrefix(headerVersion1)
        guard text.hasPrefix(header) || version1 else {
            throw InputError(file: name, place: "line 1", "expected the header \"seqlab-progress 2\"; not a progress file of seqlab")
        }
        var lines = text.dropFirst(header.count).split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()      // after the last newline: empty, or a line torn by the kill
        var kept = 0
        var records: [(key: String, path: String)] = []
        var settings: [(name: String, value: String)] = []
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if !version1 && records.isEmpty && fields.count == 3 && fields[0] == "setting" {
                settings.append((unescape(fields[1]), unescape(fields[2])))
                continue
            }
            guard fields.count == 3, let bytes = Int(fields[0]), bytes >= kept else {
                throw InputError(file: name, place: "line \(i + 2)", "expected BYTES<TAB>KEY<TAB>PATH with BYTES not decreasing")
            }
            kept = bytes
            records.append((unescape(fields[1]), unescape(fields[2])))
        }
        return (kept, records, version1 ? nil : settings)
    }
}

private func escape(_ s: String) -> String {
    guard s.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" }) else { return s }
    return s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n")
}

private func unescape(_ s: Substring) -> String {
    guard s.contains("\\") else { return String(s) }
    var out = "", escaped = false
    for c in s {
        if escaped { out.append(c == "t" ? "\t" : c == "n" ? "\n" : c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
    }
    return out
}
