// seqlab inspect: a human summary of each file (Kaldi archive, safetensors model), detected by content.
import ArgumentParser
import Foundation
import Formats
import Tensors

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise files seqlab reads or writes: Kaldi archives and safetensors models.",
        discussion: """
        The kind is detected from the content, not the name. "-" reads a Kaldi archive from stdin;
        Kaldi specifiers (ark:PATH, scp:PATH) are accepted. Summaries go to stdout, errors to stderr;
        the exit status is non-zero if any file could not be read.
        """)

    @Argument(help: "Files to summarise (\"-\" for a Kaldi archive on stdin).")
    var files: [String]

    func run() throws {
        var failed = false
        for (i, path) in files.enumerated() {
            do {
                let text = try summary(of: path)
                print((i > 0 ? "\n" : "") + text)
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// The summary for one file, by kind (add new kinds here and in `FileKind`).
    func summary(of path: String) throws -> String {
        switch try FileKind.detect(path: path) {
        case .kaldiArchive: return try ArchiveSummary(path: path).description
        case .safetensors: return try SafeTensorsSummary(path: path).description
        case .unknown: throw InputError(file: path, "not a file seqlab knows (expected a Kaldi archive or a safetensors file)")
        }
    }
}
