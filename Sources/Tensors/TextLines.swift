// TextLines: the lines of a text file written on any system (LF or CR LF endings).

extension StringProtocol {
    /// The lines of the text, split at "\n" and at "\r\n" (which Swift reads as one Character, so
    /// a split at "\n" alone would leave a Windows file as one line), keeping empty lines so that
    /// the k-th element is line k + 1. A lone "\r" ends no line.
    public var textLines: [SubSequence] {
        split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }
}
