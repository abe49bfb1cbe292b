// A human summary of a seqlab model for `seqlab inspect`: architecture, alphabet, front end, training.
import Foundation
import Formats

extension LabellingModel {
    /// Architecture, weights, alphabet, token unit, front end and the training summary.
    public var summary: String {
        let c = network.configuration
        let tokens = alphabet.tokens.map { $0 == " " ? "␠" : $0 }
        var lines = [
            "  seqlab model: \(network.describedArchitecture), \(c.inputSize)-dim input, \(c.classes) outputs",
            "  task: \(task.rawValue)",
            "  weights: \(network.parameters.parameterCount())",
            "  alphabet (\(tokens.count) + blank at 0, \(tokenUnit == .words ? "word" : "character") tokens): \(tokens.prefix(40).joined(separator: " "))\(tokens.count > 40 ? " …" : "")",
        ]
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
