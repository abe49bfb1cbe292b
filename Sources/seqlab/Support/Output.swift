// Output: data to stdout, messages to stderr.
//
// Every line a command writes to stderr starts with "seqlab <command path>: ", the command path
// being the subcommand names as typed ("seqlab extract audio: ", "seqlab grid solve: "); warnings
// go on with "warning: ". Commands write them with `Self.printMessage` and `Self.printWarning`,
// and run their work in `Self.reportingErrors`, which prints an error thrown out of it the same
// way instead of letting swift-argument-parser print it as "Error: …"; `Seqlab.main` does the same
// for the command lines the parser or a `validate()` refuses. Not messages, and left as they are:
// progress bars and streaming partial results (terminal only), train's epoch lines, grid learn's
// report when --curve - puts the curve on stdout, and the root's SEQLAB_ISA refusal.
import ArgumentParser
import Formats
import Foundation
import Tensors

/// Writes text to stdout (data), all of it (`write(2)` retried on short writes). A failure (a
/// full disk, `/dev/full`) throws an `InputError` naming stdout, so that the command stops with
/// one line and exit status 1 rather than lose its output; a closed pipe ends the process with
/// SIGPIPE, quietly, as other Unix tools do.
func writeOut(_ text: String) throws {
    guard !text.isEmpty else { return }
    if let problem = writeAll(Array(text.utf8), to: 1) {
        throw InputError(file: "stdout", "write failed: \(problem)")
    }
}

/// "1 file", "2 files": a count with its noun, plural unless the count is one.
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

/// Writes one line to stderr as it is (no prefix: commands use `printMessage`/`printWarning`).
/// A stderr that takes nothing (closed, full) loses the line: there is nowhere left to report it.
func printError(_ message: String) {
    writeStandardError(message + "\n")
}

/// Writes text to stderr as it is (a progress bar's or a partial result's line); lost when stderr
/// takes nothing, as `printError`'s lines are.
func writeStandardError(_ text: String) {
    _ = writeAll(Array(text.utf8), to: 2)
}

/// Writes all of `bytes` to `descriptor`; the system's text for the failure, or nil.
func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> String? {
    bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            let n = write(descriptor, raw.baseAddress! + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            done += n
        }
        return nil
    }
}

/// The command path ("seqlab extract audio") of every command type under the root `Seqlab`.
private let commandPaths: [ObjectIdentifier: String] = {
    var paths: [ObjectIdentifier: String] = [:]
    func visit(_ command: ParsableCommand.Type, path: String) {
        if paths[ObjectIdentifier(command)] == nil { paths[ObjectIdentifier(command)] = path }
        for sub in command.configuration.subcommands { visit(sub, path: path + " " + sub._commandName) }
    }
    visit(Seqlab.self, path: Seqlab._commandName)
    return paths
}()

extension ParsableCommand {
    /// The command as typed: "seqlab" and the subcommand names down to this one (from each
    /// `CommandConfiguration`'s `commandName`), e.g. "seqlab extract audio".
    static var commandPath: String {
        commandPaths[ObjectIdentifier(self)] ?? "\(Seqlab._commandName) \(_commandName)"
    }

    /// "seqlab <command path>: ", the start of every line this command writes to stderr.
    static var messagePrefix: String { commandPath + ": " }

    /// Writes "seqlab <command path>: <message>" to stderr (errors, notes, summaries).
    static func printMessage(_ message: String) {
        printError(messagePrefix + message)
    }

    /// Writes "seqlab <command path>: warning: <message>" to stderr.
    static func printWarning(_ message: String) {
        printError(messagePrefix + "warning: " + message)
    }

    /// Ends the archive a batch wrote: closed when the run wrote something (or was interrupted,
    /// keeping what came before the signal), abandoned when it wrote nothing, so that the archive an
    /// earlier run left at the path stays as it was rather than become empty. True when abandoned:
    /// the command then says so with `nothingWritten` after its summary.
    static func closeArchive(_ writer: KaldiArchiveWriter, wroteAny: Bool) throws -> Bool {
        if wroteAny || Interrupt.requested {
            try writer.close()
            return false
        }
        writer.abandon()
        return true
    }

