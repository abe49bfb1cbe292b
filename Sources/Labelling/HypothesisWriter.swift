// HypothesisWriter: decoding results as Kaldi text, JSON lines or CTM.
import Decoding
import Foundation
import Formats

/// How decoding results are written.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Kaldi `text`: `uttid labels` (n-best: one line per hypothesis, uttid suffixed `-1`, `-2`, …).
    case text
    /// One JSON object per hypothesis: key, rank, text, tokens, score, per-token frames, seconds and confidence.
    case jsonl
    /// Kaldi CTM: `uttid 1 start duration token confidence`, one line per token (seconds; frames for strokes).
    case ctm
}

/// What one CTM line (and one timed entry of a JSON line) stands for.
public enum TimingUnit: String, Sendable, CaseIterable {
    /// Each token (a character of a character model, a word of a word model).
    case token
    /// Each word: for character models the runs of characters between spaces (`Hypothesis.words`),
    /// for word models the tokens themselves.
    case word
}

/// Formats hypotheses of one model for output.
public struct HypothesisWriter: Sendable {
    public let format: OutputFormat
    public let tokenUnit: TokenUnit
    /// Seconds per frame, or nil when frames have no duration (strokes): times are then frame numbers.
    public let frameShift: Double?
    /// CTM lines per token or per word; with `.word`, JSON lines also carry a `words` array.
    public let timingUnit: TimingUnit

    public init(format: OutputFormat, tokenUnit: TokenUnit, frameShift: Double?, timingUnit: TimingUnit = .token) {
        self.format = format
        self.tokenUnit = tokenUnit
        self.frameShift = frameShift
        self.timingUnit = timingUnit
    }

    /// The words of `h` as this model spells them.
    private func words(_ h: Hypothesis) -> [WordSpan] { h.words(separator: tokenUnit == .characters ? " " : nil) }

    /// The output lines (with final newlines) for the n-best list of utterance `key`.
    public func lines(key: String, hypotheses: [Hypothesis]) -> String {
        var out = ""
        for (rank, h) in hypotheses.enumerated() {
            let id = hypotheses.count > 1 ? "\(key)-\(rank + 1)" : key
            switch format {
            case .text:
                let text = tokenUnit.text(of: h.text)
                out += text.isEmpty ? "\(id)\n" : "\(id) \(text)\n"
            case .jsonl:
                out += json(key: key, rank: rank + 1, h) + "\n"
            case .ctm where timingUnit == .word:
                let shift = frameShift ?? 1
                for w in words(h) {
                    let start = Double(w.startFrame) * shift, duration = Double(w.endFrame - w.startFrame + 1) * shift
                    out += Hypothesis.ctmLine(utterance: id, start: start, duration: duration, token: w.word, confidence: w.confidence)
                }
            case .ctm:
                let shift = frameShift ?? 1
                for i in h.tokens.indices {
                    let start = Double(h.tokenStartFrames[i]) * shift
                    let duration = Double(h.tokenEndFrames[i] - h.tokenStartFrames[i] + 1) * shift
                    let token = h.text[i] == " " ? "<space>" : h.text[i]
                    out += Hypothesis.ctmLine(utterance: id, start: start, duration: duration, token: token, confidence: h.confidences[i])
                }
            }
        }
        return out
    }

    /// One partial result of a stream (`UtteranceStream.partial()` after `frames` frames), with a
    /// final newline. JSON lines: `{"frames":N,"key":…,"partial":true,"text":…,"tokens":[…]}`;
    /// the other formats: `key text` (a progress line, meant for a terminal).
    public func partialLine(key: String, frames: Int, hypothesis h: Hypothesis) -> String {
        let text = tokenUnit.text(of: h.text)
        guard format == .jsonl else { return text.isEmpty ? "\(key)\n" : "\(key) \(text)\n" }
        return JSONText.object([
            ("frames", JSONText.number(frames)), ("key", JSONText.string(key)), ("partial", "true"),
            ("text", JSONText.string(text)), ("tokens", JSONText.array(h.text.map(JSONText.string))),
        ]) + "\n"
    }

    /// One hypothesis as a JSON object (`JSONText`, keys sorted): acoustic_score, confidences (4
    /// decimals), end_frames, end_seconds (3 decimals; with a frame shift), key, rank, score,
    /// start_frames, start_seconds, text, tokens, and with word timing words (confidence,
    /// end_frame, end_seconds, start_frame, start_seconds, word).
    private func json(key: String, rank: Int, _ h: Hypothesis) -> String {
        func rounded(_ x: Double, _ scale: Double) -> String { JSONText.number((x * scale).rounded() / scale) }
        func numbers(_ values: [Int]) -> String { JSONText.array(values.map(JSONText.number)) }
        var members: [(String, String)] = [
            ("acoustic_score", JSONText.number(Double(h.acousticScore))),
            ("confidences", JSONText.array(h.confidences.map { rounded(Double($0), 10000) })),
            ("end_frames", numbers(h.tokenEndFrames)),
        ]
        if let shift = frameShift {
            members.append(("end_seconds", JSONText.array(h.tokenEndFrames.map { rounded(Double($0 + 1) * shift, 1000) })))
        }
        members += [
            ("key", JSONText.string(key)), ("rank", JSONText.number(rank)), ("score", JSONText.number(Double(h.score))),
            ("start_frames", numbers(h.tokenStartFrames)),
        ]
        if let shift = frameShift {
            members.append(("start_seconds", JSONText.array(h.tokenStartFrames.map { rounded(Double($0) * shift, 1000) })))
        }
        members += [("text", JSONText.string(tokenUnit.text(of: h.text))), ("tokens", JSONText.array(h.text.map(JSONText.string)))]
        if timingUnit == .word {
            members.append(("words", JSONText.array(words(h).map { w in
                var entry: [(String, String)] = [
                    ("confidence", rounded(Double(w.confidence), 10000)), ("end_frame", JSONText.number(w.endFrame)),
                ]
                if let shift = frameShift { entry.append(("end_seconds", rounded(Double(w.endFrame + 1) * shift, 1000))) }
                entry.append(("start_frame", JSONText.number(w.startFrame)))
                if let shift = frameShift { entry.append(("start_seconds", rounded(Double(w.startFrame) * shift, 1000))) }
                entry.append(("word", JSONText.string(w.word)))
                return JSONText.object(entry)
            })))
        }
        return JSONText.object(members)
    }
}
