// ProgressBar: a one-line progress display on stderr, drawn only when stderr is a terminal.
import Foundation

/// A progress bar on stderr: `label [#####.....] 12/40 0:07 eta 0:16 extra`.
///
/// Drawn only when stderr is a terminal and not `quiet`, nor when the command's data goes to stdout
/// (`dataOnStdout`) and stdout is a terminal: the data's lines would land on the bar's line, glued
/// to it (the lines show the progress there). Redrawn at most ten times a second. The line fits
/// the terminal's width (`terminalColumns`): the bar narrows, then goes, then the line is cut, since
/// a line that wraps cannot be redrawn in place and would leave a copy on every redraw.
/// Safe to call from several threads (`advance` is locked).
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let enabled: Bool
    private let start = Date()
    private var done = 0
    private var lastDraw = Date.distantPast
    private var extra = ""
    private let lock = NSLock()

    init(_ label: String, total: Int, quiet: Bool, dataOnStdout: Bool = false) {
        self.label = label
        self.total = max(total, 0)
        self.enabled = !quiet && isatty(2) == 1 && !(dataOnStdout && isatty(1) == 1)
    }

    /// Marks `n` more items done; `note` replaces the text after the counts.
    func advance(by n: Int = 1, note: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        done += n
        if let note { extra = note }
        let now = Date()
        if enabled && (now.timeIntervalSince(lastDraw) >= 0.1 || done == total) {
            lastDraw = now
            draw(now)
        }
    }

    /// Clears the line so that the next message starts clean.
    func finish() {
        lock.lock(); defer { lock.unlock() }
        if enabled { writeStandardError("\r\u{1B}[K") }
    }

    private func draw(_ now: Date) {
        let elapsed = now.timeIntervalSince(start)
        var counts = "\(done)/\(total) \(clock(elapsed))"
        if done > 0 && done < total { counts += " eta \(clock(elapsed / Double(done) * Double(total - done)))" }
        if !extra.isEmpty { counts += " \(extra)" }
        // The last column stays free: a line that fills it leaves some terminals at the next line.
        let room = terminalColumns() - 1
        let width = min(30, room - label.count - counts.count - 4)
        var line = "\(label) \(counts)"
        if width >= 10 {
            let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            line = "\(label) [\(bar)] \(counts)"
        }
        writeStandardError("\r\u{1B}[K" + fitTerminalLine(line))
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// The width of the terminal stderr is on: `COLUMNS` when set to a positive number (as
/// swift-argument-parser reads it for help), else the terminal's own, else 80.
func terminalColumns() -> Int {
    if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 {
        return columns
    }
    var size = winsize()
    if ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
    return 80
}

/// `line` cut to the terminal's width less one column (`terminalColumns`), so that redrawing it
/// after "\r" replaces it rather than leave the wrapped part on the line above.
func fitTerminalLine<S: StringProtocol>(_ line: S) -> String {
    let room = max(terminalColumns() - 1, 1)
    return line.count <= room ? String(line) : String(line.prefix(room))
}
