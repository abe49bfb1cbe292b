// WholeFile: the whole contents of a file, or of standard input for "-".
import Foundation

/// Reads all of `path` (`-` = standard input, read to its end). A pipe named by a path (a FIFO, or
/// `/dev/fd/N` of a shell's process substitution `<(…)`) is opened once and read to its end, which
/// `FileManager.contents(atPath:)` does not do. A file that cannot be read is an `InputError`
/// naming it and saying why (no such file, a folder, no permission).
public func readWholeFile(_ path: String) throws(InputError) -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    var info = stat()
    guard stat(path, &info) == 0 else { throw InputError(file: path, "no such file") }
    switch info.st_mode & S_IFMT {
    case S_IFDIR:
        throw InputError(file: path, "is a folder, expected a file")
    case S_IFREG:
        if let data = FileManager.default.contents(atPath: path) { return data }
    default:   // a FIFO, a pipe, a device: one open, read until its writer closes it
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            do { return try handle.readToEnd() ?? Data() } catch {}
        }
    }
    throw InputError(file: path, access(path, R_OK) != 0 ? "cannot read the file (permission denied)" : "cannot read the file")
}
