// InputList: the files a batch command works on: arguments, a Kaldi wav.scp, or paths on stdin.
import Foundation
import Formats

/// The (utterance id, path) pairs named by `files` (or `-`: one path a line on stdin) or by `scp`.
/// Without an scp the id is the file name without its extension.
func inputList(files: [String], scp: String?) throws -> [(key: String, path: String)] {
    if let scp {
        return try WavScp.read(path: scp).map { ($0.key, $0.path) }
    }
    var paths = files
    if files == ["-"] {
        var lines: [String] = []
        while let line = readLine() {
            let path = line.trimmingCharacters(in: .whitespaces)
            if !path.isEmpty { lines.append(path) }
        }
        paths = lines
    }
    return paths.map { (URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent, $0) }
}
