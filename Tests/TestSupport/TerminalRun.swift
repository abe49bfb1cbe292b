// Runs the built seqlab binary with stderr on a pseudo-terminal of a given width, as a user's shell runs it.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs seqlab with `arguments` in `currentDirectory`, stdin empty, stdout discarded (or, with
/// `stdoutOnTerminal`, on the terminal too, as when nothing is redirected) and stderr on a new
/// pseudo-terminal `columns` wide, within `timeout` seconds; returns its exit status and the bytes
/// the terminal received (the terminal turns "\n" into "\r\n"). `COLUMNS` is left out of the
/// environment unless `environment` sets it. Nil when no pseudo-terminal can be made.
public func runSeqlabOnTerminal(_ arguments: [String], columns: Int, environment: [String: String] = [:],
                                stdoutOnTerminal: Bool = false, currentDirectory: URL? = nil,
                                timeout: TimeInterval = 120) throws -> (status: Int32, terminal: String)? {
    // The pseudo-terminal calls of libc, which Swift's Glibc module leaves out.
    typealias Open = @convention(c) (Int32) -> Int32
    typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
    func libc<F>(_ symbol: String, _ type: F.Type) -> F? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), symbol).map { unsafeBitCast($0, to: type) }
    }
    guard let openpt = libc("posix_openpt", Open.self), let grantpt = libc("grantpt", Open.self),
          let unlockpt = libc("unlockpt", Open.self), let ptsname = libc("ptsname", Name.self) else { return nil }
    let master = openpt(O_RDWR | O_NOCTTY)
    guard master >= 0 else { return nil }
    defer { close(master) }
    guard grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else { return nil }
    let terminal = open(String(cString: name), O_RDWR | O_NOCTTY)
    guard terminal >= 0 else { return nil }
    var size = winsize(ws_row: 24, ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
    _ = ioctl(terminal, UInt(TIOCSWINSZ), &size)
    var env = ProcessInfo.processInfo.environment
    env["COLUMNS"] = nil
    env.merge(environment) { $1 }
    let process = Process()
    process.executableURL = seqlabBinary()
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    process.environment = env
    process.standardInput = FileHandle.nullDevice
    let handle = FileHandle(fileDescriptor: terminal, closeOnDealloc: false)
    process.standardOutput = stdoutOnTerminal ? handle : FileHandle.nullDevice
    process.standardError = handle
    try process.run()
    close(terminal)   // the child holds its own copy; the master then sees the end when it exits
    _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    func drain() {
        while true {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { return }
            received += buffer[0..<n]
        }
    }
    try waitForExit(process, timeout: timeout, name: "seqlab \(arguments)", whileWaiting: drain)
    drain()
    return (process.terminationStatus, String(decoding: received, as: UTF8.self))
}
