// seqlab score: error rates of hypothesis transcripts against references (Kaldi compute-wer style).
import ArgumentParser
import Decoding
import Formats
import Tensors
import Foundation

extension ScoreUnit: ExpressibleByArgument {}
extension ScoreMode: ExpressibleByArgument {}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score hypothesis transcripts against references: token, character or word error rate.",
        discussion: """
        Both files are Kaldi `text` files (`uttid label label …`); "-" reads one of
        them from stdin, and a Kaldi "ark:" or "ark,t:" prefix is accepted.
        Totals go to stdout in Kaldi compute-wer's format, labelled by unit
        (%WER, %CER, %TER):
          %WER 12.34 [ 56 / 454, 10 ins, 20 del, 26 sub ]
          %SER 50.00 [ 1 / 2 ]
          Scored 2 sentences, 0 not present in hyp.
        A reference utterance without a hypothesis is named on stderr and, by --mode
        (as compute-wer's): all = scored as an empty hypothesis (all deletions),
        present = left out, strict = an error (exit status 1, no totals). Hypotheses
        without a reference are named on stderr and not scored.
        With --unit utterance (sequence classification) a fourth line gives the
        accuracy:
          %ACC 97.50 [ 390 / 400 correct ]
        --details first prints, per utterance, the aligned ref/hyp/op lines and `#csid`
        counts.
        """)

    @Option(name: .customLong("ref"), help: "Reference Kaldi text file.", completion: .file())
    var reference: String

    @Option(name: .customLong("hyp"), help: "Hypothesis Kaldi text file.", completion: .file())
    var hypothesis: String

    @Option(help: "Unit to count: token (each label), char (characters, spaces included), word, or utterance (the whole transcript: classification error %UER and accuracy %ACC).")
    var unit: ScoreUnit = .word

    @Option(help: "Label that separates words (e.g. \"|\" or \"<space>\"); words are the labels between them.")
    var wordBoundary: String?

    @Option(help: "Reference utterances missing from the hypotheses: all, present or strict.")
    var mode: ScoreMode = .all

    @Flag(help: "Print per-utterance alignments before the totals.")
    var details = false

    func validate() throws {
        if wordBoundary != nil && unit == .token {
            throw ValidationError("--word-boundary splits characters into words; --unit token scores the tokens as they are")
        }
        if reference == "-" && hypothesis == "-" {
            throw ValidationError("--ref and --hyp cannot both be \"-\" (stdin)")
        }
    }

    func run() throws {
        try Self.reportingErrors(score)
    }

    private func score() throws {
        func read(_ specifier: String) throws -> [TranscriptEntry] {
            var path = specifier
            if path.hasPrefix("scp:") || path.hasPrefix("scp,") {
                throw InputError(file: specifier, "an scp: specifier lists the records of feature archives, not a Kaldi text file of transcripts; give the text file's path (or ark:PATH)")
            }
            if path.hasPrefix("ark:") || path.hasPrefix("ark,"), let colon = path.firstIndex(of: ":") {
                path = String(path[path.index(after: colon)...])
            }
            return try KaldiText.read(path: path).map { TranscriptEntry(key: $0.key, tokens: $0.tokens, line: $0.line) }
        }
        let references = try read(reference)
        guard !references.isEmpty else {   // an error rate over nothing would read 0.00
            throw InputError(file: reference == "-" ? "stdin" : reference, "no utterances (expected Kaldi text lines: uttid token …)")
        }
        let report = ScoreReport(reference: references, hypothesis: try read(hypothesis), unit: unit,
                                 wordBoundary: wordBoundary, mode: mode)
        if !report.missingInHypothesis.isEmpty {
            let what = ["all": "scored as empty", "present": "not scored", "strict": "not allowed with --mode strict"][mode.rawValue]!
            let message = "\(report.missingInHypothesis.count) reference utterance(s) have no hypothesis, \(what): "
                + keyList(report.missingInHypothesis)
            if mode == .strict {
                Self.printMessage(message)
                throw ExitCode.failure
            }
            Self.printWarning(message)
        }
        // No utterance in both files: an error rate over nothing (or over deletions only) would be a
        // figure about a mismatch of keys, not about the hypotheses.
        if report.missingInHypothesis.count == references.count {
            Self.printMessage("\(hypothesis == "-" ? "stdin" : hypothesis): no utterance key matches one of \(reference == "-" ? "stdin" : reference) (are they the same test set?)")
            throw ExitCode.failure
        }
        if !report.missingInReference.isEmpty {
            Self.printWarning("\(report.missingInReference.count) hypothesis utterance(s) have no reference, not scored: "
                 + keyList(report.missingInReference))
        }
        try writeOut((details ? report.details() : "") + report.totals.formatted(unit: unit) + "\n")
    }
}
