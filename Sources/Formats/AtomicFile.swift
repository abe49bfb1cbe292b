// AtomicFile: replace a file all at once (temp file in the same folder, fsync, rename).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Tensors

/// Writes a file so that readers see either the old or the new content, never a partial one.
///
/// The bytes go to a temporary file in the same folder (so the rename stays on one file system),
/// are flushed with `fsync`, then `rename(2)` replaces the target atomically (POSIX). The folder
/// is synced too, so the rename survives a crash. Models and checkpoints are written this way.
/// A process killed mid-write leaves only its temporary file (`.NAME.tmp-XXXXXX`) beside the
/// untouched target; `removeLeftovers(of:)` deletes such files when the next run starts.
///
/// Only a regular file (or a new one) is replaced: a FIFO, a device or a socket (`/dev/null`, a
/// named pipe a reader waits on) is written in place, and a symbolic link (`/dev/stdout`, a link
/// into a shared folder) keeps being a link, its target written as the link's path would be.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            if (info.st_mode & S_IFMT) == S_IFLNK, let resolved = realpath(path, nil) {
                let target = String(cString: resolved)
                free(resolved)
                return try write(bytes, to: target)
            }
            return try writeInPlace(bytes, to: path)   // a FIFO, a device, or a link realpath cannot follow
        }
        let (fd, temporary) = try createTemporary(beside: path)
        do {
            let out = ByteOutput(descriptor: fd, name: path)
            try out.write(bytes)
            try out.sync()
            try out.close()
        } catch {
            unlink(temporary)
            throw error
        }
        try commit(temporary, to: path, mode: 0o644, syncFolder: true)
    }

    /// Throws the error `write(_:to:)` would meet making its temporary file beside `path` (a
    /// missing or read-only folder), without touching `path`: a temporary file is made and
    /// removed. For outputs written long after a command starts (a model after an epoch of
    /// training), so that a bad path stops it first. Targets that are not regular files (FIFOs,
    /// devices, links) are written through as they are, and pass.
    public static func checkWritable(_ path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG { return }
        let (fd, temporary) = try createTemporary(beside: path)
        close(fd)
        unlink(temporary)
    }

    /// Writes `bytes` through an ordinary open of `path` (following links), for the targets a
    /// rename must not replace.
    private static func writeInPlace(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw InputError(file: path, "cannot open for writing: \(systemErrorText())") }
        let out = ByteOutput(descriptor: fd, name: path)
        try out.write(bytes)
        try out.close()
    }

    /// Creates an empty temporary file beside `path` (`.BASE.tmp-XXXXXX`, mode 0600 until
    /// `commit`) and returns its open descriptor and its path.
    static func createTemporary(beside path: String) throws -> (descriptor: Int32, path: String) {
        let (prefix, base) = split(path)
        // mkstemp makes a unique name, so concurrent writers of one target cannot collide.
        var template = Array((prefix + temporaryPrefix(base) + "XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw InputError(file: path, "cannot create a temporary file beside it: \(systemErrorText())")
        }
        return (fd, String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Gives the closed `temporary` its final `mode` and renames it over `path` in one step
    /// (rename(2)); on failure the temporary file is removed and `path` is untouched. With
    /// `syncFolder` the folder is synced too, so the rename survives a power failure.
    static func commit(_ temporary: String, to path: String, mode: mode_t, syncFolder: Bool) throws {
        _ = chmod(temporary, mode)
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw InputError(file: path, "cannot replace file: \(reason)")
        }
        guard syncFolder else { return }
        let (prefix, _) = split(path)
        let dirFD = open(prefix.isEmpty ? "." : prefix, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// Deletes the temporary files that writes of `path` interrupted by a crash or SIGKILL left
    /// beside it (names `.BASE.tmp-` + six characters from mkstemp); returns the paths removed.
    /// Call it before a run that writes `path` starts, never while another process writes it.
    @discardableResult
    public static func removeLeftovers(of path: String) -> [String] {
        let (prefix, base) = split(path)
        let start = temporaryPrefix(base)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: prefix.isEmpty ? "." : prefix) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(start) && name.utf8.count == start.utf8.count + 6 {
            if unlink(prefix + name) == 0 { removed.append(prefix + name) }
        }
        return removed
    }

    /// The folder with its trailing "/" (empty for the current folder) and the file name.
    private static func split(_ path: String) -> (prefix: String, base: String) {
        let slash = path.lastIndex(of: "/")
        return (slash.map { String(path[...$0]) } ?? "", slash.map { String(path[path.index(after: $0)...]) } ?? path)
    }

    private static func temporaryPrefix(_ base: String) -> String { ".\(base).tmp-" }
}
