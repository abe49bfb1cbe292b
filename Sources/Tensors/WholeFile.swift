// WholeFile: the whole contents of a file, or of standard input for "-".
import Foundation

/// Reads all of `path` (`-` = standard input, read to its end); a file that cannot be read is an
/// `InputError` naming it.
public func readWholeFile(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let data = FileManager.default.contents(atPath: path) else { throw InputError(file: path, "cannot read the file") }
    return data
}
