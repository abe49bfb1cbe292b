// ShellCommand: the command of a Kaldi "… |" location, run with /bin/sh -c, its stdout read by seqlab
// (or of an output location "| …", its stdin written).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A command Kaldi runs where it reads a file: a location whose last non-blank character is `|`
/// (Kaldi `util/kaldi-io.cc`, `ClassifyRxfilename`), as LibriSpeech's wav.scp has
/// `flac -c -d -s x.flac |` and a recipe `ark:gunzip -c feats.ark.gz |`. The text before the `|`
/// runs as `/bin/sh -c TEXT` (as Kaldi's `popen` does), its stdin `/dev/null`, its stdout a pipe
/// seqlab reads. Its stderr is taken too (not passed on to seqlab's), and the last line of it
/// goes into the error when the command fails.
///
/// `finish()` waits for the command and says how it ended; a command dropped before that is
/// stopped (SIGTERM, then SIGKILL if it is still there a second later) and waited for, so none
/// is left a zombie and seqlab does not wait long for one that ignores SIGTERM.
public final class ShellCommand: @unchecked Sendable {
    /// The location as written (with its `|`).
    public let location: String
    /// The read end of the command's stdout (-1 for an output command).
    public private(set) var output: Int32
    /// The write end of an output command's stdin (-1 for a command that is read).
    public private(set) var input: Int32
    private let pid: pid_t
    private let errors: StderrTail
    private var ended: Bool = false

    /// True when `location` is a command: its last character other than a space or a tab is `|`.
    public static func isCommand(_ location: String) -> Bool {
        location.unicodeScalars.last(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) == "|"
    }

    /// How messages name the command of `location`: `command "flac -c -d x.flac |"`, cut to 100
    /// characters.
    public static func name(_ location: String) -> String {
        "command \"\(InputError.quoted(location.trimmingCharacters(in: .whitespaces), limit: 100))\""
    }

    /// Asked before a command starts and, while seqlab waits for a command's output
    /// (`output(of:limit:)`), every tenth of a second: once it is true (seqlab was told to stop:
    /// Ctrl-C, SIGTERM, SIGHUP), no command starts and one under way is stopped at once
    /// (`stop()`), with an error saying so (`interruptedMessage`). Set it before commands run.
    nonisolated(unsafe) public static var interrupted: @Sendable () -> Bool = { false }

    /// The error of a command stopped, or not started, because seqlab was interrupted.
    public static let interruptedMessage = "stopped: seqlab was interrupted"

    /// Starts the command of `location` (a location `isCommand` accepts), to read its stdout.
    public convenience init(_ location: String) throws(InputError) {
        try self.init(location: location, writing: false)
    }

    /// Starts the command of the output location `location` (`| gzip -c > out.ark.gz`, a location
    /// `isOutputCommand` accepts, Kaldi's wxfilename): the text after the `|` runs as
    /// `/bin/sh -c TEXT`, its stdin a pipe seqlab writes (`input`), its stdout seqlab's, its
    /// stderr taken as a read command's is. `finish()` ends its input and waits for it.
    public convenience init(writingTo location: String) throws(InputError) {
        try self.init(location: location, writing: true)
    }

    /// True when `location` is an output command: its first character other than a space or a
    /// tab is `|` (Kaldi `ClassifyWxfilename`).
    public static func isOutputCommand(_ location: String) -> Bool {
        location.unicodeScalars.first(where: { $0 != " " && $0 != "\t" }) == "|"
    }

    private init(location: String, writing: Bool) throws(InputError) {
        self.location = location
        var text = Substring(location)
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        if writing {
            while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
            if text.first == "|" { text.removeFirst() }
        } else if text.last == "|" {
            text.removeLast()
        }
        let name = Self.name(location)
        guard !Self.interrupted() else { throw InputError(file: name, Self.interruptedMessage) }
        guard !text.allSatisfy({ $0 == " " || $0 == "\t" }) else {
            throw InputError(file: name, writing ? "no command after the \"|\"" : "no command before the \"|\"")
        }
        Self.spawning.lock()
        defer { Self.spawning.unlock() }
        // `io` is the command's stdout (read by seqlab), or for an output command its stdin.
        var io: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard Self.makePipe(&io) else { throw InputError(file: name, "cannot make a pipe: \(String(cString: strerror(errno)))") }
        guard Self.makePipe(&err) else {
            let problem = String(cString: strerror(errno))
            close(io[0]); close(io[1])
            throw InputError(file: name, "cannot make a pipe: \(problem)")
        }
        let (theirs, ours) = writing ? (io[0], io[1]) : (io[1], io[0])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if writing {
            posix_spawn_file_actions_adddup2(&actions, theirs, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, theirs, 1)
        }
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        // The command dies of SIGPIPE when seqlab stops reading (as under a shell), with no signal
        // blocked, whatever seqlab ignores or blocks itself.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), none = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(String(text)), nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ)
        close(theirs)
        close(err[1])
        guard status == 0 else {
            close(ours); close(err[0])
            throw InputError(file: name, "cannot run /bin/sh: \(String(cString: strerror(status)))")
        }
        pid = child
        output = writing ? -1 : ours
        input = writing ? ours : -1
        errors = StderrTail(descriptor: err[0])
    }

