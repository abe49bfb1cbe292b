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
        between their transcripts instead (seqlab combine).
        """)

    @Argument(help: "Two or more model files (safetensors) of the same network.")
    var models: [String] = []

    @Option(name: [.short, .customLong("output")], help: "Where the averaged model is written (atomically).")
    var output: String

    func validate() throws {
        guard models.count >= 2 else { throw ValidationError("give two or more models to average (got \(models.count))") }
    }

    func run() throws {
        try Self.reportingErrors {
            let loaded = try models.map { (name: $0, model: try LabellingModel(contentsOf: $0)) }
            let averaged = try ModelAverage.average(loaded)
            try averaged.write(to: output)
        }
    }
}
