// CTMFile: reads NIST `ctm` files, timed tokens with confidences, as `seqlab decode --format ctm` writes them.
import Tensors

/// One line of a `ctm` file: a token, its time span in seconds and its confidence.
public struct CTMToken: Sendable, Equatable {
    public var token: String
    public var start: Double
    public var duration: Double
    /// In [0, 1]; 1 when the line has no confidence field.
    public var confidence: Double
    /// 1-based line number in the file, for messages.
    public var line: Int
    public init(token: String, start: Double, duration: Double, confidence: Double, line: Int = 0) {
        self.token = token
        self.start = start
        self.duration = duration
        self.confidence = confidence
        self.line = line
    }
}

/// NIST's `ctm` format (Kaldi's `nbest-to-ctm`, `seqlab decode --format ctm`): one token per line,
/// `UTTERANCE CHANNEL START DURATION TOKEN [CONFIDENCE]`. A ctm file lists the tokens that were
/// found, so an utterance with an empty hypothesis has no line. Malformed lines are errors naming
/// the line: a field count other than 5 or 6, a start or duration that is not a finite number
/// (a negative duration), a confidence outside [0, 1], or with `requireConfidence` none at all.
public enum CTMFile {
    /// The utterances in the order of their first line, each with its tokens in order of start time,
    /// tokens with equal starts in file order (a ctm file sorted by text, as `sort` does, puts
    /// 10.0 before 9.0; the order of the lines is not the order of the tokens).
    public static func read(path: String, requireConfidence: Bool = false) throws -> [(key: String, tokens: [CTMToken])] {
        try read(path: path, requireConfidence: requireConfidence, byChannel: false).map { ($0.key, $0.tokens) }
    }

    /// As `read`, with the channels (second field) of an utterance apart, as NIST's tools score a
    /// ctm per file and channel: one entry per utterance and channel, in the order of their first line.
    public static func readByChannel(path: String, requireConfidence: Bool = false) throws -> [(key: String, channel: String, tokens: [CTMToken])] {
        try read(path: path, requireConfidence: requireConfidence, byChannel: true)
    }

    private struct Side: Hashable { var key: String, channel: String }

    private static func read(path: String, requireConfidence: Bool, byChannel: Bool) throws -> [(key: String, channel: String, tokens: [CTMToken])] {
        let name = path == "-" ? "stdin" : path
        var order: [Side] = []
        var tokens: [Side: [CTMToken]] = [:]
        for line in try TextLines.read(path: path) {
            try line.requireKey(file: name)
            let fields = line.fields
            func fail(_ message: String) -> InputError { InputError(file: name, place: "line \(line.number)", message) }
            guard fields.count == 5 || fields.count == 6 else {
                throw fail("\(fields.count) fields; expected UTTERANCE CHANNEL START DURATION TOKEN [CONFIDENCE]")
            }
            guard let start = Double(fields[2]), start.isFinite, start >= 0 else {
                throw fail("start \"\(fields[2])\" is not a time in seconds (a finite number ≥ 0)")
            }
            guard let duration = Double(fields[3]), duration.isFinite, duration >= 0 else {
                throw fail("duration \"\(fields[3])\" is not a time in seconds (a finite number ≥ 0)")
            }
            var confidence = 1.0
            if fields.count == 6 {
                guard let c = Double(fields[5]), c >= 0, c <= 1 else {
                    throw fail("confidence \"\(fields[5])\" is not a number in [0, 1]")
                }
                confidence = c
            } else if requireConfidence {
                throw fail("no confidence (sixth field); expected UTTERANCE CHANNEL START DURATION TOKEN CONFIDENCE")
            }
            let key = Side(key: fields[0], channel: byChannel ? fields[1] : "")
            if tokens[key] == nil { order.append(key) }
            tokens[key, default: []].append(CTMToken(token: fields[4], start: start, duration: duration,
                                                          confidence: confidence, line: line.number))
        }
        return order.map { side in
            (side.key, side.channel, tokens[side]!.sorted { ($0.start, $0.line) < ($1.start, $1.line) })
        }
    }
}
