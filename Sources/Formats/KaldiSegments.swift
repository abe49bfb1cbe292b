// KaldiSegments: Kaldi `segments` files, "uttid recording start end [channel]" per line.
import Tensors

/// One line of a `segments` file: utterance `key` is seconds `start` to `end` of the recording
/// that the wav.scp lists under `recording` (`end` nil for Kaldi's `-1`, the end of the recording).
public struct KaldiSegment: Sendable, Equatable {
    public var key: String
    public var recording: String
    public var start: Double
    public var end: Double?
    /// The channel (0-based) the line names as a fifth field, nil without one.
    public var channel: Int?
    public var line: Int
    /// The segments file, for messages.
    public var file: String

    public init(key: String, recording: String, start: Double, end: Double?, channel: Int? = nil, line: Int, file: String) {
        self.key = key
        self.recording = recording
        self.start = start
        self.end = end
        self.channel = channel
        self.line = line
        self.file = file
    }

    /// The most an end may lie past the end of the recording and be cut to it (Kaldi's
    /// `extract-segments --max-overshoot`, default 0.5 s); further is an error.
    public static let maxOvershoot = 0.5
    /// The shortest segment kept (Kaldi's `extract-segments --min-segment-length`, default 0.1 s).
    public static let minLength = 0.1

    /// The samples of a recording of `frames` samples at `rate` Hz that the segment covers, as
    /// Kaldi's `extract-segments` cuts them: the first sample is start × rate and the end end ×
    /// rate, both truncated; an end up to `maxOvershoot` past the recording is cut to it. A start
    /// past the end, an end further out, or a segment of `minLength` or less throws, naming the
    /// line.
    public func samples(frames: Int, rate: Int) throws -> Range<Int> {
        let r = Double(rate)
        let length = Double(frames) / r
        func fail(_ why: String) -> InputError {
            InputError(file: file, place: "line \(line)", "segment \"\(InputError.quoted(key))\" of \"\(InputError.quoted(recording))\": \(why)")
        }
        // Compared as doubles before any conversion to Int (a start of 1e300 s must not trap):
        // Int(x) ≥ n exactly when x ≥ n for whole n and x ≥ 0.
        let firstExact = start * r
        guard firstExact < Double(frames) else {
            throw fail("starts at \(start) s, at or after the end of the recording (\(length) s)")
        }
        let first = Int(firstExact.rounded(.towardZero))
        var last = frames
        if let end {
            let lastExact = end * r
            guard lastExact < Double(frames + max(Int(Self.maxOvershoot * r), 1)) else {
                throw fail("ends at \(end) s, \(Self.maxOvershoot) s or more after the end of the recording (\(length) s)")
            }
            last = lastExact < Double(frames) ? Int(lastExact.rounded(.towardZero)) : frames
        }
        guard last > first + Int(Self.minLength * r) else {
            throw fail("\(Double(last - first) / r) s of audio, not more than the \(Self.minLength) s a segment needs")
        }
        return first..<last
    }
}

/// Kaldi's `segments` file (Kaldi data directories): `uttid recording start end [channel]`,
/// times in seconds, `end` -1 for the end of the recording. A line that is not of that form (a
/// field that is not a number, a negative start, an end not after the start, a negative or
/// fractional channel) or a repeated utterance key is an error naming the line.
public enum KaldiSegments {
    public static func read(path: String) throws -> [KaldiSegment] {
        let file = path == "-" ? "stdin" : path
        var segments: [KaldiSegment] = []
        var seen: [String: Int] = [:]
        for line in try TextLines.read(path: path) {
            try line.requireKey(file: file)
            let fields = line.fields
            func fail(_ why: String) -> InputError { InputError(file: file, place: "line \(line.number)", why) }
            guard fields.count == 4 || fields.count == 5 else {
                throw fail("expected \"uttid recording start end [channel]\", found \(fields.count) field\(fields.count == 1 ? "" : "s")")
            }
            func seconds(_ text: String, _ what: String) throws -> Double {
                // Decimal only: Swift's Double also reads "inf", "nan" and "0x1p3".
                guard text.allSatisfy({ "0123456789.+-eE".contains($0) }), let value = Double(text), value.isFinite else {
                    throw fail("\(what) \"\(InputError.quoted(text, limit: 40))\" is not a number of seconds")
                }
                return value
            }
            let start = try seconds(fields[2], "start")
            let end = try seconds(fields[3], "end")
            guard start >= 0 else { throw fail("start \(fields[2]) is negative") }
            guard end == -1 || end > start else {
                throw fail("end \(fields[3]) is not after the start \(fields[2]) (-1 means the end of the recording)")
            }
            var channel: Int?
            if fields.count == 5 {
                guard let c = Int(fields[4]), c >= 0 else {
                    throw fail("channel \"\(InputError.quoted(fields[4], limit: 40))\" is not a channel number (0, 1, …)")
                }
                channel = c
            }
            if let first = seen[fields[0]] {
                throw fail("duplicate utterance \"\(InputError.quoted(fields[0]))\" (first on line \(first))")
            }
            seen[fields[0]] = line.number
            segments.append(KaldiSegment(key: fields[0], recording: fields[1], start: start, end: end == -1 ? nil : end,
                                         channel: channel, line: line.number, file: file))
        }
        return segments
    }
}

extension KaldiSegments {
    /// The segments in runs of consecutive lines of one recording, in file order (the order of the
    /// utterances written), each with the path the wav.scp gives the recording (nil when it lists
    /// no such recording).
    public static func runs(_ segments: [KaldiSegment], recordings: [WavScpEntry]) -> [(path: String?, segments: [KaldiSegment])] {
        var pathOf: [String: String] = [:]
        for entry in recordings { pathOf[entry.key] = entry.path }
        var runs: [(path: String?, segments: [KaldiSegment])] = []
        for segment in segments {
            if let last = runs.last, last.segments[0].recording == segment.recording {
                runs[runs.count - 1].segments.append(segment)
            } else {
                runs.append((pathOf[segment.recording], [segment]))
            }
        }
        return runs
    }

    /// The error of a segment whose recording the wav.scp `scp` does not list.
    public static func unknownRecording(_ segment: KaldiSegment, scp: String) -> InputError {
        InputError(file: segment.file, place: "line \(segment.line)",
                   "segment \"\(InputError.quoted(segment.key))\": recording \"\(InputError.quoted(segment.recording))\" is not in \(scp == "-" ? "stdin" : scp)")
    }
}
