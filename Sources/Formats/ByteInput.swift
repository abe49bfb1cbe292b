// ByteInput: buffered, streaming reads from a file or stdin, tracking the byte offset for errors.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensors

/// A buffered reader over a POSIX file descriptor (a regular file, a pipe, or stdin as `-`).
///
/// It never reads the whole input first: bytes come in blocks of `blockSize`, so archives can
/// stream through pipes. `offset` is the absolute position of the next byte, used to name the
/// place of any problem. For regular files `fileSize` is known, so readers can check a claimed
/// size against what the file really holds before allocating.
final class ByteInput {
    /// The name used in error messages (`stdin` for `-`).
    let name: String
    /// Size of a regular file, nil for pipes and terminals.
    let fileSize: Int?
    /// Absolute byte offset of the next byte `readByte` would return.
    private(set) var offset: Int = 0

    private var fd: Int32
    private let ownsDescriptor: Bool
    /// The command whose stdout this is (`init(command:)`), nil for a file.
    private let command: ShellCommand?
    private var buffer: [UInt8]
    private var start = 0, end = 0
    private var reachedEnd = false
    static let blockSize = 1 << 16

    /// Runs the command of `location` (a Kaldi `… |` location, `ShellCommand`) and reads its
    /// stdout, named `command "…"` in messages. At the end of its output the command is waited
    /// for: when it failed (a non-zero exit, a signal) the read that found the end throws,
    /// naming the byte where the output ended and the last line of the command's stderr, so
    /// that a stream cut short (`gunzip -c` of a truncated file) is an error, not a shorter input.
    init(command location: String) throws {
        let command = try ShellCommand(location)
        self.command = command
        fd = command.output
        ownsDescriptor = false
        name = ShellCommand.name(location)
        fileSize = nil
        buffer = [UInt8](repeating: 0, count: ByteInput.blockSize)
    }

    /// Opens `path` for reading; `-` is standard input.
    init(path: String) throws {
        command = nil
        if path == "-" {
            fd = 0
            ownsDescriptor = false
            name = "stdin"
        } else {
            fd = open(path, O_RDONLY)
            if fd < 0 {
                throw InputError(file: path, "cannot open for reading: \(String(cString: strerror(errno)))")
            }
            ownsDescriptor = true
            name = path
        }
        var info = stat()
        let known = fstat(fd, &info) == 0
        if known, ownsDescriptor, (info.st_mode & S_IFMT) == S_IFDIR {
            _ = posixClose(fd)
            throw InputError(file: path, "is a directory, expected a file")
        }
        fileSize = known && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        buffer = [UInt8](repeating: 0, count: ByteInput.blockSize)
    }

    deinit {
        if ownsDescriptor { _ = posixClose(fd) }
    }

    /// Bytes left in a regular file after `offset`, nil when unknown (pipes).
    var remainingInFile: Int? { fileSize.map { max(0, $0 - offset) } }

    /// Refills the buffer; returns false at end of input.
    private func fill() throws -> Bool {
        if start < end { return true }
        if reachedEnd { return false }
        start = 0
        end = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n > 0 { end = n; return true }
            if n == 0 {
                reachedEnd = true
                if let problem = command?.finish() {
                    throw InputError(file: name, place: "byte \(offset)", problem)
                }
                return false
            }
            if errno == EINTR { continue }
            throw InputError(file: name, place: "byte \(offset)", "read failed: \(String(cString: strerror(errno)))")
        }
    }

    /// The next byte without consuming it, or nil at end of input.
    func peekByte() throws -> UInt8? {
        guard try fill() else { return nil }
        return buffer[start]
    }

    /// The next byte, or nil at end of input.
    func readByte() throws -> UInt8? {
        guard try fill() else { return nil }
        let b = buffer[start]
        start += 1
        offset += 1
        return b
    }

    /// Copies up to `destination.count` bytes; returns how many were copied (fewer only at end of input).
    func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        var copied = 0
        while copied < destination.count {
            guard try fill() else { break }
            let n = min(end - start, destination.count - copied)
            buffer.withUnsafeBytes { src in
                (destination.baseAddress! + copied).copyMemory(from: src.baseAddress! + start, byteCount: n)
            }
            start += n
            offset += n
            copied += n
        }
        return copied
    }

    /// Exactly `count` bytes, or nil if the input ends first. `count` must already be checked.
    func readBytes(_ count: Int) throws -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        let got = try out.withUnsafeMutableBytes { try read(into: $0) }
        return got == count ? out : nil
    }

    /// Moves to absolute byte `position` of a regular file.
    func seek(to position: Int) throws {
        guard fileSize != nil else {
            throw InputError(file: name, "cannot seek to byte \(position): not a regular file")
        }
        if lseek(fd, off_t(position), SEEK_SET) < 0 {
            throw InputError(file: name, "cannot seek to byte \(position): \(String(cString: strerror(errno)))")
        }
        start = 0
        end = 0
        reachedEnd = false
        offset = position
    }
}
