// ShellCommand: Kaldi "… |" locations run with /bin/sh -c, their stdout read, their stderr kept.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import XCTest
import Tensors

final class ShellCommandTests: XCTestCase {
    func failure(_ location: String, limit: Int = 1 << 20) -> InputError? {
        do { _ = try ShellCommand.output(of: location, limit: limit); return nil } catch { return error }
    }

    func testWhatIsACommand() {
        XCTAssertTrue(ShellCommand.isCommand("flac -c -d -s x.flac |"))
        XCTAssertTrue(ShellCommand.isCommand("cat x.wav|  \t"))
        XCTAssertFalse(ShellCommand.isCommand("x.wav"))
        XCTAssertFalse(ShellCommand.isCommand("| gzip -c > x.gz"))
        XCTAssertEqual(ShellCommand.name("  cat x.wav |"), "command \"cat x.wav |\"")
        XCTAssertEqual(ShellCommand.name("printf x\u{1B}[31m |"), "command \"printf x\\x1B[31m |\"")
        XCTAssertEqual(ShellCommand.name("cat " + String(repeating: "a", count: 200) + " |"), "command \"cat " + String(repeating: "a", count: 96) + "…\"")
    }

    /// The whole of stdout, however it is written (in pieces larger than a pipe holds), with the
    /// command's stdin empty.
    func testOutputIsAllOfStdout() throws {
        XCTAssertEqual(try ShellCommand.output(of: "printf 'a b\\nc' |", limit: 100), Array("a b\nc".utf8))
        let big = try ShellCommand.output(of: "head -c 3000000 /dev/zero | tr '\\0' x; echo >&2 noise |", limit: 4_000_000)
        XCTAssertEqual(big.count, 3_000_000)
        XCTAssertTrue(big.allSatisfy { $0 == UInt8(ascii: "x") })
        XCTAssertEqual(try ShellCommand.output(of: "wc -c; echo done |", limit: 100), Array("0\ndone\n".utf8), "stdin is /dev/null")
    }

    /// A failure is said with the exit status or signal and the last line of stderr; a command that
    /// writes much to stderr does not block on it.
    func testFailuresAreDescribed() {
        XCTAssertEqual(failure("exit 3 |"), InputError(file: "command \"exit 3 |\"", "exited with status 3"))
        XCTAssertEqual(failure("echo one >&2; echo two >&2; echo >&2; false |"),
                       InputError(file: "command \"echo one >&2; echo two >&2; echo >&2; false |\"", "exited with status 1 (stderr: \"two\")"))
        XCTAssertEqual(failure("kill -TERM $$ |")?.message, "killed by signal 15 (SIGTERM)")
        XCTAssertEqual(failure("true |")?.message, "exited with status 0 but wrote nothing to stdout")
        XCTAssertEqual(failure("echo why >&2 |")?.message, "exited with status 0 but wrote nothing to stdout (stderr: \"why\")")
        // A message running on over lines (as flac's on a missing file) is given by its line that
        // says what went wrong, not by its last words.
        XCTAssertEqual(failure("echo 'x.flac: ERROR initializing decoder' >&2; echo 'An error occurred opening the input file; it is likely that it does not exist' >&2; echo 'or is not readable.' >&2; exit 1 |")?.message,
                       "exited with status 1 (stderr: \"An error occurred opening the input file; it is likely that it does not exist\")")
        XCTAssertEqual(failure("yes noise | head -n 40000 >&2; echo last >&2; exit 4 |")?.message, "exited with status 4 (stderr: \"last\")")
        XCTAssertEqual(failure("head -c 5000 /dev/zero |", limit: 4096)?.message,
                       "wrote more than 4096 bytes to stdout, more than seqlab holds in memory for one recording")
        XCTAssertEqual(failure(" |")?.message, "no command before the \"|\"")
        // The command dies of SIGPIPE when its reader is gone even if this process ignores it.
        let old = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, old) }
        XCTAssertEqual(failure("yes |", limit: 10)?.message, "wrote more than 10 bytes to stdout, more than seqlab holds in memory for one recording")
    }

    /// Every command is waited for, also one dropped before the end of its output: no zombie is left.
    func testNoCommandIsLeftUnreaped() throws {
        _ = failure("exit 1 |")
        _ = try ShellCommand.output(of: "echo x |", limit: 10)
        do {
            let dropped = try ShellCommand("sleep 30; echo late |")
            _ = dropped.location
        }
        _ = failure("yes |", limit: 10)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(-1, &status, WNOHANG), -1, "a child process is left")
        XCTAssertEqual(errno, ECHILD)
    }

    /// The descriptors this process has open.
    func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// A command that leaves a process in the background holding its stderr open (as
    /// `(sleep 100 &); cat x.wav |` does) is done when it exits: its output is taken at once (a
    /// failure still with its last stderr line), and its stderr pipe is closed, not held until
    /// the background process ends.
    func testABackgroundProcessHoldingStderrIsNotWaitedFor() throws {
        let before = openDescriptors()
        let start = Date()
        for _ in 0..<3 {
            XCTAssertEqual(try ShellCommand.output(of: "(sleep 10 >/dev/null &); printf abc |", limit: 10), Array("abc".utf8))
        }
        XCTAssertEqual(failure("(sleep 10 >/dev/null &); echo why >&2; exit 2 |")?.message, "exited with status 2 (stderr: \"why\")")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.5, "waited for the background processes' stderr")
        var open = openDescriptors()
        for _ in 0..<100 where open > before {
            usleep(10_000)
            open = openDescriptors()
        }
        XCTAssertEqual(open, before, "stderr pipes held open by the background processes")
    }

    /// True while `process` exists and is not a zombie.
    func isRunning(_ process: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"), let state = stat[stat.index(after: close)...].split(separator: " ").first else { return false }
        return state != "Z" && state != "X"
    }

    /// A command dropped before its end is stopped with the processes it started (not only its
    /// shell), and one that ignores SIGTERM is killed a moment later: dropping it never waits
    /// for it to end by itself, nor leaves a process of it running.
    func testADroppedCommandIsStoppedWithItsProcesses() throws {
        for location in ["trap '' TERM; sleep 20 & echo $!; wait; true |", "sleep 20 & echo $!; wait; true |"] {
            let start = Date()
            var sleeper: pid_t = 0
            do {
                let command = try ShellCommand(location)
                // The line with the pid of sleep: the trap is set by then.
                var line: [UInt8] = [], byte: UInt8 = 0
                while Glibc.read(command.output, &byte, 1) == 1 && byte != 10 { line.append(byte) }
                sleeper = pid_t(String(decoding: line, as: UTF8.self)) ?? 0
                XCTAssertTrue(isRunning(sleeper), location)
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, location)
            XCTAssertGreaterThan(sleeper, 0, location)
            XCTAssertFalse(isRunning(sleeper), "\(location): sleep \(sleeper) is left running")
            if isRunning(sleeper) { kill(sleeper, SIGKILL) }
        }
        var status: Int32 = 0
        XCTAssertEqual(waitpid(-1, &status, WNOHANG), -1, "a child process is left")
    }
}
