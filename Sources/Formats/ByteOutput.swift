// ByteOutput: buffered writes to a file or stdout, reporting failures as errors naming the file.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensors

/// A buffered writer over a POSIX file descriptor; `-` is standard output.
///
/// Bytes collect in a buffer of `blockSize` and go out with `write(2)`, retried on short writes,
/// so archives stream into pipes. `close()` flushes and reports any failure (a full disk, a
/// closed pipe) as an `InputError` naming the file.
///
/// A regular file (or a path that does not exist yet) is written whole or not at all: the bytes
/// go to a temporary file beside it (`AtomicFile`'s `.NAME.tmp-XXXXXX`) that `close()` renames
/// over the target. A process killed mid-write leaves the old file (or none) and the temporary
/// file, never a partial file under the final name; an output dropped without `close()` (an
/// error thrown half-way) removes its temporary file. Devices, pipes and symbolic links
/// (`/dev/null`, a FIFO) are opened and written in place.
final class ByteOutput {
    let name: String
    private var fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var closed = false
    /// The temporary file written until `close()` renames it to `name`, and the mode it gets then.
    private var replacement: (temporary: String, mode: mode_t)?
    /// The command whose stdin this is (`init(command:)`), nil for a file or stdout.
    private let command: ShellCommand?
    static let blockSize = 1 << 16

    /// Runs the output command of `location` (`| gzip -c > out.ark.gz`, Kaldi's wxfilename;
    /// `ShellCommand(writingTo:)`) and writes to its stdin, named `command "…"` in messages.
    /// `close()` ends its input and waits for it: a command that failed (a non-zero exit, a
    /// signal) is an error naming it, its status and the last line of its stderr; so is one that
    /// stopped reading before the end. What the command writes is not replaced atomically.
    init(command location: String) throws {
        let command = try ShellCommand(writingTo: location)
        self.command = command
        fd = command.input
        ownsDescriptor = false
        name = ShellCommand.name(location)
        buffer.reserveCapacity(ByteOutput.blockSize)
    }

    /// Takes over an already open descriptor (closed by `close()`), named `name` in errors.
    init(descriptor: Int32, name: String) {
        command = nil
        fd = descriptor
        ownsDescriptor = true
        self.name = name
        buffer.reserveCapacity(ByteOutput.blockSize)
    }

