// seqlab influence: how much a model's output at the last frame depends on the input k frames earlier.
import ArgumentParser
import Foundation
import Formats
import Labelling
import Networks
import Plotting
import Tensors

struct Influence: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "influence",
        abstract: "Measure input influence ‖∂ log y(t)/∂ x(t−k)‖ by lag k: the vanishing gradient, shown.",
        discussion: """
        For each of N seeded standard-normal input sequences of T frames,
        backpropagates from the log-probabilities at the last frame t = T−1 (the whole
        K-vector, or one class with --class) and takes the Frobenius norm of the
        Jacobian with respect to input frame t−k. The table (stdout) holds,
        for k = 0…K, the mean norm over the sequences and its ratio to k = 0; lags
        k > t have no input and show 0. At the last frame all inputs are in the past: a
        bidirectional model's reverse direction has seen only x(T−1), so k ≥ 1 shows
        the forward path. A predict model's outputs are the next frame it predicts, not
        probabilities: for it the Jacobian is of those outputs, ∂ y(t)/∂ x(t−k), and
        --class picks one of their dimensions.
          seqlab influence -m model.safetensors --length 200 --max-lag 150 \\
            --svg influence.svg
        """)

    @Option(name: [.short, .customLong("model")], help: "The model (safetensors).", completion: .file()) var model: String
    @Option(name: .long, help: "T, frames per random input sequence.") var length = 100
    @Option(name: .long, help: "Largest lag k reported (default: T−1).") var maxLag: Int?
    @Option(name: .long, help: "N, random sequences averaged.") var samples = 10
    @Option(name: .long, help: "Seed of the random inputs.") var seed: UInt64 = 1
    @Option(name: .customLong("class"), help: "Differentiate only this output class's log-probability (0 = blank), or this dimension of a predict model's output.") var outputClass: Int?
    @Option(name: .long, help: "Also write the curve (log y axis) to this SVG file.", completion: .file()) var svg: String?
    @Flag(name: .long, help: "Print JSON instead of the table.") var json = false

    func validate() throws {
        guard length > 0 else { throw ValidationError("--length must be positive") }
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
        if let maxLag, maxLag < 0 { throw ValidationError("--max-lag must not be negative") }
    }

    func run() throws {
        try Self.reportingErrors {
            try Self.refuseReplacingInputs(outputs: [("--svg", svg)], inputs: [model])
            let labeller = try LabellingModel(contentsOf: model)
            let classes = labeller.network.configuration.classes
            // One sequence's forward and backward pass at a time: refused before it is allocated when it cannot fit.
            let (need, overflow) = length.multipliedReportingOverflow(by: labeller.network.configuration.trainingBytesPerFrame)
            if let available = MemoryBudget.available(), overflow || need > available {
                throw ValidationError("--length \(length): a forward and backward pass over \(length) frames needs about \(overflow ? "more than any memory" : MemoryBudget.describe(need)), more than the \(MemoryBudget.describe(available)) available; give a shorter --length")
            }
            if let c = outputClass, !(0..<classes).contains(c) {
                throw ValidationError("--class \(c): the model has \(labeller.task.classifies ? "classes" : "outputs") 0…\(classes - 1)")
            }
            // A predict model's identity outputs are values, not scores of classes: their softmax means nothing.
            let target: InfluenceTarget = labeller.task.classifies ? .logProbabilities : .outputs
            guard let profile = labeller.network.influence(length: length, maxLag: maxLag ?? (length - 1), samples: samples,
                                                           seed: seed, outputClass: outputClass, of: target) else {
                throw InputError(file: model, "a \(labeller.network.cell.rawValue) network feeds its outputs back; influence measures LSTM and Elman networks")
            }
            try writeOut(json ? jsonText(profile, target: target) : table(profile, target: target))
            if let svg {
                let points = profile.meanNorms.enumerated().filter { $0.element > 0 }.map { (x: Double($0.offset), y: $0.element) }
                let text = try curvesSVG(series: [Series(name: (model as NSString).lastPathComponent, points: points)],
                                         title: "Input influence at the last of \(length) frames, mean of \(samples)",
                                         xLabel: "lag k (frames)", yLabel: "‖∂ \(target == .outputs ? "" : "log ")y(t)/∂ x(t−k)‖", logY: true)
                try AtomicFile.write(Array(text.utf8), to: svg)
            }
        }
    }

    func table(_ p: InfluenceProfile, target: InfluenceTarget) -> String {
        var out = target == .outputs ? "# of the outputs y(t), not log-probabilities\n" : ""
        out += "# lag\tmean_norm\trelative\n"
        for (k, (norm, rel)) in zip(p.meanNorms, p.relative).enumerated() {
            out += "\(k)\t\(String(format: "%.6g", norm))\t\(String(format: "%.6g", rel))\n"
        }
        return out
    }

    func jsonText(_ p: InfluenceProfile, target: InfluenceTarget) -> String {
        let rows = zip(p.meanNorms, p.relative).enumerated().map { k, v in "{\"lag\":\(k),\"mean_norm\":\(v.0),\"relative\":\(v.1)}" }
        let cls = p.outputClass.map(String.init) ?? "null"
        return "{\"of\":\"\(target == .outputs ? "outputs" : "log_probabilities")\",\"length\":\(p.length),\"samples\":\(p.samples),\"frame\":\(p.length - 1),\"class\":\(cls),\"lags\":[\(rows.joined(separator: ","))]}\n"
    }
}
