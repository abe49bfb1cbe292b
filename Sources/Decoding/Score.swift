// Score: token, character and word error rates over keyed reference and hypothesis transcripts.
import Foundation

/// The unit an error rate counts.
public enum ScoreUnit: String, Sendable, CaseIterable {
    /// Each whitespace-separated label is a unit: the token (label) error rate, printed `%TER`.
    case token
    /// Each character of the labels joined by single spaces, spaces included (as jiwer's CER): `%CER`.
    case char
    /// Words: the labels, or, with a word-boundary label, the runs of labels between boundaries
    /// concatenated (so character labels `h i | y o` give words `hi yo`): `%WER`.
    case word
    /// The whole transcript is one unit (sequence classification): an utterance is right or
    /// wrong, the error rate is the classification error, `%UER`, and an accuracy line
    /// `%ACC` follows (for one-label transcripts the token error rate is the same figure). An
    /// empty transcript is one unit too (its own class: right when the hypothesis is empty as
    /// well, a substitution otherwise); a missing hypothesis is a deletion.
    case utterance

    /// The label of the totals line. Kaldi's compute-wer always prints `%WER`; seqlab names the
    /// unit it counted so that a character or label error rate is never mistaken for a WER.
    public var rateName: String {
        switch self {
        case .token: return "%TER"
        case .char: return "%CER"
        case .word: return "%WER"
        case .utterance: return "%UER"
        }
    }
}

/// What to do with a reference utterance that has no hypothesis (Kaldi compute-wer's `--mode`).
public enum ScoreMode: String, Sendable, CaseIterable {
    /// Score it as an empty hypothesis: all its units are deletions.
    case all
    /// Leave it out of the totals.
    case present
    /// Treat it as an error (the caller refuses to score; the report is as for `all`).
    case strict
}

/// The alignment of one utterance.
public struct UtteranceScore: Sendable {
    public var key: String
    public var reference: [String]
    public var hypothesis: [String]
    public var alignment: Alignment
    /// True when the hypothesis had no entry for this key (scored as an empty hypothesis).
    public var missingHypothesis: Bool
}

/// Error counts over a set of utterances, printed in Kaldi compute-wer's format.
public struct ScoreTotals: Sendable, Equatable {
    public var referenceUnits = 0, hits = 0, substitutions = 0, deletions = 0, insertions = 0
    public var sentences = 0, sentencesWithErrors = 0, missingHypotheses = 0
    public var errors: Int { substitutions + deletions + insertions }
    /// 100 · errors / reference units (0 when both are 0; errors · 100 when the reference is empty).
    public var errorRate: Double { 100 * Double(errors) / Double(max(referenceUnits, 1)) }
    public var sentenceErrorRate: Double { 100 * Double(sentencesWithErrors) / Double(max(sentences, 1)) }

    /// Kaldi compute-wer's three lines, e.g. `%WER 12.34 [ 56 / 454, 10 ins, 20 del, 26 sub ]`.
    public func formatted(unit: ScoreUnit) -> String {
        """
        \(unit.rateName) \(String(format: "%.2f", errorRate)) [ \(errors) / \(referenceUnits), \(insertions) ins, \(deletions) del, \(substitutions) sub ]
        %SER \(String(format: "%.2f", sentenceErrorRate)) [ \(sentencesWithErrors) / \(sentences) ]
        Scored \(sentences) sentences, \(missingHypotheses) not present in hyp.
        """ + (unit == .utterance
            ? "\n%ACC \(String(format: "%.2f", 100 * Double(hits) / Double(max(referenceUnits, 1)))) [ \(hits) / \(referenceUnits) correct ]" : "")
    }
}

/// Scores hypotheses against references like Kaldi's `compute-wer`: with `.all` (and `.strict`)
/// every reference utterance is scored, one without a hypothesis as an empty hypothesis (all
/// deletions); with `.present` those are left out. Either way they are listed in
/// `missingInHypothesis`, and hypotheses without a reference are listed and not scored.
public struct ScoreReport: Sendable {
    public var unit: ScoreUnit
    public var utterances: [UtteranceScore] = []
    public var totals = ScoreTotals()
    /// Reference keys with no hypothesis, in reference order.
    public var missingInHypothesis: [String] = []
    /// Hypothesis keys with no reference, in hypothesis order.
    public var missingInReference: [String] = []

