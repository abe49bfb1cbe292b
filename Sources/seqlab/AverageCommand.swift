// seqlab average: one model whose weights are the mean of several snapshots of a training run.
import ArgumentParser
import Formats
import Foundation
import Labelling
import Tensors

struct Average: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average the weights of several models of one network (e.g. a run's last epochs).",
        discussion: """
        Writes one model whose every weight is the mean of the models' (summed in
        double precision, in the order given). Meant for snapshots of one training run,
        which lie close together in weight space: train with --epoch-models DIR, then
        average its last few epochs:
          seqlab train --feats train.ark --text train.text -o model.safetensors \\
            --epoch-models epochs
          seqlab average epochs/epoch-004.safetensors epochs/epoch-005.safetensors \\
            epochs/epoch-006.safetensors -o averaged.safetensors
        A checkpoint (MODEL.ckpt) reads as the model it holds. The models must share
        the network (cell, layers, sizes), the task, the alphabet, the token unit and
        the front end; the output keeps them and records each model's training
        summary.
        Networks trained apart (other seeds) do not average into a working model: vote
        between their transcripts instead (seqlab combine). Models whose training
        summaries show other seeds (or other training sets) are averaged with a
        warning; a file given twice (by any path) is averaged once, with a warning.
        """)

    @Argument(help: "Two or more model files (safetensors) of the same network.", completion: .file())
    var models: [String] = []

    @Option(name: [.short, .customLong("output")], help: "Where the averaged model is written (atomically).", completion: .file())
    var output: String

    func validate() throws {
        guard models.count >= 2 else { throw ValidationError("give two or more models to average (got \(models.count))") }
        if output == "-" { throw ValidationError("-o writes a safetensors file: give a file name") }
    }

    func run() throws {
        try Self.reportingErrors {
            // A file named twice (by the same or another path) would count twice in the mean.
            var firstName: [String: String] = [:], names: [String] = [], repeats: [(name: String, first: String)] = []
            for name in models {
                let identity = Self.realPath(name)
                if let first = firstName[identity] {
                    repeats.append((name, first))
                } else {
                    firstName[identity] = name
                    names.append(name)
                }
            }
            guard names.count >= 2 else {
                throw InputError(file: names[0], "given \(models.count) times, one model: give two or more models to average")
            }
            for (name, first) in repeats { Self.printWarning("\(name) is the file \(first) again; it is averaged once") }
            let loaded = try names.map { (name: $0, model: try LabellingModel(contentsOf: $0)) }
            if let runs = ModelAverage.differentRuns(loaded.map(\.model.training)) {
                Self.printWarning("the models come from different training runs (\(runs)): networks trained apart do not average into a working model; vote between their transcripts instead (seqlab combine)")
            }
            let averaged = try ModelAverage.average(loaded)
            try averaged.write(to: output)
        }
    }

    /// The file `path` names, links, `.` and `..` resolved; the path itself when it cannot be
    /// resolved (a missing file, reported when it is read).
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
