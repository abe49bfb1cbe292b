// EpochLog: the `train --log` file (one JSON line per epoch), cut back when a killed run resumes.
import Foundation
import Formats

/// The JSON-lines log of `EpochReport`s that `train --log` writes after every epoch (a new run
/// starts the file afresh, a resumed one appends).
///
/// The report of an epoch is logged just before its checkpoint is written, so a run killed in
/// between logs an epoch that the resumed run trains and logs again. Before resuming from a
/// checkpoint that holds `n` epochs, `dropTrailingEpochs(after: n, in:)` removes such lines: the
/// lines at the end of the file whose `"epoch"` is above n and counts down by one from the last
/// (so earlier lines, e.g. of other runs logged to the same file, stay), and a last line without
/// its newline. The file is rewritten
/// atomically, and only when it changes.
public enum EpochLog {
    private struct Epoch: Decodable { var epoch: Int }

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
