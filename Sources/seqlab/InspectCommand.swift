// seqlab inspect: a human summary of each file (Kaldi archive, safetensors model), detected by content.
import ArgumentParser
import Foundation
import Features
import Formats
import Labelling
import Tensors
import Training

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise files seqlab reads or writes: Kaldi archives, models, audio and pen-stroke files.",
        discussion: """
        The kind is detected from the content, not the name. "-" reads a Kaldi archive
        from stdin; Kaldi specifiers (ark:PATH, scp:PATH) are accepted. Summaries go to
        stdout, errors to stderr; the exit status is non-zero if any file could not be
        read.
        """)

    @Argument(help: "Files to summarise (\"-\" for a Kaldi archive on stdin).")
    var files: [String]

    func run() throws {
        var failed = false
        for (i, path) in files.enumerated() {
            do {
                let (text, problems) = try summary(of: path)
                print((i > 0 ? "\n" : "") + text)
                for problem in problems { Self.printMessage("\(problem)") }
                if !problems.isEmpty { failed = true }
            } catch {
                Self.printMessage("\(error)")
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// Extensions whose reader's own error is reported when a file of unknown content cannot be read.
    static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "aif", "aiff", "au", "snd", "w64", "caf", "mp3"]
    static let inkExtensions: Set<String> = ["dat", "doc", "xml", "pen", "tra", "tes", "unp"]

    /// The summary for one file, by kind (add new kinds here and in `FileKind`), and the parts of it
    /// that could not be read (rejected pen samples), which make the exit status non-zero.
    func summary(of path: String) throws -> (String, [InputError]) {
        switch try FileKind.detect(path: path) {
        case .kaldiArchive:
            let archive = try ArchiveSummary(path: path)
            if archive.utterances == 0 { throw InputError.noUtterances(in: archive.name) }   // an empty scp or stdin
            return (archive.description, [])
        case .safetensors:
            let file = try SafeTensorsFile(contentsOf: path)
            var text = SafeTensorsSummary(name: path, file: file).description
            if file.metadata["seqlab.format_version"] != nil {
                if file.metadata["seqlab.checkpoint.state"] != nil {
                    let checkpoint = try Checkpoint(file: file, path: path)
                    text += "\n" + checkpoint.model.summary + "\n" + checkpoint.summary
                } else {
                    text += "\n" + (try LabellingModel(file: file, name: path)).summary
                }
            }
            return (text, [])
        case .unknown:
            var audioError: Error?, inkError: Error?
            do { return ("\(path): audio\n\(try AudioReader.info(path: path))", []) } catch { audioError = error }
            do {
                let ink = try InkSummary(path: path)
                if !ink.samples.isEmpty { return (ink.description, ink.rejected) }
                if let first = ink.rejected.first { throw first }
            } catch { inkError = error }
            // Not readable: the reader the file's name points to says why.
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            if size == 0 { throw InputError(file: path, "the file is empty") }
            let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
            if Self.audioExtensions.contains(ext), let audioError { throw audioError }
            if Self.inkExtensions.contains(ext), let inkError { throw inkError }
            if ext == "safetensors" { _ = try SafeTensorsFile(contentsOf: path) }
            if ext == "ark" { _ = try ArchiveSummary(path: path) }
            throw InputError(file: path, "not a file seqlab knows (expected a Kaldi archive, a safetensors file, audio libsndfile reads, or pen strokes)")
        }
    }
}
