// Runs the built seqlab binary with arguments and stdin, capturing stdout, stderr and exit code.
import Foundation

/// What a run of the binary produced.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: String
    /// True when the process died of a signal (a crash or a trap), not by exiting; `status` is then the signal number.
    public var killedBySignal = false
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// The built `seqlab` executable, in the build folder that holds the test bundle.
public func seqlabBinary() -> URL {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("seqlab")
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return packageRoot.appendingPathComponent(".build/debug/seqlab")
}

/// Runs seqlab with `arguments`, feeding `stdin`, within `timeout` seconds.
///
/// Standard input and both outputs go through temporary files, so no pipe can fill and block.
/// With `stdoutPath` (e.g. `/dev/full`) stdout goes there instead, and `stdout` comes back empty.
public func runSeqlab(_ arguments: [String], stdin: Data = Data(), currentDirectory: URL? = nil,
                      environment: [String: String]? = nil, timeout: TimeInterval = 120,
                      stdoutPath: String? = nil) throws -> ProcessResult {
    try runProgram(seqlabBinary(), arguments, stdin: stdin, currentDirectory: currentDirectory,
                   environment: environment, timeout: timeout, stdoutPath: stdoutPath)
}

/// Runs the program at `executable` as `runSeqlab` runs seqlab (e.g. a script of scripts/).
public func runProgram(_ executable: URL, _ arguments: [String], stdin: Data = Data(), currentDirectory: URL? = nil,
                       environment: [String: String]? = nil, timeout: TimeInterval = 120,
                       stdoutPath: String? = nil) throws -> ProcessResult {
    let dir = temporaryDirectory("run")
    defer { try? FileManager.default.removeItem(at: dir) }
    let inURL = dir.appendingPathComponent("stdin"), outURL = dir.appendingPathComponent("stdout"),
        errURL = dir.appendingPathComponent("stderr")
    try stdin.write(to: inURL)
    try Data().write(to: outURL)
    try Data().write(to: errURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let inHandle = try FileHandle(forReadingFrom: inURL)
    let outHandle = try FileHandle(forWritingTo: stdoutPath.map { URL(fileURLWithPath: $0) } ?? outURL), errHandle = try FileHandle(forWritingTo: errURL)
    process.standardInput = inHandle
    process.standardOutput = outHandle
    process.standardError = errHandle
    try process.run()
    try waitForExit(process, timeout: timeout, name: "\(executable.lastPathComponent) \(arguments)")
    try? inHandle.close(); try? outHandle.close(); try? errHandle.close()
    return ProcessResult(status: process.terminationStatus, stdout: try Data(contentsOf: outURL),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                         killedBySignal: process.terminationReason == .uncaughtSignal)
}

/// Runs `python3 ARGUMENTS` (found on PATH) to its end: its exit status and its stdout and stderr
/// together, for the tests that read seqlab's files back in Python.
public func runPython3(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let p = Process(), out = Pipe()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + arguments
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Waits for `process` to end, calling `whileWaiting` every 5 ms (e.g. to drain a terminal it
/// writes to); one still running after `timeout` seconds is terminated and an error names it.
func waitForExit(_ process: Process, timeout: TimeInterval, name: String, whileWaiting: () -> Void = {}) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { whileWaiting(); usleep(5_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw NSError(domain: "seqlab-tests", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(name) did not finish in \(timeout) s"])
    }
    process.waitUntilExit()
}
