// ModelAverage: the element-wise mean of several models' weights (`seqlab average`).
import Foundation
import Formats
import Networks
import Tensors

/// The mean of several models' parameters, element by element: θ̄ = (1/N) Σₙ θₙ, each sum taken
/// in Double over the models in the order given, then rounded once to Float. Meant for snapshots
/// of one training run (`train --epoch-models DIR`: e.g. its last few epochs), which lie close
/// enough to one another in weight space that their mean is a model too; the mean of
/// independently trained networks is not (their units are in no common order).
///
/// Every model must have the same network (cell, architecture), task, alphabet, token unit and
/// front end; the result keeps those, and its training summary records how many models it
/// averages and each one's own summary.
public enum ModelAverage {
    /// The averaged model of `models` (each with the name its errors cite), at least one.
    public static func average(_ models: [(name: String, model: LabellingModel)]) throws -> LabellingModel {
        guard let (firstName, first) = models.first else {
            throw InputError(file: "average", place: nil, "no models to average")
        }
        for (name, model) in models.dropFirst() {
            func mismatch(_ what: String, _ mine: String, _ theirs: String) -> InputError {
                InputError(file: name, place: what, "\(mine), but \(firstName) has \(theirs): only models of one network and alphabet can be averaged")
            }
            if model.network.cell != first.network.cell || model.network.configuration != first.network.configuration {
                throw mismatch("seqlab.architecture", model.describedNetwork, first.describedNetwork)
            }
            if model.task != first.task { throw mismatch(TrainingTask.metadataKey, model.task.rawValue, first.task.rawValue) }
            if model.alphabet != first.alphabet {
                throw mismatch("seqlab.alphabet", "\(model.alphabet.count - 1) tokens \(model.alphabet.json.prefix(60))",
                               "\(first.alphabet.count - 1) tokens \(first.alphabet.json.prefix(60))")
            }
            if model.tokenUnit != first.tokenUnit { throw mismatch("seqlab.tokens", model.tokenUnit.rawValue, first.tokenUnit.rawValue) }
            if model.frontEnd != first.frontEnd {
                throw mismatch("seqlab.frontend", model.frontEnd.map { "front end \"\(summary($0.text))\"" } ?? "no front end",
                               first.frontEnd.map { "\"\(summary($0.text))\"" } ?? "none")
            }
        }
        // The first model's saved tensors with the means in place of its values, loaded as a new
        // network (the models given stay as they are).
        var saved = first.network.savedTensors()
        let lists = models.map(\.model.network.parameters)
        for (index, parameter) in first.network.parameters.enumerated() {
            var sums = [Double](repeating: 0, count: parameter.count)
            for list in lists {
                let values = list[index].value.data
                for i in sums.indices { sums[i] += Double(values[i]) }
            }
            let n = Double(models.count)
            saved.tensors[parameter.name] = .init(shape: parameter.shape, values: sums.map { Float($0 / n) })
        }
        saved.metadata["seqlab.checksum"] = saved.checksum()
        var result = first
        result.network = try SequenceNetwork(loading: saved, file: "the average of \(models.count) models")
        result.training = trainingSummary(models.map(\.model.training))
        return result
    }

    /// What tells that the models' training summaries come from more than one run, or nil when
    /// they do not: "seeds 3 and 4", or with one seed "training sets of 11 utterances (400 frames)
    /// and 12 utterances (420 frames)". An averaged model counts with the runs it averages; a
    /// summary without the seed or the training-set size tells nothing.
    public static func differentRuns(_ trainings: [String]) -> String? {
        var seeds: [String] = [], sets: [String] = []
        func collect(_ summary: Any) {
            guard let object = summary as? [String: Any] else { return }
            if let inner = object["trainings"] as? [Any] { inner.forEach(collect); return }
            if let seed = object["seed"] as? NSNumber, !seeds.contains(seed.stringValue) { seeds.append(seed.stringValue) }
            if let utterances = object["train_utterances"] as? Int, let frames = object["train_frames"] as? Int {
                let set = "\(utterances) utterances (\(frames) frames)"
                if !sets.contains(set) { sets.append(set) }
            }
        }
        for text in trainings { (try? JSONSerialization.jsonObject(with: Data(text.utf8))).map(collect) }
        func listed(_ items: [String]) -> String { items.dropLast().joined(separator: ", ") + " and " + items.last! }
        if seeds.count > 1 { return "seeds \(listed(seeds))" }
        if sets.count > 1 { return "training sets of \(listed(sets))" }
        return nil
    }

    /// `{"averaged_models": N, "trainings": [each model's summary]}`; a summary that is not a JSON
    /// object is kept as a string.
    static func trainingSummary(_ trainings: [String]) -> String {
        let parts: [Any] = trainings.map { text in
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) ?? text
        }
        let object: [String: Any] = ["averaged_models": trainings.count, "trainings": parts]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func summary(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 60 ? String(line.prefix(60)) + "…" : line
    }
}
