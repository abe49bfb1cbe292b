// InputList: the files a batch command works on: arguments, a Kaldi wav.scp, or paths on stdin.
import ArgumentParser
import Foundation
import Features
import Formats
import Tensors

/// The (utterance id, path) pairs named by `files` (or `-`: one path a line on stdin) or by `scp`.
/// Without an scp the id is the file name without its extension, preceded by as many parent folders
/// as tell two inputs of the same name apart (`distinctFileKeys`); a file named twice is listed
/// once, and each file given more than once handed to `warn` once ("…: given 3 times; read once";
/// past ten such files, one line sums up the rest). An scp or stdin that names
/// no file is an error (an empty input is a mistake upstream, not an empty result). A wav.scp's
/// location may be a command (`… |`), which the audio reader runs; `places` (nil without an scp)
/// puts the errors of those commands at their lines of the scp.
func inputList(files: [String], scp: String?, warn: (String) -> Void) throws
    -> (items: [(key: String, path: String)], places: WavScpPlaces?) {
    if let scp {
        let entries = try WavScp.read(path: scp)
        guard !entries.isEmpty else {
            throw InputError(file: scp == "-" ? "stdin" : scp, "no entries (expected \"uttid path\" lines)")
        }
        return (entries.map { ($0.key, $0.path) }, WavScpPlaces(path: scp, entries: entries))
    }
    var paths = files
    if files == ["-"] {
        var lines: [String] = []
        while let line = readLine() {
            let path = line.trimmingCharacters(in: .whitespaces)
            if !path.isEmpty { lines.append(path) }
        }
        guard !lines.isEmpty else { throw InputError(file: "stdin", "no paths (expected one file path a line)") }
        paths = lines
    }
    // As extract strokes keys files: the name without extension, with parent folders when two
    // inputs share it, white space made '_' (keys are single words); each file once.
    let inputs = KeyedInputFiles(paths)
    inputs.repeatWarnings.forEach(warn)
    return (inputs.items, nil)
}

/// The files reading `locations` reads: a path itself, and for a Kaldi command (`flac -c -d -s
/// x.flac |`) the audio files its words name, so that an output over one of them is refused as
/// an output over a listed file is.
func filesRead(_ locations: [String?]) -> [String?] {
    locations.flatMap { location -> [String?] in
        guard let location, ShellCommand.isCommand(location) else { return [location] }
        return WavScp.audioFiles(location)
    }
}

/// Refuses a command line on which more than one input reads standard input ("-"): the first to
/// read would take all of it and the others would find it empty. `inputs` pairs each flag (as
/// the user would name it) with its path; nil is an input not given.
func refuseStdinTwice(_ inputs: [(flag: String, path: String?)]) throws {
    let onStdin = inputs.filter { $0.path == "-" }.map(\.flag)
    guard onStdin.count > 1 else { return }
    let names = onStdin.dropLast().joined(separator: ", ") + " and " + onStdin.last!
    throw ValidationError("\(names) cannot \(onStdin.count == 2 ? "both" : "all") be \"-\" (stdin): give files for all but one")
}
