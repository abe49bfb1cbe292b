// seqlab inspect: a human summary of each file (Kaldi archive, safetensors model), detected by content.
import ArgumentParser
import Decoding
import Foundation
import Features
import Formats
import GridRL
import Labelling
import Plotting
import Tensors
import Training

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise files seqlab reads or writes: Kaldi archives, models, audio and pen-stroke files, ARPA models, training logs, front-end configs, grid maps, Kaldi text, ctm, utt2spk, spk2utt, wav.scp and segments lists.",
        discussion: """
        The kind is detected from the content, not the name. "-" reads a Kaldi archive
        from stdin; Kaldi specifiers (ark:PATH, scp:PATH, ark:CMD | reading a
        command's stdout) are accepted. Summaries go to stdout, errors to stderr; the
        exit status is non-zero if any file could not be read. Kaldi lists are told
        apart by their lines: a wav.scp's entries are audio files (checked from the
        current folder: a missing one makes the exit status non-zero) or commands
        ending in '|' (counted with the programs they run, not run; the audio files
        their words name are checked as plain entries are); the times of a ctm have
        a decimal point, and so have a segments file's (a
        segment's end may be -1) unless no recording (second field) is a number or the
        file is named segments, when whole-number times are read as segments too (a
        text of digit labels has a number there); lines both could be (5 fields,
        decimal times, a whole number last) are segments when the file is
        named segments or a second field is a recording id, not a ctm channel (a whole
        number or one letter), and a ctm when it is named *.ctm or a key repeats (a
        segment's id is unique) or every second field is a channel; utt2spk and spk2utt
        follow Kaldi's naming (each
        utterance id starts with its speaker's); a text's keys are unique utterance
        ids. Lines of a key and one word that does not start the key are said to be a
        one-word text or an utt2spk, which the content does not tell.
        """)

    @Argument(help: "Files to summarise (\"-\" for a Kaldi archive on stdin).", completion: .file())
    var files: [String]

    @Option(name: .customLong("include-root"), help: "Folder that UNIPEN .INCLUDE paths are relative to (default: the including file's folder).", completion: .directory)
    var includeRoot: String?

    func validate() throws {
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("only one of the files can be \"-\" (stdin)") }
    }

    func run() throws {
        var failed = false
        for (i, path) in files.enumerated() {
            let summarised: (text: String, problems: [InputError], warnings: [InputError])
            do {
                summarised = try summary(of: path)
            } catch {
                Self.printMessage("\(error)")
                failed = true
                continue
            }
            // Stdout failing (a full disk) ends the run: the next summaries would be lost as well.
            try Self.reportingErrors { try writeOut((i > 0 ? "\n" : "") + summarised.text + "\n") }
            for note in summarised.warnings { Self.printWarning("\(note)") }
            for note in summarised.problems { Self.printMessage("\(note)") }
            if !summarised.problems.isEmpty { failed = true }
        }
        if failed { throw ExitCode.failure }
    }

    /// Extensions whose reader's own error is reported when a file of unknown content cannot be read.
    static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "aif", "aiff", "au", "snd", "w64", "caf", "mp3"]
    static let inkExtensions: Set<String> = ["dat", "doc", "xml", "pen", "tra", "tes", "unp"]

    /// The summary for one file, by kind (add new kinds here and in `FileKind`), the parts of it
    /// that could not be read (rejected pen samples), which make the exit status non-zero, and
    /// warnings that do not (an unreadable UNIPEN include).
    func summary(of path: String) throws -> (String, [InputError], [InputError]) {
        switch try FileKind.detect(path: path) {
        case .kaldiArchive:
            // A wav.scp is read as the list of audio files it is, not as a feature scp.
            if path.hasSuffix(".scp"), FileManager.default.fileExists(atPath: path),
               let list = try? ListSummary.summarise(path: path), list.kind == .wavScp {
                return (list.description, list.problems, [])
            }
            let archive = try ArchiveSummary(path: path)
            if archive.utterances == 0 && archive.problems.isEmpty { throw InputError.noUtterances(in: archive.name) }   // an empty scp or stdin
            return (archive.description, archive.problems, [])
        case .safetensors:
            let file = try SafeTensorsFile(contentsOf: path)
            var text = SafeTensorsSummary(name: path, file: file).description
            if file.metadata["architecture"] == "dqn-mlp" {   // a grid Q-network: unusable when a weight is not finite
                do { _ = try QNetwork<Float>.load(file, path: path) } catch let error as InputError { return (text, [error], []) }
            }
            if file.metadata["seqlab.format_version"] != nil {
                if file.metadata["seqlab.checkpoint.state"] != nil {
                    let checkpoint = try Checkpoint(file: file, path: path)
                    text += "\n" + checkpoint.model.summary + "\n" + checkpoint.summary
                } else {
                    text += "\n" + (try LabellingModel(file: file, name: path)).summary
                }
            }
            return (text, [], [])
        case .arpa:   // read once, by the model reader (not tried as audio or pen strokes first)
            return (try arpaSummary(NGramModel(path: path), path: path), [], [])
        case .unknown:
            var audioError: Error?, inkError: Error?
            do { return ("\(path): audio\n\(try AudioReader.info(path: path))", [], []) } catch { audioError = error }
            do {
                let ink = try InkSummary(path: path, includeRoot: includeRoot)
                if !ink.samples.isEmpty { return (ink.description, ink.rejected, ink.warnings) }
                if ink.rejected.isEmpty, let text = InkSummary.unsegmentedUNIPEN(path: path) { return (text, [], ink.warnings) }
                // Nothing read: an unreadable include (a root not given) says more than the segments it starved.
                if let first = ink.warnings.first ?? ink.rejected.first { throw first }
            } catch { inkError = error }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            if size == 0 { throw InputError(file: path, "the file is empty") }
            let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
            if let text = try textSummary(of: path, extension: ext) { return (text, [], []) }
            if let list = try ListSummary.summarise(path: path) { return (list.description, list.problems, []) }
            // Not readable: the reader the file's name points to says why.
            if Self.audioExtensions.contains(ext), let audioError { throw audioError }
            if Self.inkExtensions.contains(ext), let inkError { throw inkError }
            if ext == "safetensors" { _ = try SafeTensorsFile(contentsOf: path) }
            if ext == "ark" { _ = try ArchiveSummary(path: path) }
            throw InputError(file: path, "not a file seqlab knows (expected a Kaldi archive, a safetensors file, audio libsndfile reads, pen strokes, an ARPA model, a train --log file, a front-end config, a grid map, or a Kaldi text, ctm, utt2spk, spk2utt, wav.scp or segments whose lines start with unique utterance keys)")
        }
    }

    /// The summary of an ARPA model: its order and n-grams per order.
    func arpaSummary(_ lm: NGramModel, path: String) -> String {
        "\(path): ARPA n-gram model\n  order: \(lm.order)\n  n-grams per order: \(lm.counts.map(String.init).joined(separator: " "))"
    }

    /// The summary of the text files seqlab reads or writes besides archives, told apart by their
    /// content: an ARPA n-gram model (`lm build`), a training log (`train --log`), a front-end
    /// config (`extract --config`, `--frontend`), a grid map (`.grid`). Nil for none of these; a
    /// file that starts like one but does not read as one throws that reader's error.
    func textSummary(of path: String, extension ext: String) throws -> String? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            if ext == "grid" { _ = try GridMap(contentsOf: path) }   // says where the text stops being UTF-8
            return nil
        }
        // What the checks below need of the lines, in one pass, each line trimmed as it is read (a
        // list of a million lines is not copied).
        var first: String?, arpa = false, allOptions = true, grid = false
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if first == nil { first = line }
            if line == "\\data\\" { arpa = true }
            if !(line.hasPrefix("--") || line.hasPrefix("#")) { allOptions = false }
            if line == "grid" { grid = true }
        }
        guard let first else { return nil }
        // ARPA allows free text before \data\ (CMU's QuickLM writes its name and date there), as
        // the model reader does.
        if arpa {   // after more free text than FileKind looks at
            return arpaSummary(try NGramModel(arpa: text, file: path), path: path)
        }
        if first.hasPrefix("{") && first.contains("\"epoch\"") {
            let log = try TrainingLogEntry.read(data, file: path)
            if let warning = TrainingLogEntry.restartWarning(log, file: path) { Self.printWarning(warning) }
            var out = "\(path): training log (train --log)\n  epochs: \(log.count) (\(log.first!.epoch)–\(log.last!.epoch))"
            out += String(format: "\n  train loss: %.4g → %.4g", log.first!.trainLoss, log.last!.trainLoss)
            let rated = log.filter { $0.validLabelErrorRate != nil }
            // The epoch train keeps (`Trainer.improves`).
            let best = rated.reduce(nil as TrainingLogEntry?) { best, e in
                guard let best else { return e }
                return Trainer.improves(error: e.validLabelErrorRate!, loss: e.validLoss ?? .infinity,
                                        over: best.validLabelErrorRate!, loss: best.validLoss ?? .infinity) ? e : best
            }
            let last = log.last!
            out += "\n  task: \(last.task ?? "ctc")\(last.task == nil ? " (logs without a task are CTC's)" : "")"
            if let best {
                out += "\n  best validation \(last.errorName.name): \(last.formatError(best.validLabelErrorRate!)) at epoch \(best.epoch)"
                    + " (last \(last.formatError(rated.last!.validLabelErrorRate!)))"
            }
            if let rate = log.last!.learningRate { out += "\n  last learning rate: \(rate)" }
            return out
        }
        if allOptions {
            let frontEnd = try FrontEnd(text: text, file: path)
            let options = frontEnd.text.split(separator: "\n").joined(separator: " ")
            return "\(path): front-end config (\(frontEnd.kind), \(frontEnd.dimension) dims)\n  \(options)"
        }
        if ext == "grid" || grid {
            let map = try GridMap(contentsOf: path)
            let terminals = (0..<map.cellCount).filter(map.isTerminal).count
            return "\(path): grid map\(map.name.isEmpty ? "" : " (\(map.name))")\n  \(map.rows)×\(map.cols) cells, \(terminals) terminal(s), discount \(map.discount)"
        }
        return nil
    }
}
