// A human summary of a seqlab model for `seqlab inspect`: architecture, alphabet, front end, training.
import Foundation
import Formats

extension LabellingModel {
    /// The network in one line with its input and output widths, e.g. `LSTM 64×64 bidirectional,
    /// 40-dim input, 11 outputs`.
    public var describedNetwork: String {
        "\(network.describedArchitecture), \(network.configuration.inputSize)-dim input, \(network.configuration.classes) outputs"
    }

    /// Architecture, weights, alphabet, token unit, front end and the training summary.
    public var summary: String {
        let tokens = alphabet.tokens.map { $0 == " " ? "␠" : $0 }
        var lines = [
            "  seqlab model: \(describedNetwork)",
            "  task: \(task.rawValue) (validation error: \(task.errorName)\(task.errorIsRate ? " rate" : ""))",
            "  weights: \(network.parameters.parameterCount())",
        ]
        if task.classifies {
            lines.append("  alphabet (\(tokens.count) + blank at 0, \(tokenUnit == .words ? "word" : "character") tokens): \(tokens.prefix(40).joined(separator: " "))\(tokens.count > 40 ? " …" : "")")
        } else {
            lines.append("  outputs: \(network.configuration.classes) predicted values (the next input frame; no alphabet)")
        }
        if let frontEnd {
            let options = frontEnd.text.split(separator: "\n").map(String.init).joined(separator: " ")
            lines.append("  front end (\(frontEnd.kind), \(frontEnd.dimension) dims): \(options)")
        } else {
            lines.append("  front end: not stored (decode features made elsewhere; label cannot run)")
        }
        lines.append("  training: \(training)")
        return lines.joined(separator: "\n")
    }
}
