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
        let object: [String: Any] = ["key": key, "partial": true, "frames": frames, "text": text, "tokens": h.text]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private func json(key: String, rank: Int, _ h: Hypothesis) -> String {
        var object: [String: Any] = [
            "key": key, "rank": rank, "text": tokenUnit.text(of: h.text), "tokens": h.text,
            "score": Double(h.score), "acoustic_score": Double(h.acousticScore),
            "start_frames": h.tokenStartFrames, "end_frames": h.tokenEndFrames,
            "confidences": h.confidences.map { (Double($0) * 10000).rounded() / 10000 },
        ]
        if timingUnit == .word {
            object["words"] = words(h).map { w -> [String: Any] in
                var entry: [String: Any] = ["word": w.word, "start_frame": w.startFrame, "end_frame": w.endFrame,
                                            "confidence": (Double(w.confidence) * 10000).rounded() / 10000]
                if let shift = frameShift {
                    entry["start_seconds"] = (Double(w.startFrame) * shift * 1000).rounded() / 1000
                    entry["end_seconds"] = (Double(w.endFrame + 1) * shift * 1000).rounded() / 1000
                }
                return entry
            }
        }
        if let shift = frameShift {
            object["start_seconds"] = h.tokenStartFrames.map { (Double($0) * shift * 1000).rounded() / 1000 }
            object["end_seconds"] = h.tokenEndFrames.map { (Double($0 + 1) * shift * 1000).rounded() / 1000 }
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