    /// Opens `path` for writing (created or truncated); `-` is standard output.
    init(path: String) throws {
        command = nil
        if path == "-" {
            fd = 1
            ownsDescriptor = false
            name = "stdout"
        } else {
            var info = stat()
            let exists = lstat(path, &info) == 0
            // A folder that takes no new files (a writable file in a read-only folder) is
            // written in place, as before.
            if !exists || (info.st_mode & S_IFMT) == S_IFREG,
               let (descriptor, temporary) = try? AtomicFile.createTemporary(beside: path) {
                fd = descriptor
                replacement = (temporary, exists ? info.st_mode & 0o7777 : 0o644)
            } else {
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
            if fd < 0 {
                throw InputError(file: path, "cannot open for writing: \(String(cString: strerror(errno)))")
            }
            ownsDescriptor = true
            name = path
        }
        buffer.reserveCapacity(ByteOutput.blockSize)
    }

    deinit {
        if replacement != nil { abandon() } else if !closed { try? close() }
    }

    /// Closes without keeping anything: the temporary file of a replacing output is removed and
    /// the target left as it was (other outputs are just closed).
    func abandon() {
        guard !closed else { return }
        closed = true
        _ = command?.finish()
        if ownsDescriptor { _ = posixClose(fd) }
        if let replacement { unlink(replacement.temporary) }
        replacement = nil
    }

    /// True when the output is a terminal (binary data should not go there).
    var isTerminal: Bool { isatty(fd) != 0 }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write(raw: $0) }
    }

    /// Appends `raw`; a block or more goes straight to the descriptor after what is buffered,
    /// without passing through the buffer.
    func write(raw: UnsafeRawBufferPointer) throws {
        if raw.count >= ByteOutput.blockSize {
            try flush()
            try writeAll(raw)
            return
        }
        buffer.append(contentsOf: raw)
        if buffer.count >= ByteOutput.blockSize { try flush() }
    }

    func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Appends the raw bytes of `values` (host order; callers convert to little-endian first).
    func writeRaw<T>(_ values: [T]) throws {
        try flush()
        try values.withUnsafeBytes { try writeAll($0) }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ raw: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < raw.count {
            let n = command == nil ? posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                : Self.writeWithoutSIGPIPE(fd, raw.baseAddress! + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                if let command, errno == EPIPE {
                    // The command no longer reads: say how it ended.
                    closed = true
                    throw InputError(file: name, command.finish() ?? "exited with status 0 before reading all its input")
                }
                throw InputError(file: name, "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// `write(2)` to a command's stdin with SIGPIPE blocked on this thread, so that a command that
    /// ended is an EPIPE error here (its status reported), not a signal ending seqlab; the SIGPIPE
    /// that write raised is taken before SIGPIPE is unblocked again.
    private static func writeWithoutSIGPIPE(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        var pipeSignal = sigset_t(), old = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &old)
        let n = posixWrite(fd, bytes, count)
        let error = errno
        // A write the reader's end cut short raises SIGPIPE too, though it returns a count.
        var pending = sigset_t()
        if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeSignal, nil, &now) < 0 && errno == EINTR {}
        }
        pthread_sigmask(SIG_SETMASK, &old, nil)
        errno = error
        return n
    }

    /// Flushes, then makes the data durable (`fsync`) when `sync` is set.
    func sync() throws {
        try flush()
        if fsync(fd) != 0 {
            throw InputError(file: name, "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes and closes (a replacing output then renames its temporary file over the target);
    /// safe to call twice. On a failure the temporary file is removed and the target untouched.
    /// With `durably`, a replacing output's data is flushed to disk (`fsync`) before the rename and
    /// the folder synced after it, as `AtomicFile.write` does for models.
    func close(durably: Bool = false) throws {
        guard !closed else { return }
        do {
            try flush()
            if durably, replacement != nil, fsync(fd) != 0 {
                throw InputError(file: name, "fsync failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            abandon()
            throw error
        }
        closed = true
        if let command {
            if let problem = command.finish() { throw InputError(file: name, problem) }
            return
        }
        if ownsDescriptor, posixClose(fd) != 0 {
            let reason = String(cString: strerror(errno))
            if let replacement { unlink(replacement.temporary) }
            replacement = nil
            throw InputError(file: name, "close failed: \(reason)")
        }
        if let replacement {
            self.replacement = nil
            try AtomicFile.commit(replacement.temporary, to: name, mode: replacement.mode, syncFolder: durably)
        }
    }
}

/// A side output of a long job (a labels file, an utt2spk list): opened before the job starts, so
/// that a path that cannot be written fails before any work, and given its whole content at the end.
///
/// `write` fills the temporary file (`ByteOutput`'s atomic replacement) and `commit` renames it
/// over the target, so a job can fill all its outputs first and then commit them one after the
/// other; `abandon` (or dropping it uncommitted) leaves the target as it was.
public final class StagedOutput {
    private let output: ByteOutput
    public var name: String { output.name }

    /// Opens `path` (`-` is standard output), failing with an `InputError` naming it.
    public init(path: String) throws { output = try ByteOutput(path: path) }

    /// Writes `bytes` through to the temporary file (or the stream).
    public func write(_ bytes: [UInt8]) throws {
        try output.write(bytes)
        try output.flush()
    }

    /// Renames the written file over the target, durably (fsync, rename, folder sync: a model
    /// written this way survives a crash as `AtomicFile.write`'s do).
    public func commit() throws { try output.close(durably: true) }

    /// Drops what was written; the target stays as it was.
    public func abandon() { output.abandon() }
}
