// seqlab inspect: a human summary of each file (Kaldi archive, safetensors model), detected by content.
import ArgumentParser
import Foundation
import Features
import Formats
import Labelling
import Tensors

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise files seqlab reads or writes: Kaldi archives, models, audio and pen-stroke files.",
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
        case .safetensors:
            let file = try SafeTensorsFile(contentsOf: path)
            var text = SafeTensorsSummary(name: path, file: file).description
            if file.metadata["seqlab.format_version"] != nil {
                text += "\n" + (try LabellingModel(file: file, name: path)).summary
            }
            return text
        case .unknown:
            if let info = try? AudioReader.info(path: path) { return "\(path): audio\n\(info)" }
            if let ink = try? InkSummary(path: path), !ink.samples.isEmpty { return ink.description }
            throw InputError(file: path, "not a file seqlab knows (expected a Kaldi archive, a safetensors file, audio libsndfile reads, or pen strokes)")
        }
    }
}
