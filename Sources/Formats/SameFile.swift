// SameFile: which of a command's inputs an output would replace (same device and inode).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds an output path that names one of the inputs, however spelled (`./a.wav`, an absolute path,
/// a symbolic or hard link): writing it would replace an input with a different kind of file (a
/// feature archive over a recording, a model over its training data) before the user could notice.
/// Only existing regular files are compared; `-`, devices and pipes never match.
public struct SameFile {
    private var identities: [(device: UInt64, inode: UInt64, path: String)] = []

    /// The outputs to look for; paths that do not exist yet (or are not regular files) are dropped.
    public init(outputs: [String]) {
        for path in outputs {
            if let id = SameFile.identity(path) { identities.append((id.device, id.inode, path)) }
        }
    }

    /// True when no output exists yet: nothing can be replaced, and `output(replacing:)` is nil.
    public var isEmpty: Bool { identities.isEmpty }

    /// The output that is the same file as `input`, or nil.
    public func output(replacing input: String) -> String? {
        guard !identities.isEmpty, input != "-", let id = SameFile.identity(input) else { return nil }
        return identities.first { $0.device == id.device && $0.inode == id.inode }?.path
    }

    /// True when writing `a` and writing `b` would write one file: the same existing file, or, for
    /// paths not made yet, the same path once `.`, `..`, repeated slashes and links in the folders
    /// are resolved. `-` (stdout) is left to the commands' own checks.
    public static func sameTarget(_ a: String, _ b: String) -> Bool {
        guard a != "-", b != "-" else { return false }
        if let x = identity(a), let y = identity(b) { return x.device == y.device && x.inode == y.inode }
        return resolved(a) == resolved(b)
    }

    /// `path` made absolute, its folder's links and `.`/`..` resolved (the last part kept as it is).
    private static func resolved(_ path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let real = realpath(folder.isEmpty ? "/" : folder, nil) else { return path }
        defer { free(real) }
        let base = String(cString: real)
        return (base.hasSuffix("/") ? base : base + "/") + name
    }

    /// The files a Kaldi specifier names: the archive (and the scp of `ark,scp:ARK,SCP`), or the
    /// path as it is when it does not parse; none for stdin/stdout (`-`).
    public static func files(ofSpecifier spec: String) -> [String] {
        guard let parsed = try? KaldiSpecifier(spec) else { return spec == "-" ? [] : [spec] }
        return ([parsed.path] + (parsed.scpPath.map { [$0] } ?? [])).filter { $0 != "-" }
    }

    /// The files reading the Kaldi rspecifier `spec` reads: its archive, or its scp and each
    /// archive the scp's lines name (the path before an entry's `:offset`); none for stdin (`-`).
    /// An scp that cannot be read counts as itself alone (its reader reports the error). A command
    /// (`ark:CMD |`, `scp:CMD |`) names no file seqlab knows (and is not run for this): none.
    public static func files(readBy spec: String) -> [String] {
        guard let parsed = try? KaldiSpecifier(spec) else { return spec == "-" ? [] : [spec] }
        guard parsed.path != "-", !parsed.isCommand else { return [] }
        guard parsed.kind == .scp, let entries = try? KaldiScp.read(path: parsed.path) else { return [parsed.path] }
        var seen: Set<String> = [], files = [parsed.path]
        for entry in entries where seen.insert(entry.archivePath).inserted { files.append(entry.archivePath) }
        return files
    }

    /// The scp through which reading the Kaldi rspecifier `spec` goes (`scp:PATH`, or a path ending
    /// in `.scp`), or nil when it reads an archive or stdin directly.
    public static func scp(readBy spec: String) -> String? {
        guard let parsed = try? KaldiSpecifier(spec), parsed.kind == .scp, parsed.path != "-", !parsed.isCommand else { return nil }
        return parsed.path
    }

    private static func identity(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard path != "-", stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }
}
