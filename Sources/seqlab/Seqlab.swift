// The seqlab command: the root only configures; each stage is a subcommand in its own file.
import ArgumentParser
import UsageErrors
import Foundation
import Networks

@main
struct Seqlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqlab",
        abstract: "Sequence labelling with LSTM-CTC (speech, handwriting) and grid-world reinforcement learning.",
        discussion: """
        Stages compose as Unix pipes: features go to stdout as Kaldi archives, logs to
        stderr.
          seqlab extract audio --scp wav.scp \\
            | seqlab train --text text -o model.safetensors
          seqlab extract audio test/*.wav | seqlab decode -m model.safetensors > hyp.txt
        """,
        version: "0.1.0",
        subcommands: [Extract.self, CMVN.self, Train.self, Decode.self, Align.self, Label.self, Score.self, Combine.self, Average.self, LM.self, Inspect.self, Grid.self, Plot.self, Influence.self])

    /// Refuses a SEQLAB_ISA the kernels do not know (`KernelInstructionSet`) before any command runs.
    /// A command line the parser or a command's `validate()` refuses is reported as every other
    /// error is, on one line "seqlab <command path>: <message> (…--help …)", exit status 64.
    static func main() {
        if let problem = KernelInstructionSet.problem {
            FileHandle.standardError.write(Data("seqlab: \(problem)\n".utf8))
            Foundation.exit(2)
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = unknownHelpTopic(arguments) {
            // The library's `help` shows the root's help, exit status 0, for a name it does not know.
            Seqlab.printMessage("help: no command '\(unknown.name)' in '\(unknown.path)' (\(unknown.path) --help shows the options)")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let status = exitCode(for: error)
            if status.isSuccess { exit(withError: error) }   // --help, --version: the library prints them
            let typed = typedCommand(arguments)
            let message = oneLineMessage(for: error)
            typed.printMessage("\(message)\(negativeValueHint(message, arguments)) (\(typed.commandPath) --help shows the options)")
            Foundation.exit(status.rawValue)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    /// The parser takes a value that starts with '-' for the next option, so `--beam -3` reads as
    /// "Missing value for '--beam <beam>'": when the word after the option is a negative number (or
    /// a list starting with one), say how to give it.
    static func negativeValueHint(_ message: String, _ arguments: [String]) -> String {
        guard let quote = message.range(of: "Missing value for '--") else { return "" }
        let name = "--" + message[quote.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return "" }
        let next = arguments[i + 1]
        guard next.count > 1, next.hasPrefix("-"), let second = next.dropFirst().first, second.isNumber || second == "." else { return "" }
        return "; a value starting with '-' goes after '=': \(name)=\(next)"
    }

    /// For `seqlab help NAME…`, the first NAME that is not a subcommand of the one before it, and
    /// that command's path; nil for anything else (an option or `help` ends the names).
    static func unknownHelpTopic(_ arguments: [String]) -> (name: String, path: String)? {
        guard arguments.first == "help" else { return nil }
        var command: ParsableCommand.Type = Seqlab.self
        for name in arguments.dropFirst() {
            if name.hasPrefix("-") || name == "help" { return nil }
            guard let sub = command.configuration.subcommands.first(where: { $0._commandName == name }) else {
                return (name, command.commandPath)
            }
            command = sub
        }
        return nil
    }

    /// The deepest subcommand the arguments name (`seqlab grid solve …` → GridSolve).
    static func typedCommand(_ arguments: [String]) -> ParsableCommand.Type {
        var command: ParsableCommand.Type = Seqlab.self
        for argument in arguments {
            guard let sub = command.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            command = sub
        }
        return command
    }
}
