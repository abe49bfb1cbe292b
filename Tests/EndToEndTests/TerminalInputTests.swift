// A command that reads a Kaldi archive from stdin, run with stdin on a terminal (the pipe forgotten):
// one line saying so, exit status 1, rather than wait silently for an archive nobody will type.
import Foundation
import TestSupport
import XCTest

final class TerminalInputTests: XCTestCase {
    /// Runs seqlab with stdin on a new pseudo-terminal that stays open (nothing typed), stopping it
    /// after `timeout` seconds; returns its exit status (nil when it had to be stopped) and stderr.
    func runOnTerminal(_ arguments: [String], timeout: TimeInterval = 30) throws -> (status: Int32?, stderr: String) {
        // The pseudo-terminal calls of libc, which Swift's Glibc module leaves out.
        typealias Open = @convention(c) (Int32) -> Int32
        typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        func libc<F>(_ symbol: String, _ type: F.Type) -> F? {
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), symbol).map { unsafeBitCast($0, to: type) }
        }
        guard let openpt = libc("posix_openpt", Open.self), let grantpt = libc("grantpt", Open.self),
              let unlockpt = libc("unlockpt", Open.self), let ptsname = libc("ptsname", Name.self) else {
            throw XCTSkip("no pseudo-terminal calls in libc")
        }
        let master = openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else {
            throw XCTSkip("no pseudo-terminal available")
        }
        defer { close(master) }
        let terminal = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard terminal >= 0 else { throw XCTSkip("cannot open the pseudo-terminal") }
        let stdin = FileHandle(fileDescriptor: terminal, closeOnDealloc: true)
        let stderr = Pipe()
        let process = Process()
        process.executableURL = seqlabBinary()
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        let stopped = process.isRunning
        if stopped { process.terminate() }
        process.waitUntilExit()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (stopped ? nil : process.terminationStatus, text)
    }

    /// decode, train, cmvn and align with no archive given and stdin a terminal: each used to wait
    /// for input forever, saying nothing.
    func testAnArchiveIsNotReadFromATerminal() throws {
        let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
        let text = packageRoot.appendingPathComponent("data/samples/text").path
        let dir = temporaryDirectory()
        let cases: [(command: String, arguments: [String])] = [
            ("decode", ["decode", "-m", model]),
            ("train", ["train", "--text", text, "-o", dir.appendingPathComponent("m.safetensors").path]),
            ("cmvn", ["cmvn", "-o", dir.appendingPathComponent("out.ark").path]),
            ("align", ["align", "-m", model, "--text", text]),
        ]
        for (command, arguments) in cases {
            let r = try runOnTerminal(arguments)
            XCTAssertEqual(r.status, 1, "\(command): \(r.stderr)")
            XCTAssertEqual(r.stderr, "seqlab \(command): stdin: is a terminal, expected a Kaldi archive: pipe one in (seqlab extract … | seqlab …) or give the archive's file\n")
        }
    }
}
