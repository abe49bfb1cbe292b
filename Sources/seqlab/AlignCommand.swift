// seqlab align: CTC forced alignment of known transcripts to features, as CTM or JSON lines.
import ArgumentParser
import Formats
import Foundation
import Labelling
import Tensors

struct Align: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align",
        abstract: "Align known transcripts to features (CTC Viterbi): per-token frame and time spans.",
        discussion: """
          seqlab extract audio --config C --scp wav.scp \\
            | seqlab align -m model.safetensors --text text > spans.ctm
        An utterance whose transcript cannot fit its frames, or has a token outside the
        model's alphabet, is reported and skipped (exit status 1).
        """)

    @Option(help: "Feature archive or scp (- = stdin).", completion: .file()) var feats = "-"
    @Option(name: [.short, .customLong("model")], help: "The model.", completion: .file()) var model: String
    @Option(help: "Kaldi text with the transcripts.", completion: .file()) var text: String
    @Option(help: "Output: ctm or jsonl.") var format: AlignmentFormat = .ctm
    @Option(help: "CTM lines (and a JSON line's timed words) per token or per word (characters between spaces of a character model).")
    var ctmUnit: TimingUnit = .token
    @Option(name: .customLong("threads"), help: "Threads for each utterance (a bidirectional model runs its two directions side by side; default: all cores).")
    var threadsOption: Int?
    /// --threads, or every core.
    var threads: Int { threadsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let threadsOption, threadsOption < 1 { throw ValidationError("--threads must be at least 1, got \(threadsOption)") }
        try refuseStdinTwice([("--feats", feats), ("--model", model), ("--text", text)])
    }

    func run() throws {
        try Self.reportingErrors(align)
    }

    private func align() throws {
        setBLASThreads(threads)
        keepFreedMemory()   // each utterance's buffers are not faulted in afresh
        let labeller: Labeller, entries: [KaldiTextEntry], transcripts: [String: [String]], reader: KaldiArchiveReader
        do {
            var configured = Labeller(model: try LabellingModel(contentsOf: model), bestPath: true)
            guard configured.model.task == .ctc else {
                throw InputError(file: model, "a \(configured.model.task.rawValue) model has no CTC alignment; align needs a --task ctc model")
            }
            // As decode runs the network: a bidirectional model's directions side by side, and an
            // LSTM's weights packed once for float inference (the same bits as unpacked).
            configured.useThreads(threads)
            _ = configured.usePrecision(.float32)
            labeller = configured
            entries = try KaldiText.readLabels(path: text)
            transcripts = Dictionary(entries.map { ($0.key, labeller.model.tokenUnit.tokens(of: $0.tokens)) }, uniquingKeysWith: { a, _ in a })
            reader = try KaldiArchiveReader(path: feats)
        } catch let error as InputError {
            Self.printMessage("\(error)")
            throw ExitCode.failure
        }
        let name = feats == "-" ? "stdin" : feats
        let writer = HypothesisWriter(format: format.outputFormat, tokenUnit: labeller.model.tokenUnit, frameShift: labeller.model.frameShiftSeconds,
                                      timingUnit: ctmUnit)
        var failures = 0, records = 0
        var seen = Set<String>()
        var mismatches = DimensionMismatches()
        var outputError: Error?
        do {
            while let item = try reader.nextResult() {
                records += 1
                let record: KaldiRecord
                switch item {
                case .success(let r): record = r
                case .failure(let error):   // a bad scp entry; the next one is read
                    Self.printMessage("\(error)")
                    failures += 1
                    continue
                }
                seen.insert(record.key)
                if record.matrix.rows > 0, let error = labeller.dimensionMismatch(record.matrix, key: record.key, file: name) {
                    if mismatches.isFirst(dimension: record.matrix.cols, key: record.key) { Self.printMessage("\(error)") }
                    failures += 1
                    continue
                }
                guard let tokens = transcripts[record.key] else {
                    Self.printMessage("\(text): \(record.key): no transcript for this utterance; skipped")
                    failures += 1
                    continue
                }
                let lines: String
                do {
                    let alignment = try labeller.align(record.matrix, tokens: tokens, key: record.key, file: name, textFile: text)
                    lines = writer.lines(key: record.key, hypotheses: [alignment])
                } catch let error as InputError {
                    Self.printMessage("\(error)")
                    failures += 1
                    continue
                }
                do { try writeOut(lines) } catch { outputError = error; break }
            }
        } catch let error as InputError {
            Self.printMessage("\(error)")
            failures += 1
        }
        // Stdout failing (a full disk) ends the run there, without the notes on what was not aligned.
        if let outputError { throw outputError }
        for line in mismatches.summaries(file: name, expected: labeller.model.inputDimension) { Self.printMessage(line) }
        // As train: a transcript whose utterance never came is reported (and the exit status is 1).
        if records > 0 {
            for entry in entries where !seen.contains(entry.key) {
                Self.printWarning("\(KaldiText.labelWithoutFeatures(entry, textPath: text, features: name))")
                failures += 1
            }
        }
        try Self.finishBatch(records: records, failures: failures, input: name)
    }
}

/// The formats an alignment is written in (Kaldi text has no times).
enum AlignmentFormat: String, ExpressibleByArgument, CaseIterable {
    case ctm, jsonl
    var outputFormat: OutputFormat { self == .ctm ? .ctm : .jsonl }
}
