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

/// Formats hypotheses of one model for output.
public struct HypothesisWriter: Sendable {
    public let format: OutputFormat
    public let tokenUnit: TokenUnit
    /// Seconds per frame, or nil when frames have no duration (strokes): times are then frame numbers.
    public let frameShift: Double?

    public init(format: OutputFormat, tokenUnit: TokenUnit, frameShift: Double?) {
        self.format = format
        self.tokenUnit = tokenUnit
        self.frameShift = frameShift
    }

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
            case .ctm:
                let shift = frameShift ?? 1
                for i in h.tokens.indices {
                    let start = Double(h.tokenStartFrames[i]) * shift
                    let duration = Double(h.tokenEndFrames[i] - h.tokenStartFrames[i] + 1) * shift
                    let token = h.text[i] == " " ? "<space>" : h.text[i]
                    out += String(format: "%@ 1 %.3f %.3f %@ %.4f\n", id, start, duration, token, h.confidences[i])
                }
            }
        }
        return out
    }

    private func json(key: String, rank: Int, _ h: Hypothesis) -> String {
        var object: [String: Any] = [
            "key": key, "rank": rank, "text": tokenUnit.text(of: h.text), "tokens": h.text,
            "score": Double(h.score), "acoustic_score": Double(h.acousticScore),
            "start_frames": h.tokenStartFrames, "end_frames": h.tokenEndFrames,
            "confidences": h.confidences.map { (Double($0) * 10000).rounded() / 10000 },
        ]
        if let shift = frameShift {
            object["start_seconds"] = h.tokenStartFrames.map { (Double($0) * shift * 1000).rounded() / 1000 }
            object["end_seconds"] = h.tokenEndFrames.map { (Double($0 + 1) * shift * 1000).rounded() / 1000 }
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
