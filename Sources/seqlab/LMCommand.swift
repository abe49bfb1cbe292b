// seqlab lm build: estimates a Kneser-Ney n-gram language model from text and writes ARPA.
import ArgumentParser
import Decoding
import Formats
import Foundation
import Tensors

extension NGramUnit: ExpressibleByArgument {}

struct LM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "n-gram language models for decoding.",
        subcommands: [LMBuild.self])
}

struct LMBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an interpolated modified Kneser-Ney n-gram model from text; write ARPA.",
        discussion: """
        One sentence per line ("-" reads stdin); --kaldi-text drops the first field
        (the utterance key) of each line. --unit char models characters, whitespace
        runs written as <space>. Each line is padded as <s> … </s>, so a line with <s>
        or </s> among its words is refused; <unk> counts as a word. The ARPA text goes
        to -o (default stdout); the n-gram counts are logged to stderr.
        """)

    @Option(help: "n-gram order (1–10).")
    var order: Int = 3

    @Option(help: "Unit: word or char.")
    var unit: NGramUnit = .word

    @Flag(help: "Input is a Kaldi text file: ignore the first field of each line.")
    var kaldiText = false

    @Flag(help: "No summary of the counts on stderr.")
    var quiet = false

    @Argument(help: "Training text (\"-\" for stdin).", completion: .file())
    var textFile: String

    @Option(name: .shortAndLong, help: "Output ARPA file (\"-\" for stdout).", completion: .file())
    var output: String = "-"

    func validate() throws {
        guard (1...10).contains(order) else { throw ValidationError("--order must be between 1 and 10, got \(order)") }
    }

    func run() throws {
        try Self.reportingErrors(build)
    }

    private func build() throws {
        try Self.refuseReplacingInputs(outputs: [("-o", output)], inputs: [textFile])
        let data = try readWholeFile(textFile)
        let name = textFile == "-" ? "stdin" : textFile
        guard let text = String(data: data, encoding: .utf8) else {
            // Where, as the readers of Kaldi text say it: the line and the column of the first bad byte.
            let bytes = [UInt8](data), bad = firstInvalidUTF8(bytes)
            let lineStart = bytes[..<bad].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            throw InputError(file: name, place: "line \(bytes[..<bad].count(where: { $0 == 0x0A }) + 1)",
                             "invalid UTF-8 at column \(bad - lineStart + 1); expected UTF-8 text")
        }
        var builder = NGramBuilder(order: order, unit: unit)
        for (index, line) in text.textLines.enumerated() where !line.isEmpty {
            var l = Substring(line)
            if kaldiText {
                // As every reader of Kaldi text: the key comes first (else it would be counted as a word).
                if let c = l.first, c == " " || c == "\t" {
                    throw InputError(file: name, place: "line \(index + 1)", "missing key: the line starts with whitespace; expected the utterance key first")
                }
                l = l.drop(while: { !$0.isWhitespace })
            }
            do {
                try builder.add(line: String(l))
            } catch {
                throw InputError(file: name, place: "line \(index + 1)",
                                 "\(error.marker) is a sentence marker, which lm build puts around every line itself; remove it from the text")
            }
        }
        if builder.sentenceCount == 0 {
            throw InputError(file: name, "no sentences to build a model from")
        }
        let (arpa, counts) = builder.arpaWithCounts()
        if output == "-" {
            try writeOut(arpa)
        } else {
            try AtomicFile.write(Array(arpa.utf8), to: output)   // write, fsync, rename, as models are
        }
        if !quiet {   // the counts of the written model's \data\ section
            Self.printMessage("\(counted(builder.sentenceCount, "sentence")), n-grams per order \(counts.map(String.init).joined(separator: " "))")
        }
    }
}
