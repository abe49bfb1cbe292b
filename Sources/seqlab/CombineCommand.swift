// seqlab combine: ROVER, a vote between the transcripts of several systems.
import ArgumentParser
import Decoding
import Formats
import Foundation
import Tensors

/// What one vote is about in `seqlab combine`.
enum CombineUnit: String, ExpressibleByArgument, CaseIterable {
    /// Each whitespace-separated label of a line.
    case word
    /// Each character of the labels joined by single spaces, spaces included (character models).
    case char
}

struct Combine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combine",
        abstract: "Combine the transcripts of several systems by voting (ROVER).",
        discussion: """
        Reads three or more Kaldi `text` files of hypotheses for the same utterances
        (e.g. from models trained with different seeds) and writes one transcript per
        utterance: the hypotheses are aligned into a word transition network, and each
        slot keeps the word most systems put there, or nothing when most put nothing
        (Fiscus 1997, votes by frequency). Ties go to the earliest file, so list the
        best system first:
          for s in 1 2 3; do
            seqlab decode -m seed$s.safetensors --feats test.ark > hyp$s.txt
          done
          seqlab combine hyp1.txt hyp2.txt hyp3.txt > hyp.txt
        --unit char votes on characters (spaces included), for character models.
        An utterance missing from some files is named on stderr and counted as an
        empty hypothesis there; the rest is combined, and the exit status is then 1.
        Output keys follow the first file, then the keys only later files have.
        """)

    @Argument(help: "Hypothesis files (Kaldi text), best system first; '-' reads one of them from stdin.")
    var hypotheses: [String] = []

    @Option(help: "What to vote on: word (each label) or char (each character, spaces included).")
    var unit: CombineUnit = .word

    @Option(name: [.short, .customLong("output")], help: "Kaldi text file to write ('-' = stdout).")
    var output = "-"

    func validate() throws {
        if hypotheses.count < 3 {
            throw ValidationError("combine needs three or more hypothesis files (with two, every disagreement is a tie the first file wins); got \(hypotheses.count)")
        }
        if hypotheses.filter({ $0 == "-" }).count > 1 { throw ValidationError("only one of the files can be \"-\" (stdin)") }
    }

    func run() throws {
        do {
            let files = try hypotheses.map { try KaldiText.read(path: $0) }
            let systems = files.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key, $0.tokens) }) }
            var keys: [String] = [], seen = Set<String>()
            for entry in files.joined() where seen.insert(entry.key).inserted { keys.append(entry.key) }
            guard !keys.isEmpty else { throw InputError(file: hypotheses[0], "no utterances in any of the files") }
            var missing = false
            var out: [(key: String, tokens: [String])] = []
            for key in keys {
                let absent = hypotheses.indices.filter { systems[$0][key] == nil }
                if !absent.isEmpty {
                    missing = true
                    printError("seqlab combine: \(key): no hypothesis in \(absent.map { hypotheses[$0] == "-" ? "stdin" : hypotheses[$0] }.joined(separator: ", ")); counted as empty")
                }
                let lines = systems.map { $0[key] ?? [] }
                switch unit {
                case .word:
                    out.append((key, combineHypotheses(lines)))
                case .char:
                    let text = combineHypotheses(lines.map { $0.joined(separator: " ").map(String.init) }).joined()
                    out.append((key, text.split(separator: " ").map(String.init)))
                }
            }
            try KaldiText.write(out, to: output)
            if missing { throw ExitCode.failure }
        } catch let error as InputError {
            printError("seqlab combine: \(error)")
            throw ExitCode.failure
        }
    }
}
