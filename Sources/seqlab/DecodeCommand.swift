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

    @Option(help: "Feature archive or scp (- = stdin).") var feats = "-"
    @OptionGroup var decoding: DecodingOptions
    @Option(help: "Threads for each utterance (a bidirectional model runs its two directions side by side).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Decode rows as they arrive and show partial results (unidirectional models).") var stream = false
    @Option(help: "With --stream: frames per network step and partial result (default 10).") var chunk: Int?

    /// Frames per streaming step.
    var chunkFrames: Int { chunk ?? 10 }

    func validate() throws {
        if stream && decoding.penVariants != nil {
            throw ValidationError("--pen-variants averages passes over whole utterances; it does not stream")
        }
        if let chunk {
            guard stream else { throw ValidationError("--chunk sets the step of --stream: give --stream too") }
            guard chunk >= 1 else { throw ValidationError("--chunk must be at least 1") }
        }
    }

    func run() throws {
        try Self.reportingErrors(decode)
    }

    private func decode() throws {
        setBLASThreads(threads)
        if stream { return try runStreaming() }
        let labeller: Labeller
        let reader: KaldiArchiveReader
        do {
            var configured = try decoding.makeLabeller(for: Self.self)
            configured.useThreads(threads)
            labeller = configured
            reader = try KaldiArchiveReader(path: feats)
        } catch let error as InputError {
            Self.printMessage("\(error)")
            throw ExitCode.failure
        }
        let writer = decoding.writer(for: labeller)
        let name = feats == "-" ? "stdin" : feats
        var frames: KaldiArchiveWriter?
        if labeller.model.task == .predict {
            guard decoding.format == .text else {
                Self.printMessage("a predict model writes frames (a Kaldi text archive), not \(decoding.format.rawValue)")
                throw ExitCode.failure
            }
            do { frames = try KaldiArchiveWriter(path: "-", mode: .text) } catch let error as InputError {
                Self.printMessage("\(error)")
                throw ExitCode.failure
            }
        }
        var failures = 0
        while true {
            let record: KaldiRecord
            do {
                guard let r = try reader.next() else { break }
                record = r
            } catch let error as InputError {
                Self.printMessage("\(error)")
                failures += 1
                break   // a corrupt archive cannot be resynchronised
            }
            do {
                if let frames {
                    try frames.write(key: record.key, matrix: try labeller.predictions(record.matrix, key: record.key, file: name))
                } else {
                    writeOut(writer.lines(key: record.key, hypotheses: try labeller.labels(record.matrix, key: record.key, file: name)))
                }
            } catch let error as InputError {
                Self.printMessage("\(error)")
                failures += 1
            }
        }
        try frames?.close()
        if failures > 0 { throw ExitCode.failure }
    }
}
