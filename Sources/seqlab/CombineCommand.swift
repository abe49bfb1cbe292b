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
        A file read as text whose every line is shaped like ctm (KEY CHANNEL START
        DURATION WORD [CONFIDENCE], times with a decimal point) is refused: give --ctm.

        With --ctm the files are ctm files with confidences (decode --format ctm),
        each line one unit to vote on (with --unit char: one character, <space> for a
        space, as --ctm-unit token writes a character model's), an utterance's units
        in order of start time (equal starts in line order). --alpha below 1 weighs
        the systems' confidences in the vote (Fiscus's α and Conf(@)):
          score(w) = α · N(w)/N + (1 − α) · C(w)
        C(w) being the mean (--confidence max: the largest) confidence of the N(w) of
        N systems that put w in the slot, a system's nothing counting with
        --null-confidence. Tune α and Conf(@) on data with known transcripts.
        A ctm file has no line for an empty hypothesis, so an utterance absent from
        some ctm files is empty there (no message), and one absent from all of them
        is not written. The channels of an utterance (the second field) are voted on
        apart: an utterance with more than one channel in the files is written once
        per channel, keyed UTTERANCE-CHANNEL (as Kaldi names a recording's sides,
        sw02001-A), and one with a single channel under its own key.
        """)

    @Argument(help: "Hypothesis files (Kaldi text; ctm with --ctm), best system first; '-' reads one of them from stdin.", completion: .file())
    var hypotheses: [String] = []

    @Option(help: "What to vote on: word (each label) or char (each character, spaces included).")
    var unit: CombineUnit = .word

    @Option(name: [.short, .customLong("output")], help: "Kaldi text file to write ('-' = stdout).", completion: .file())
    var output = "-"

    @Flag(help: "The files are ctm files with confidences (decode --format ctm), one unit per line.")
    var ctm = false

    @Option(help: "Weight α of the vote count against the confidence, in [0, 1]; below 1 needs --ctm.")
    var alpha = 1.0

    @Option(help: "Confidence Conf(@) of a system that put nothing in a slot, in [0, 1] (with --alpha below 1; default 0).")
    var nullConfidence: Double?

    @Option(help: "A candidate's confidence: mean or max of its systems' (with --alpha below 1; default mean).")
    var confidence: VoteWeights.Confidence?

    func validate() throws {
        if hypotheses.count < 3 {
            throw ValidationError("combine needs three or more hypothesis files (with two, every disagreement is a tie the first file wins); got \(hypotheses.count)")
        }
        if hypotheses.filter({ $0 == "-" }).count > 1 { throw ValidationError("only one of the files can be \"-\" (stdin)") }
        guard alpha >= 0, alpha <= 1 else { throw ValidationError("--alpha \(alpha) is outside [0, 1]") }
        if let nullConfidence, !(nullConfidence >= 0 && nullConfidence <= 1) {
            throw ValidationError("--null-confidence \(nullConfidence) is outside [0, 1]")
        }
        if alpha < 1 && !ctm {
            throw ValidationError("--alpha below 1 weighs the systems' confidences, which only ctm files carry: add --ctm (decode --format ctm)")
        }
        if alpha == 1 && (nullConfidence != nil || confidence != nil) {
            throw ValidationError("--null-confidence and --confidence act only in a vote with --alpha below 1")
        }
    }

    func run() throws {
        try Self.reportingErrors {
            let systems = ctm ? try readCTMSystems() : try readTextSystems()
            var keys: [String] = [], seen = Set<String>()
            for system in systems { for key in system.keys where seen.insert(key).inserted { keys.append(key) } }
            guard !keys.isEmpty else { throw InputError(file: hypotheses[0], "no utterances in any of the files") }
            let weights = VoteWeights(alpha: alpha, nullConfidence: nullConfidence ?? 0, confidence: confidence ?? .mean)
            // Per file, the keys it has no hypothesis for: one line each at the end, not one per key.
            var missing = [[String]](repeating: [], count: hypotheses.count)
            var out: [(key: String, tokens: [String])] = []
            for key in keys {
                if !ctm {
                    for i in hypotheses.indices where systems[i].units[key] == nil { missing[i].append(key) }
                }
                let combined = combineHypotheses(systems.map { $0.units[key] ?? [] }, weights: weights)
                switch unit {
                case .word: out.append((key, combined))
                case .char: out.append((key, combined.joined().split(separator: " ").map(String.init)))
                }
            }
            try KaldiText.write(out, to: output)
            for (i, keys) in missing.enumerated() where !keys.isEmpty {
                let file = hypotheses[i] == "-" ? "stdin" : hypotheses[i]
                Self.printMessage("\(file): no hypothesis for \(grouped(keys.count)) of the \(grouped(out.count)) utterances, counted as empty: \(keyList(keys))")
            }
            if missing.contains(where: { !$0.isEmpty }) { throw ExitCode.failure }
        }
    }

    /// One system's hypotheses as the units of the vote, keys in file order.
    private struct System {
        var keys: [String] = []
        var units: [String: [ScoredToken]] = [:]
    }

    /// Kaldi text files: words, or their characters with the single spaces between them.
    private func readTextSystems() throws -> [System] {
        try hypotheses.map { path in
            var system = System()
            let entries: [KaldiTextEntry]
            do { entries = try KaldiText.read(path: path) } catch var error as InputError {
                // A ctm file read as Kaldi text repeats its keys: say what was meant.
                if path.lowercased().hasSuffix(".ctm") { error.message += " (a ctm file? give --ctm)" }
                throw error
            }
            if let first = entries.first, entries.allSatisfy(\.isShapedLikeCTM) {
                throw InputError(file: path == "-" ? "stdin" : path, place: "line \(first.line)",
                                 "every line is shaped like ctm (KEY CHANNEL START DURATION WORD [CONFIDENCE]), not Kaldi text: give --ctm")
            }
            for entry in entries {
                system.keys.append(entry.key)
                switch unit {
                case .word: system.units[entry.key] = entry.tokens.map { ScoredToken($0) }
                case .char: system.units[entry.key] = entry.tokens.joined(separator: " ").map { ScoredToken(String($0)) }
                }
            }
            return system
        }
    }

    /// ctm files: a unit per line, with its confidence; for --unit char one character per line.
    /// Each channel of an utterance is voted on apart: keyed by the utterance when every file
    /// gives it one channel, else UTTERANCE-CHANNEL.
    private func readCTMSystems() throws -> [System] {
        let files = try hypotheses.map { try CTMFile.readByChannel(path: $0, requireConfidence: alpha < 1) }
        var channels: [String: Set<String>] = [:]
        for file in files { for side in file { channels[side.key, default: []].insert(side.channel) } }
        var named: [String: (key: String, channel: String)] = [:]
        for (key, sides) in channels where sides.count > 1 {
            for channel in sides {
                let name = key + "-" + channel
                if channels[name] != nil || named[name] != nil {
                    let clash = channels[name] != nil ? "an utterance of its own" : "channel \(named[name]!.channel) of \(named[name]!.key)"
                    let i = files.firstIndex { $0.contains { $0.key == (channels[name] != nil ? name : key) } } ?? 0
                    throw InputError(file: hypotheses[i] == "-" ? "stdin" : hypotheses[i],
                                     "utterance \(key) has channels \(sides.sorted().joined(separator: ", ")), each written as \(key)-CHANNEL, but \(name) is \(clash)")
                }
                named[name] = (key, channel)
            }
        }
        return try zip(hypotheses, files).map { path, file in
            var system = System()
            for (utterance, channel, tokens) in file {
                let key = channels[utterance]!.count > 1 ? utterance + "-" + channel : utterance
                system.keys.append(key)
                system.units[key] = try tokens.map { t in
                    guard unit == .char else { return ScoredToken(t.token, confidence: t.confidence) }
                    let character = t.token == "<space>" ? " " : t.token
                    guard character.count == 1 else {
                        throw InputError(file: path == "-" ? "stdin" : path, place: "line \(t.line)",
                                         "token \"\(t.token)\" is not one character; --unit char takes a character model's ctm per token (decode --format ctm --ctm-unit token)")
                    }
                    return ScoredToken(character, confidence: t.confidence)
                }
            }
            return system
        }
    }
}

extension VoteWeights.Confidence: ExpressibleByArgument {}

extension KaldiTextEntry {
    /// True when the fields after the key read as a ctm line's: an integer channel, a start and a
    /// duration written with a decimal point (as ctm writers print times), a word, and optionally
    /// a confidence in [0, 1]. A hypothesis of digit words has no decimal points.
    fileprivate var isShapedLikeCTM: Bool {
        guard tokens.count == 4 || tokens.count == 5, Int(tokens[0]) != nil else { return false }
        let timed = tokens[1...2].allSatisfy { $0.contains(".") && (Double($0).map { $0.isFinite && $0 >= 0 } ?? false) }
        let confident = tokens.count == 4 || (Double(tokens[4]).map { $0 >= 0 && $0 <= 1 } ?? false)
        return timed && confident
    }
}
