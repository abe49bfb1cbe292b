// InputError: the one-line error every reader gives for bad input (file, place, what was expected).

/// A problem with an input, reported as one line: `FILE: PLACE: MESSAGE`.
///
/// `place` is where in the file the problem is (a line, a byte offset, a record key), so a
/// user can find it; `message` says what was found and what was expected.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var place: String?
    public var message: String

    public init(file: String, place: String? = nil, _ message: String) {
        self.file = file
        self.place = place
        self.message = message
    }

    public var description: String {
        if let place, !place.isEmpty { return "\(file): \(place): \(message)" }
        return "\(file): \(message)"
    }

    /// A piece of input as a message quotes it: control characters and other invisible ones a
    /// terminal could act on (escape sequences, bells, bidirectional overrides) written as escapes
    /// (`\t`, `\n`, `\r`, `\x1B`, `\u{202E}`), and text past `limit` characters cut with "…", so
    /// that a message stays one line of what the file holds, whatever the file is.
    public static func quoted(_ text: some StringProtocol, limit: Int = 80) -> String {
        var out = "", count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return out + "…" }
            count += 1
            switch scalar {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
            case _ where [.control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned]
                         .contains(scalar.properties.generalCategory):
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// An archive with no records where a command needs at least one: an empty input is a
    /// mistake upstream (an empty list, a failed extraction), not an empty result.
    public static func noUtterances(in file: String) -> InputError {
        InputError(file: file, "no utterances (the archive is empty; expected at least one Kaldi record)")
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
