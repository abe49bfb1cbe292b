// AtomicFile: replace a file all at once (temp file in the same folder, fsync, rename).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensors

/// Writes a file so that readers see either the old or the new content, never a partial one.
///
/// The bytes go to a temporary file in the same folder (so the rename stays on one file system),
/// are flushed with `fsync`, then `rename(2)` replaces the target atomically (POSIX). The folder
/// is synced too, so the rename survives a crash. Models and checkpoints are written this way.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (folder.isEmpty ? "" : folder + "/") + ".\(base).tmp-\(getpid())"
        do {
            let out = try ByteOutput(path: temporary)
            try out.write(bytes)
            try out.sync()
            try out.close()
        } catch {
            unlink(temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw InputError(file: path, "cannot replace file: \(reason)")
        }
        let dirFD = open(folder.isEmpty ? "/" : folder, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }
}