    deinit {
        if !ended {
            // Dropped before its end (a reader that stopped at an error): stop it and reap it.
            _ = stop()
            errors.abandon()
        }
    }

    /// How long a command that is stopped (`stop()`) has to end after SIGTERM before SIGKILL.
    static let stopGrace = 1.0

    /// Stops a command whose output is no longer wanted and waits for it: its stdout is closed
    /// and it is sent SIGTERM, with the processes it started (`sleep 5; cat x |` runs `sleep`
    /// under the shell), then SIGKILL if it has not ended `stopGrace` seconds later (a command
    /// may ignore or trap SIGTERM), so that seqlab never waits long for it and leaves none of
    /// them running. Returns its wait status.
    private func stop() -> Int32 {
        closeOutput()
        let tree = [pid] + Self.descendants(of: pid)
        for process in tree { kill(process, SIGTERM) }
        let deadline = DispatchTime.now() + Self.stopGrace
        var status: Int32 = 0, reaped = false
        while true {
            if !reaped {
                let found = waitpid(pid, &status, WNOHANG)
                if found < 0 && errno == EINTR { continue }
                if found == pid || found < 0 { reaped = true }
                if found < 0 { status = 0 }
            }
            let alive = tree.dropFirst().filter(Self.isRunning)
            if reaped && alive.isEmpty { return status }
            if DispatchTime.now() >= deadline {
                let rest = Array(Set(alive + (reaped ? [] : Self.descendants(of: pid))))
                if !reaped { kill(pid, SIGKILL) }
                for process in rest { kill(process, SIGKILL) }
                if !reaped { status = waitStatus() }
                // SIGKILL takes a moment to end a process that is not a child of seqlab's.
                for _ in 0..<100 where rest.contains(where: Self.isRunning) { usleep(10_000) }
                return status
            }
            usleep(10_000)
        }
    }

    /// The processes below `root` (its children, theirs, …), from /proc; none where there is no
    /// /proc (the command alone is then stopped).
    static func descendants(of root: pid_t) -> [pid_t] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var children: [pid_t: [pid_t]] = [:]
        for name in names {
            guard let process = pid_t(name), let (parent, _) = status(of: process) else { continue }
            children[parent, default: []].append(process)
        }
        var found: [pid_t] = [], queue = [root]
        while let next = queue.popLast() {
            for child in children[next] ?? [] where !found.contains(child) {
                found.append(child)
                queue.append(child)
            }
        }
        return found
    }

    /// The parent and the state letter of `process` from /proc/PID/stat, nil when it is gone.
    static func status(of process: pid_t) -> (parent: pid_t, state: Character)? {
        guard let text = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 2, let state = fields[0].first, let parent = pid_t(fields[1]) else { return nil }
        return (parent, state)
    }

    /// True while `process` exists and is not a zombie.
    static func isRunning(_ process: pid_t) -> Bool {
        guard let (_, state) = status(of: process) else { return false }
        return state != "Z" && state != "X"
    }

    /// Closes the read end of stdout (a command still writing then ends by SIGPIPE), and the write
    /// end of an output command's stdin (which then reads its end).
    private func closeOutput() {
        if output >= 0 { close(output); output = -1 }
        if input >= 0 { close(input); input = -1 }
    }

    /// Waits for the command (closing its stdout, or an output command's stdin, first); nil when
    /// it exited with status 0, else what went wrong: "exited with status 3", "killed by signal 9
    /// (SIGKILL)", followed by the last line it wrote to stderr, if any.
    public func finish() -> String? {
        closeOutput()
        guard !ended else { return nil }
        ended = true
        let status = waitStatus()
        // The command has ended, so all it wrote to stderr is in the pipe: take that and stop
        // reading, not waiting for processes it left in the background holding stderr open.
        errors.abandon()
        var problem: String
        if status & 0x7F == 0 {
            let code = (status >> 8) & 0xFF
            if code == 0 { return nil }
            problem = "exited with status \(code)"
        } else {
            let signal = status & 0x7F
            problem = "killed by signal \(signal)\(Self.signalNames[signal].map { " (\($0))" } ?? "")"
        }
        if let last = errors.lastLine() { problem += " (stderr: \"\(last)\")" }
        return problem
    }

    /// The line of the command's stderr that says what went wrong, else its last line (cut to 160
    /// characters; see `StderrTail.lastLine`), nil when it wrote none. After
    /// `finish()`, all it wrote before it ended; before, what it has written so far.
    public func lastErrorLine() -> String? { errors.lastLine() }

    private func waitStatus() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 0 }
        }
        return status
    }

    static let signalNames: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGABRT: "SIGABRT",
                                               SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE", SIGTERM: "SIGTERM",
                                               SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL"]

    /// A pipe whose ends are closed in the command (each end it needs is duplicated to 1 or 2).
    /// Made and marked under `spawning`, so that no command started meanwhile on another thread
    /// inherits an end (which would hold a pipe open after its own command ended).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    /// Held while pipes are made and a command started (see `makePipe`).
    private static let spawning = NSLock()

    /// The whole stdout of the command of `location`, at most `limit` bytes. Throws, naming the
    /// command (`name`), when it cannot run, fails (a non-zero exit, a signal; its stderr's last
    /// line given), writes nothing, or writes more than `limit` bytes.
    public static func output(of location: String, limit: Int) throws(InputError) -> [UInt8] {
        let command = try ShellCommand(location)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try chunk.withUnsafeMutableBytes { p in
                Result { () throws(InputError) in try command.readOutput(p.baseAddress, p.count) }
            }.get()
            if n == 0 { break }
            guard bytes.count + n <= limit else {
                command.ended = true
                _ = command.stop()
                command.errors.abandon()
                throw InputError(file: name(location), "wrote more than \(limit) bytes to stdout, more than seqlab holds in memory for one recording")
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        if let problem = command.finish() {
            throw InputError(file: name(location), problem)
        }
        if bytes.isEmpty {
            let note = command.lastErrorLine().map { " (stderr: \"\($0)\")" } ?? ""
            throw InputError(file: name(location), "exited with status 0 but wrote nothing to stdout\(note)")
        }
        return bytes
    }
}

