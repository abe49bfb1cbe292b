// `seqlab extract strokes`: stroke files in, one feature matrix per labelled sample out (Kaldi ark).
import ArgumentParser
import Foundation
import Features
import Formats
import Tensors

extension InkFormat: ExpressibleByArgument {}
extension StrokeFeatureConfig.Scale: ExpressibleByArgument {}

/// How a label becomes Kaldi `text` tokens.
enum LabelTokens: String, CaseIterable, ExpressibleByArgument {
    /// One token per character; white space becomes the token `<space>`.
    case chars
    /// One token per white-space separated word.
    case words

    func split(_ label: String) -> [String] {
        switch self {
        case .chars: return label.map { $0.isWhitespace ? "<space>" : String($0) }
        case .words: return label.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        }
    }
}

struct ExtractStrokes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strokes",
        abstract: "Pen features (Δx, Δy, end of stroke [, direction, curvature]) of labelled ink, as a Kaldi archive.",
        discussion: """
        Reads UNIPEN 1.0 label files (and the UCI pendigits variant), IAM-OnDB stroke
        XML and seqlab's pen text format (docs/FORMATS.md); the format is guessed from
        content when --format is absent. Each labelled sample becomes one utterance,
        keyed <file>-<number> (the file's name without extension, with parent folders
        when needed to tell inputs apart; pen text may set ids; a file given twice is
        read once, with a warning); a bad sample is
        reported on stderr and skipped, and the exit status is then 1. Labels go
        to --text-out as Kaldi text: with --tokens words (the default) the label's
        words as they are ("id A MOVE to stop"), which `train` cuts into characters
        itself with character units; with --tokens chars one token per character, white
        space written as <space> ("id A <space> M O V E …"), for tools that take tokens
        as given.
          seqlab extract strokes --include-root unipen/include unipen/data/1a/*/*.dat \\
            --text-out text -o feats.ark
        """)

    @Argument(help: "Stroke files; '-' reads standard input.", completion: .file())
    var files: [String]

    @Option(help: "Input format: unipen, iam or pentext (default: guessed per file).")
    var format: InkFormat?

    @Option(name: .customLong("include-root"), help: "Folder that UNIPEN .INCLUDE paths are relative to (default: the including file's folder).", completion: .directory)
    var includeRoot: String?

    @Option(help: "Label for an IAM-OnDB file (one input file only); default: sidecar <name>.txt or the file's transcription.")
    var label: String?

    @Option(name: .customLong("text-out"), help: "Write the labels as a Kaldi text file here.", completion: .file())
    var textOut: String?

    @Option(help: "Write Kaldi utt2spk lines (uttid writer) here, for samples whose file names their writer (UNIPEN .WRITER_ID, pendigits comments); a warning counts the samples left out.", completion: .file())
    var utt2spk: String?

    @Option(help: "Label tokens in --text-out: words (the label as is) or chars (one per character, space as <space>).")
    var tokens: LabelTokens = .words

    @Option(name: [.short, .customLong("output")], help: "Feature archive to write; '-' is standard output.", completion: .file())
    var output = "-"

    @Flag(name: .customLong("text-ark"), help: "Write a text archive instead of a binary one.")
    var textArk = false

    @Option(help: "A stroke front-end config (--name=value lines, as --write-config writes); the flags below override it.", completion: .file())
    var config: String?

    @Option(name: .customLong("write-config"), help: "Write the front-end config used here (for train --frontend).", completion: .file())
    var writeConfig: String?

    @Option(help: "Resample each stroke every STEP along the pen path, in units of the sample height (e.g. 0.05; 0, the default: keep the recorded points).")
    var resample: Double?

    @Option(help: "Unit length: height (the sample's bounding box; default), resolution (0.25 inch at the file's resolution) or file (the typical height of the file's samples, so punctuation stays small).")
    var scale: StrokeFeatureConfig.Scale?

    @Flag(inversion: .prefixedNo, help: "Add cos and sin of the writing direction (default: no).")
    var direction: Bool?

    @Flag(inversion: .prefixedNo, help: "Add cos and sin of the curvature, the change of direction (default: no).")
    var curvature: Bool?

    @Flag(help: "No progress bar and no summary on stderr.")
    var quiet = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one stroke file (or '-' for standard input)") }
        guard files.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("'-' (standard input) can be given only once") }
        if let resample, !(resample >= 0 && resample.isFinite) { throw ValidationError("--resample expects a step of 0 (keep the recorded points) or more, got \(resample)") }
        try refuseStdinTwice([("the stroke file", files.contains("-") ? "-" : nil), ("--config", config)])
        if label != nil && files.count != 1 { throw ValidationError("--label applies to a single input file, got \(files.count)") }
        if textOut == "-" && output == "-" { throw ValidationError("--text-out and the archive cannot both go to standard output") }
        if utt2spk == "-" && (output == "-" || textOut == "-") {
            throw ValidationError("--utt2spk cannot share standard output with \(output == "-" ? "the archive" : "--text-out")")
        }
    }

    /// The front end: --config's lines, then each flag given as a `--name=value` line after them.
    func frontend() throws -> StrokeFeatureConfig {
        var text = ""
        if let config {
            text = String(decoding: try readWholeFile(config), as: UTF8.self) + "\n"
        }
        let flags: [(String, String?)] = [("scale", scale?.rawValue), ("resample-step", resample.map { "\($0)" }),
                                          ("direction", direction.map { "\($0)" }), ("curvature", curvature.map { "\($0)" })]
        text += flags.compactMap { name, value in value.map { "--\(name)=\($0)\n" } }.joined()
        return try StrokeFeatureConfig(text: text, file: config ?? "<command line>")
    }

    func run() throws {
        try Self.reportingErrors(extract)
    }

    private func extract() throws {
        let outputs: [(option: String, path: String?)] = [("-o", output), ("--text-out", textOut), ("--utt2spk", utt2spk), ("--write-config", writeConfig)]
        try Self.refuseSharedOutputs(SameFile.files(ofSpecifier: output).map { ("-o", $0) } + outputs.dropFirst())
        // No output over a stroke file, nor over a file a UNIPEN file includes (found by a first
        // pass over the .INCLUDE lines); --write-config may rewrite --config (it is read first).
        try Self.refuseReplacingInputs(outputs: outputs,
                                       inputs: files + files.flatMap { inkIncludedFiles(path: $0, format: format, includeRoot: includeRoot) })
        try Self.refuseReplacingInputs(outputs: Array(outputs.dropLast()), inputs: [config])
        Interrupt.install()
        let config = try frontend()
        for leftover in KaldiArchiveWriter.removeLeftovers(of: output) {
            Self.printMessage("removed \(leftover), left by an interrupted write")
        }
        // --write-config is committed once the inputs are read, as the others are.
        let labelsFile = try Self.openSideOutput(textOut), speakersFile = try Self.openSideOutput(utt2spk)
        let configFile = try Self.openSideOutput(writeConfig)
        let writer = try KaldiArchiveWriter(path: output, mode: textArk ? .text : .binary)
        var entries: [(key: String, tokens: [String])] = []
        var writers = "", withoutWriter = 0, firstWithoutWriter = ""
        var written: [String: String] = [:]   // utterance id → where it came from
        var rejected = 0, failedFiles = 0, frames = 0
        // Utterance ids: <file key>-<sample number>, file keys made distinct over all inputs; a
        // file given twice is read once.
        let inputs = KeyedInputFiles(files)
        for warning in inputs.repeatWarnings { Self.printWarning(warning) }
        let progress = ProgressBar("extract strokes", total: inputs.items.count, quiet: quiet, dataOnStdout: output == "-")
        for (key, file) in inputs.items {
            if Interrupt.requested { break }
            let read: InkReadResult
            do {
                if file == "-" {
                    read = try readInkSamples(data: FileHandle.standardInput.readDataToEndOfFile(), name: "stdin", format: format,
                                              includeRoot: includeRoot, label: label, idPrefix: key)
                } else {
                    read = try readInkSamples(path: file, format: format, includeRoot: includeRoot, label: label, idPrefix: key)
                }
            } catch {
                progress.finish()
                Self.printMessage("\(error)")
                failedFiles += 1
                progress.advance()
                continue
            }
            if read.samples.isEmpty && read.rejected.isEmpty {
                progress.finish()
                let expected = switch format {
                case .unipen?: "expected UNIPEN .SEGMENT lines with pen data, as --format unipen says"
                case .pentext?: "expected pen-text points, as --format pentext says"
                case .iam?, nil: "expected UNIPEN, IAM-OnDB XML or pen text"
                }
                Self.printMessage("\(file == "-" ? "stdin" : file): no pen samples found (\(expected))")
                failedFiles += 1
                progress.advance()
                continue
            }
            // Standard input's includes are known only now: an output over one of them is refused
            // here, with nothing committed (the archive and side outputs are still temporary files).
            do {
                try Self.refuseReplacingInputs(outputs: outputs, inputs: read.included)
            } catch {
                progress.finish()
                writer.abandon()
                for file in [labelsFile, speakersFile, configFile] { file?.abandon() }
                throw error
            }
            if !read.rejected.isEmpty || !read.warnings.isEmpty { progress.finish() }
            for note in read.warnings { Self.printWarning("\(note)") }
            for note in read.rejected { Self.printMessage("\(note)") }
            rejected += read.rejected.count
            if config.scale == .resolution, read.samples.contains(where: { !(($0.pointsPerInch?.y ?? 0) > 0) }) {
                progress.finish()
                Self.printMessage("\(file == "-" ? "stdin" : file): gives no resolution (.Y_POINTS_PER_INCH) for some samples; --scale resolution makes each of those its own height instead")
            }
            let fileUnit = config.fileUnit(for: read.samples)
            for sample in read.samples {
                let place = "\(sample.source.file): line \(sample.source.line)"
                if let first = written[sample.id] {
                    progress.finish()
                    Self.printMessage("\(place): duplicate utterance id \(sample.id) (first from \(first)); skipped")
                    rejected += 1
                    continue
                }
                let features: Matrix
                do {
                    features = try checkedStrokeFeatures(sample, config: config, fileUnit: fileUnit)
                } catch {
                    progress.finish()
                    Self.printMessage("\(error); skipped")
                    rejected += 1
                    continue
                }
                written[sample.id] = place
                try writer.write(key: sample.id, matrix: features)
                frames += features.rows
                entries.append((sample.id, tokens.split(sample.label)))
                if let w = sample.writer {
                    writers += "\(sample.id) \(w.replacingOccurrences(of: " ", with: "_"))\n"
                } else {
                    if withoutWriter == 0 { firstWithoutWriter = sample.id }
                    withoutWriter += 1
                }
            }
            progress.advance(note: "\(written.count) samples")
        }
        progress.finish()
        if let configFile {
            try configFile.write(Array(config.text.utf8))
            try configFile.commit()
        }
        // Pen text and IAM-OnDB files name no writer: utt2spk would be short, or empty, without a word.
        if utt2spk != nil && withoutWriter > 0 {
            Self.printWarning("\(withoutWriter) sample\(withoutWriter == 1 ? " names" : "s name") no writer (first \(firstWithoutWriter)); --utt2spk lists only the \(written.count - withoutWriter) that do")
        }
        // Nothing came out: the archive and labels a run before wrote stay as they were.
        let nothing = try Self.closeArchive(writer, wroteAny: !written.isEmpty, sideOutputs: [
            (labelsFile, { try KaldiText.encoded(entries, name: labelsFile?.name ?? "") }),
            (speakersFile, { Array(writers.utf8) }),
        ])
        if !quiet {
            Self.printMessage("\(counted(written.count, "sample")) (\(counted(frames, "frame")) × \(config.dimension)) from \(inputs.items.count) file(s); \(rejected) rejected, \(failedFiles) file(s) failed")
        }
        if nothing { try Self.nothingWritten("sample", output: output) }
        if Interrupt.requested {
            Self.printMessage("interrupted; \(output == "-" ? "the archive" : output) holds the \(written.count) complete samples written before the signal")
            throw ExitCode(Interrupt.exitStatus)
        }
        if rejected > 0 || failedFiles > 0 { throw ExitCode(1) }
    }
}