    /// Opens a side output of a batch (--text-out, --utt2spk) before the batch starts, so that a
    /// path that cannot be written stops the run before any work (see `StagedOutput`); the
    /// temporary file a killed run left beside it is removed.
    static func openSideOutput(_ path: String?) throws -> StagedOutput? {
        guard let path else { return nil }
        for leftover in AtomicFile.removeLeftovers(of: path) {
            printMessage("removed \(leftover), left by an interrupted write")
        }
        return try StagedOutput(path: path)
    }

    /// `closeArchive` for a batch with side outputs opened by `openSideOutput`: their contents go
    /// to their temporary files first, then the archive is ended, then they are committed beside
    /// it — or, when the archive is abandoned, left as they were with it. Nothing is written half:
    /// a side output that cannot be written stops the run with the archive's old content in place.
    static func closeArchive(_ writer: KaldiArchiveWriter, wroteAny: Bool,
                             sideOutputs: [(file: StagedOutput?, contents: () throws -> [UInt8])]) throws -> Bool {
        if wroteAny || Interrupt.requested {
            for case let (file?, contents) in sideOutputs { try file.write(contents()) }
        }
        let nothing = try closeArchive(writer, wroteAny: wroteAny)
        for case let (file?, _) in sideOutputs {
            if nothing { file.abandon() } else { try file.commit() }
        }
        return nothing
    }

    /// Refuses, before any work, an output that is one of the command's inputs, however spelled (a
    /// link, `./`; see `SameFile`): exit status 64, naming both. `outputs` are the output options and
    /// their paths (Kaldi specifiers allowed), `inputs` the paths read (`-` and nil are skipped).
    static func refuseReplacingInputs(outputs: [(option: String, path: String?)], inputs: [String?]) throws {
        var option: [String: String] = [:]
        for case let (name, path?) in outputs {
            for file in SameFile.files(ofSpecifier: path) where option[file] == nil { option[file] = name }
        }
        let same = SameFile(outputs: Array(option.keys).sorted())
        guard !same.isEmpty else { return }
        for case let input? in inputs {
            if let output = same.output(replacing: input) {
                throw ValidationError("\(option[output] ?? "the output") \(output) is the input \(input): writing it would replace that input; give another output path")
            }
        }
    }

    /// Refuses, before any work, two outputs that name one file (`SameFile.sameTarget`): the second
    /// written would replace the first, or one's temporary file be taken for the other's leftover.
    /// Exit status 64, naming both options.
    static func refuseSharedOutputs(_ outputs: [(option: String, path: String?)]) throws {
        let given = outputs.compactMap { o in o.path.map { (o.option, $0) } }
        for (i, a) in given.enumerated() {
            for b in given[(i + 1)...] where SameFile.sameTarget(a.1, b.1) {
                throw ValidationError("\(a.0) \(a.1) and \(b.0) \(b.1) are one file: one would replace the other; give each its own path")
            }
        }
    }

    /// Reports a run that wrote no `unit` (see `closeArchive`) and ends it with exit status 1.
    static func nothingWritten(_ unit: String, why: String = "", output: String) throws -> Never {
        let outcome = output == "-" ? "nothing went to stdout"
            : KaldiArchiveWriter.writesToCommand(output) ? "nothing went to \(output)" : "\(output) was left as it was"
        printMessage("no \(unit) was written\(why); \(outcome)")
        throw ExitCode.failure
    }

    /// The end of a batch over the records of `input`, each bad one already reported: exit status 1
    /// when any failed, and when there were none at all (an empty archive is a mistake upstream,
    /// reported here on one line, not an empty result).
    static func finishBatch(records: Int, failures: Int, input: String) throws {
        if records == 0 && failures == 0 { printMessage(InputError.noUtterances(in: input).description) }
        if records == 0 || failures > 0 { throw ExitCode.failure }
    }

    /// Runs `body`. An error it throws is printed as "seqlab <command path>: <message>", with the
    /// text and exit status swift-argument-parser would give it (`message(for:)`, `exitCode(for:)`):
    /// an `InputError` reads "FILE: PLACE: MESSAGE" with exit status 1; a `ValidationError` found
    /// while running (a flag the input contradicts) keeps its status 64, without the usage lines.
    /// `ExitCode` (the command has already reported) and `CleanExit` pass through. The checks of
    /// `validate()` and the parser's own errors run before `run()`, outside this: `Seqlab.main`
    /// reports those the same way, on one line with exit status 64.
    static func reportingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as CleanExit {
            throw error
        } catch {
            printMessage(message(for: error))
            throw exitCode(for: error)
        }
    }
}
