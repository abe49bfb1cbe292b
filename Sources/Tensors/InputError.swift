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

    /// An archive with no records where a command needs at least one: an empty input is a
    /// mistake upstream (an empty list, a failed extraction), not an empty result.
    public static func noUtterances(in file: String) -> InputError {
        InputError(file: file, "no utterances (the archive is empty; expected at least one Kaldi record)")
    }
}
