// How seqlab's executables report a command line they cannot use: one line on stderr,
// "NAME: <message> (NAME --help shows the options)", exit status 64.
import ArgumentParser
import Foundation

public extension ParsableCommand {
    /// The parser's message for `error` on one line: its lines joined after a sentence's end or a
    /// colon with a space, else with "; ".
    static func oneLineMessage(for error: Error) -> String {
        message(for: error).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .reduce("") { line, next in line.isEmpty ? next : line + (line.hasSuffix(".") || line.hasSuffix(":") ? " " : "; ") + next }
    }

    /// Parses the process's arguments and runs the command. A command line the parser or
    /// `validate()` refuses is one line "NAME: <message> (NAME --help shows the options)" on
    /// stderr and exit status 64; --help and --version, and an error `run()` throws, end as the
    /// library ends them.
    static func mainReportingUsageOnOneLine(name: String) -> Never {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let status = exitCode(for: error)
            if status.isSuccess { exit(withError: error) }
            FileHandle.standardError.write(Data("\(name): \(oneLineMessage(for: error)) (\(name) --help shows the options)\n".utf8))
            Foundation.exit(status.rawValue)
        }
        do { try command.run() } catch { exit(withError: error) }
        exit()
    }
}