    public init(reference: [TranscriptEntry], hypothesis: [TranscriptEntry], unit: ScoreUnit,
                wordBoundary: String? = nil, mode: ScoreMode = .all) {
        self.unit = unit
        let references = Set(reference.map(\.key))
        var hypotheses: [String: [String]] = [:]
        for h in hypothesis { hypotheses[h.key] = h.tokens }
        for r in reference {
            let found = hypotheses[r.key]
            if found == nil {
                missingInHypothesis.append(r.key)
                if mode == .present { continue }
            }
            let ref = ScoreReport.units(r.tokens, unit: unit, wordBoundary: wordBoundary)
            // A missing hypothesis has no units (all deletions); a present one, even empty, is a
            // class of its own with --unit utterance.
            let hyp = found.map { ScoreReport.units($0, unit: unit, wordBoundary: wordBoundary) } ?? []
            let a = levenshteinAlignment(reference: ref, hypothesis: hyp)
            utterances.append(UtteranceScore(key: r.key, reference: ref, hypothesis: hyp, alignment: a,
                                             missingHypothesis: found == nil))
            totals.referenceUnits += ref.count
            totals.hits += a.hits
            totals.substitutions += a.substitutions
            totals.deletions += a.deletions
            totals.insertions += a.insertions
            totals.sentences += 1
            if a.errors > 0 { totals.sentencesWithErrors += 1 }
        }
        totals.missingHypotheses = missingInHypothesis.count
        missingInReference = hypothesis.map(\.key).filter { !references.contains($0) }
    }

    /// The units of one transcript's labels.
    public static func units(_ labels: [String], unit: ScoreUnit, wordBoundary: String?) -> [String] {
        var words = labels
        if let wordBoundary, unit != .token {
            words = []
            var current = ""
            for l in labels {
                if l == wordBoundary {
                    if !current.isEmpty { words.append(current) }
                    current = ""
                } else {
                    current += l
                }
            }
            if !current.isEmpty { words.append(current) }
        }
        switch unit {
        case .token, .word: return words
        case .utterance: return [words.joined(separator: " ")]   // an empty transcript is a class too
        case .char: return words.joined(separator: " ").map { String($0) }
        }
    }

    /// Per-utterance details in the format of Kaldi's `wer_per_utt_details.pl`: `KEY ref …`,
    /// `KEY hyp …`, `KEY op …` (C, S, D, I; `***` fills the skipped side; columns aligned by the
    /// width a terminal gives them, `displayWidth`) and
    /// `KEY #csid C S I D`. A whitespace unit (a space in `char` mode) is shown as `<space>`, an
    /// empty transcript in `utterance` mode as `""`.
    public func details() -> String {
        func shown(_ unit: String) -> String { unit.isEmpty ? "\"\"" : unit.allSatisfy(\.isWhitespace) ? "<space>" : unit }
        var out = ""
        for u in utterances {
            var refColumn: [String] = [], hypColumn: [String] = [], opColumn: [String] = []
            for step in u.alignment.steps {
                let r = step.reference.map { shown(u.reference[$0]) } ?? "***"
                let h = step.hypothesis.map { shown(u.hypothesis[$0]) } ?? "***"
                let width = max(displayWidth(r), displayWidth(h), 1)
                func pad(_ s: String) -> String { s + String(repeating: " ", count: width - displayWidth(s)) }
                refColumn.append(pad(r))
                hypColumn.append(pad(h))
                opColumn.append(pad(step.operation.rawValue))
            }
            func line(_ tag: String, _ columns: [String]) -> String {
                ([u.key, tag.padding(toLength: 3, withPad: " ", startingAt: 0)] + columns).joined(separator: " ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
            out += line("ref", refColumn) + "\n" + line("hyp", hypColumn) + "\n" + line("op", opColumn) + "\n"
            let a = u.alignment
            out += "\(u.key) #csid \(a.hits) \(a.substitutions) \(a.insertions) \(a.deletions)\n"
        }
        return out
    }
}

/// The columns `text` takes in a terminal: 2 for each East Asian wide or fullwidth character
/// (Unicode's East_Asian_Width W and F: CJK ideographs, kana, Hangul syllables, fullwidth forms)
/// and emoji shown as such, 0 for combining marks and zero-width characters, 1 for the rest.
public func displayWidth(_ text: String) -> Int {
    var width = 0
    for scalar in text.unicodeScalars {
        let v = scalar.value
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: continue
        default: break
        }
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            || scalar.properties.isEmojiPresentation
        width += wide ? 2 : 1
    }
    return width
}
