// EpochLog: the `train --log` file (one JSON line per epoch), cut back when a killed run resumes.
import Foundation
import Formats

/// The JSON-lines log of `EpochReport`s that `train --log` writes after every epoch (a new run
/// starts the file afresh, a resumed one appends).
///
/// The report of an epoch is logged just after its checkpoint is written, so a run killed in
/// between, or whose log could not take the line (a full disk), has a checkpoint with an epoch the
/// log lacks; the checkpoint's history holds its report, and `unlogged(_:in:)` finds the reports
/// the resumed run writes first. A log can also run ahead of the checkpoint resumed from (an older
/// copy of it). Before resuming from a checkpoint that holds `n` epochs,
/// `dropTrailingEpochs(after: n, in:)` removes such lines: the lines at the end of the file whose
/// `"epoch"` is above n and counts down by one from the last (so earlier lines, e.g. of other runs
/// logged to the same file, stay), and a last line without its newline. The file is rewritten
/// atomically, and only when it changes.
public enum EpochLog {
    private struct Epoch: Decodable { var epoch: Int }

    /// One line of the log: the report as JSON (keys sorted) and a newline.
    public static func line(_ report: EpochReport) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(report)) + [UInt8(ascii: "\n")]
    }

    /// The reports of `history` (a checkpoint's, epochs 1…n) that come after the log's last line
    /// (after `dropTrailingEpochs(after: n, in:)`): those after its `"epoch"`, or all of them when
    /// the file is empty or ends with a line that is not an epoch's. None when there is no file:
    /// a log first given on resuming starts with the epochs it trains.
    public static func unlogged(_ history: [EpochReport], in path: String) -> [EpochReport] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var last = 0
        if let line = data.split(separator: UInt8(ascii: "\n")).last,
           let epoch = try? JSONDecoder().decode(Epoch.self, from: Data(line)) {
            last = epoch.epoch
        }
        return history.filter { $0.epoch > last }
    }

    public static func dropTrailingEpochs(after n: Int, in path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        lines.removeLast()      // after the last newline: empty, or a line the kill tore
        let torn = data.last != nil && data.last != UInt8(ascii: "\n")
        let count = lines.count
        let decoder = JSONDecoder()
        var removed: Int?
        while let last = lines.last, let line = try? decoder.decode(Epoch.self, from: Data(last)), line.epoch > n,
              removed.map({ line.epoch == $0 - 1 }) ?? true {
            removed = line.epoch
            lines.removeLast()
        }
        guard lines.count < count || torn else { return }
        try AtomicFile.write(lines.flatMap { Array($0) + [UInt8(ascii: "\n")] }, to: path)
    }
}