extension ShellCommand {
    /// Reads up to `count` bytes of the command's stdout, 0 at its end. Meanwhile `interrupted`
    /// is asked every tenth of a second; once it is true the command is stopped and this throws.
    fileprivate func readOutput(_ destination: UnsafeMutableRawPointer?, _ count: Int) throws(InputError) -> Int {
        while true {
            if Self.interrupted() {
                ended = true
                _ = stop()
                errors.abandon()
                throw InputError(file: Self.name(location), Self.interruptedMessage)
            }
            var request = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, 100)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            let n = readDescriptor(output, destination, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw InputError(file: Self.name(location), "reading its output failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// `read(2)`, under a name no method shadows.
private func readDescriptor(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }

/// Drains a command's stderr on a thread of its own (so that a command writing much there never
/// blocks on it), keeping its last 4 KiB. Once the command has ended (`abandon()`), the thread
/// takes what the pipe holds and closes it: a process the command left in the background may
/// keep its stderr open for long, and neither the descriptor nor the thread waits for it.
private final class StderrTail: @unchecked Sendable {
    private let lock = NSLock()
    private var tail: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)
    private var finished = false
    private var abandoned = false
    static let keep = 4096
    /// The most read after `abandon()` (a background process may go on writing).
    static let afterEnd = 1 << 20

    init(descriptor: Int32) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            var readAfterEnd = 0
            while true {
                lock.lock()
                let ending = abandoned
                lock.unlock()
                // Until the command ends, wake now and then to see whether it has; after, only
                // what the pipe holds now is read (a zero timeout).
                var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&request, 1, ending ? 0 : 50)
                if ready < 0 && errno == EINTR { continue }
                if ready < 0 || (ready == 0 && ending) { break }
                if ready == 0 { continue }
                let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                lock.lock()
                tail.append(contentsOf: chunk[0..<n])
                if tail.count > 2 * Self.keep { tail.removeFirst(tail.count - Self.keep) }
                lock.unlock()
                if ending {
                    readAfterEnd += n
                    if readAfterEnd > Self.afterEnd { break }
                }
            }
            close(descriptor)
            done.signal()
        }
        thread.start()
    }

    /// Says the command has ended: the thread reads what the pipe holds, then closes it.
    func abandon() {
        lock.lock()
        abandoned = true
        lock.unlock()
    }

    /// The last non-blank line that reads as saying what went wrong (`readsAsAProblem`), else the
    /// last non-blank line, quoted for a message. After `abandon()`, waits for the thread to
    /// take what the pipe holds (it does not wait for more).
    func lastLine() -> String? {
        lock.lock()
        let wait = abandoned && !finished
        lock.unlock()
        if wait {
            done.wait()
            lock.lock()
            finished = true
            lock.unlock()
        }
        lock.lock()
        let bytes = tail
        lock.unlock()
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
        guard let line = lines.last(where: Self.readsAsAProblem) ?? lines.last else { return nil }
        return InputError.quoted(line.trimmingCharacters(in: .whitespaces), limit: 160)
    }

    /// Words that mark a line of stderr as the one saying what went wrong. A program's message
    /// often runs on over lines after it (flac ends "…it is likely that it does not exist" on a
    /// line of its own: "or is not readable."), so the last such line says more than the last line.
    static let problemWords = ["error", "fail", "cannot", "can't", "unable", "no such", "not found", "denied", "unexpected", "invalid"]

    static func readsAsAProblem(_ line: Substring) -> Bool {
        let lowered = line.lowercased()
        return problemWords.contains { lowered.contains($0) }
    }
}
