// seqlab decode: a feature archive and a model in, label sequences (Kaldi text, JSON lines or CTM) or predicted frames out.
import ArgumentParser
import Formats
import Foundation
import Labelling
import Tensors

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode features with a model: best path or prefix beam search, optional LM and lexicon.",
        discussion: """
        Reads a Kaldi archive (stdin or --feats) and writes one line per utterance:
          seqlab extract audio test/*.wav \\
            | seqlab decode -m digits.safetensors > hyp.txt
        An utterance that cannot be decoded (wrong dimension, NaN) is reported and
        skipped; the exit status is then 1.
        With --stream (unidirectional models), rows are decoded as they arrive. Partial
        results every --chunk frames: JSON lines on stdout with --format jsonl,
        otherwise on stderr when it is a terminal. Final lines are those of plain
        decode.
        The model's task (seqlab inspect shows it) decides the output:
          ctc: the decoded labels; sequence: `uttid label`; framewise: `uttid l1 … lT`,
          a label per frame; predict: a Kaldi text archive whose row t is the predicted
          frame t+1.
        """)

    @Option(help: "Feature archive or scp (- = stdin).", completion: .file()) var feats = "-"
    @OptionGroup var decoding: DecodingOptions
    @Option(help: "Threads for each utterance (a bidirectional model runs its two directions side by side; default: the cores, shared among the --jobs).") var threads: Int?
    @Option(help: "Utterances decoded at once, output in input order. More than one pays where one utterance cannot keep the cores busy: small models, a long beam search.") var jobs = 1
    @Flag(help: "Decode rows as they arrive and show partial results (unidirectional models).") var stream = false
    @Option(help: "With --stream: frames per network step and partial result (default 10).") var chunk: Int?

    /// Frames per streaming step.
    var chunkFrames: Int { chunk ?? 10 }

    /// Threads for each utterance: --threads, else the cores shared among the jobs.
    var threadsPerUtterance: Int { threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / jobs) }

    func validate() throws {
        try refuseStdinTwice([("--feats", feats)] + decoding.inputs)
        if stream && decoding.penVariants != nil {
            throw ValidationError("--pen-variants averages passes over whole utterances; it does not stream")
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if stream && jobs > 1 { throw ValidationError("--stream decodes one utterance as it arrives; --jobs decodes whole utterances") }
        if stream && decoding.maxMemory != nil {
            throw ValidationError("--max-memory bounds a whole utterance's forward pass; --stream holds one chunk at a time")
        }
        if let chunk {
            guard stream else { throw ValidationError("--chunk sets the step of --stream: give --stream too") }
            guard chunk >= 1 else { throw ValidationError("--chunk must be at least 1") }
        }
    }

    func run() throws {
        try Self.reportingErrors(decode)
    }

    /// What one utterance gives: lines of labels, or a predict model's frames.
    private enum Output: Sendable {
        case lines(String)
        case frames(key: String, Matrix)
        /// Features of a dimension the model does not take (summarised when many share it).
        case wrongDimension(InputError, key: String, dimension: Int)
    }

    private func decode() throws {
        setBLASThreads(threadsPerUtterance)
        if stream { return try runStreaming() }
        let labeller: Labeller
        let reader: KaldiArchiveReader
        do {
            var configured = try decoding.makeLabeller(for: Self.self)
            configured.useThreads(threadsPerUtterance)
            // --jobs utterances are in flight at once: each gets its share of the memory.
            configured.maxForwardBytes = configured.maxForwardBytes.map { $0 / jobs }
            labeller = configured
            if labeller.model.task == .predict && decoding.format != .text {
                throw InputError(file: decoding.model, "a predict model writes frames (a Kaldi text archive), not \(decoding.format.rawValue)")
            }
            reader = try KaldiArchiveReader(path: feats)
        } catch let error as InputError {
            Self.printMessage("\(error)")
            throw ExitCode.failure
        }
        let writer = decoding.writer(for: labeller)
        let name = feats == "-" ? "stdin" : feats
        var frames: KaldiArchiveWriter?
        if labeller.model.task == .predict {
            do { frames = try KaldiArchiveWriter(path: "-", mode: .text) } catch let error as InputError {
                Self.printMessage("\(error)")
                throw ExitCode.failure
            }
        }
        let predicts = frames != nil
        let process: @Sendable (Result<KaldiRecord, InputError>) -> Result<Output, InputError> = { item in
            let record: KaldiRecord
            switch item {
            case .success(let r): record = r
            case .failure(let error): return .failure(error)   // a bad scp entry: reported, the next one read
            }
            // (A 0-frame utterance is reported as having no frames, by the labeller.)
            if record.matrix.rows > 0, let error = labeller.dimensionMismatch(record.matrix, key: record.key, file: name) {
                return .success(.wrongDimension(error, key: record.key, dimension: record.matrix.cols))
            }
            do {
                if predicts {
                    return .success(.frames(key: record.key, try labeller.predictions(record.matrix, key: record.key, file: name)))
                }
                return .success(.lines(writer.lines(key: record.key, hypotheses: try labeller.labels(record.matrix, key: record.key, file: name))))
            } catch let error as InputError {
                return .failure(error)
            } catch {
                return .failure(InputError(file: name, place: record.key, "\(error)"))
            }
        }
        var failures = 0, records = 0
        var mismatches = DimensionMismatches()
        func emit(_ result: Result<Output, InputError>) throws {
            records += 1
            switch result {
            case .success(.lines(let text)): try writeOut(text)
            case .success(.frames(let key, let matrix)): try frames?.write(key: key, matrix: matrix)
            case .success(.wrongDimension(let error, let key, let dimension)):
                if mismatches.isFirst(dimension: dimension, key: key) { Self.printMessage("\(error)") }
                failures += 1
            case .failure(let error):
                Self.printMessage("\(error)")
                failures += 1
            }
        }
        do {
            if jobs == 1 {
                while let item = try reader.nextResult() { try emit(process(item)) }
            } else {
                try orderedParallelStream(jobs: jobs, window: 2 * jobs, next: { try reader.nextResult() }, work: process) { result in
                    try emit(result)
                    return true
                }
            }
        } catch let error as InputError {
            Self.printMessage("\(error)")   // a corrupt archive cannot be resynchronised: the utterances before it are out
            failures += 1
        }
        for line in mismatches.summaries(file: name, expected: labeller.model.inputDimension) { Self.printMessage(line) }
        try frames?.close()
        try Self.finishBatch(records: records, failures: failures, input: name)
    }
}
