// Interrupt: SIGINT/SIGTERM/SIGHUP set a flag that long jobs poll, so they can stop cleanly (e.g. checkpoint).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// The interrupt flag: set by SIGINT, SIGTERM or SIGHUP once `Interrupt.install()` has run.
enum Interrupt {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0
    nonisolated(unsafe) private static var signalNumber: sig_atomic_t = 0

    /// Installs handlers for SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session) that only
    /// set the flag; a second signal exits at once. A SIGHUP ignored on entry (`nohup`) stays ignored.
    /// Once the flag is set, Kaldi commands under way (a wav.scp's `… |`) are stopped and no more
    /// start (`ShellCommand.interrupted`).
    static func install() {
        ShellCommand.interrupted = { Interrupt.requested }
        let handler: @convention(c) (Int32) -> Void = { sig in
            if Interrupt.flag != 0 { _exit(128 + sig) }
            Interrupt.flag = 1
            Interrupt.signalNumber = sig
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        let hangup = signal(SIGHUP, handler)
        if let hangup, unsafeBitCast(hangup, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { signal(SIGHUP, SIG_IGN) }
    }

    /// True once a signal has arrived.
    static var requested: Bool { flag != 0 }

    /// The exit status a process stopped by that signal reports (128 + signal number).
    static var exitStatus: Int32 { 128 + signalNumber }
}
