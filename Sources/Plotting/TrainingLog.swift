// TrainingLog: the JSON lines `seqlab train --log` writes, read back and drawn as training curves.
import Foundation
import Tensors

/// One epoch of a training log (the fields of `EpochReport` that plots use).
public struct TrainingLogEntry: Sendable, Equatable, Decodable {
    public var epoch: Int
    /// Mean loss per training utterance (`lossName`).
    public var trainLoss: Double
    public var validLoss: Double?
    /// The validation error (`errorName`): a fraction for the rates (CTC's edits / reference
    /// labels, the classification or frame error), a mean squared error for predict.
    public var validLabelErrorRate: Double?
    public var learningRate: Double?
    /// The task trained (`train --task`: ctc, sequence, framewise, predict); nil in logs written
    /// before it was recorded, which are all CTC.
    public var task: String?

    public init(epoch: Int, trainLoss: Double, validLoss: Double? = nil, validLabelErrorRate: Double? = nil, learningRate: Double? = nil,
                task: String? = nil) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validLoss = validLoss
        self.validLabelErrorRate = validLabelErrorRate
        self.learningRate = learningRate
        self.task = task
    }

    /// What the losses measure, per utterance, for the task.
    public var lossName: String {
        switch task ?? "ctc" {
        case "sequence", "framewise": return "cross-entropy per utterance"
        case "predict": return "squared error per utterance"
        default: return "CTC loss per utterance"
        }
    }

    /// What the validation error measures, and whether it is a rate (shown in percent).
    public var errorName: (name: String, isRate: Bool) {
        switch task ?? "ctc" {
        case "sequence": return ("classification error rate", true)
        case "framewise": return ("frame error rate", true)
        case "predict": return ("mean squared error", false)
        default: return ("label error rate", true)
        }
    }

    /// A validation error as shown: a rate in percent, a squared error as it is.
    public func formatError(_ e: Double) -> String {
        errorName.isRate ? String(format: "%.2f%%", 100 * e) : String(format: "%.4g", e)
    }

    /// Reads JSON lines (one object per line, blank lines skipped).
    /// - Throws: `InputError` naming `file` and the line of the first line that is not such an object.
    public static func read(_ data: Data, file: String) throws -> [TrainingLogEntry] {
        var entries: [TrainingLogEntry] = []
        let decoder = JSONDecoder()
        for (i, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do {
                entries.append(try decoder.decode(TrainingLogEntry.self, from: Data(line)))
            } catch {
                throw InputError(file: file, place: "line \(i + 1)",
                                 "expected a JSON object with numbers \"epoch\" and \"trainLoss\" (a seqlab train --log line)")
            }
        }
        guard !entries.isEmpty else { throw InputError(file: file, "no epochs: the log is empty") }
        return entries
    }

    /// One line for a log whose epochs start again (an epoch not after the one before it): the
    /// lines of several runs in one file, whose curves would join them. Nil for one run's log.
    public static func restartWarning(_ entries: [TrainingLogEntry], file: String) -> String? {
        let restarts = entries.indices.dropFirst().filter { entries[$0].epoch <= entries[$0 - 1].epoch }
        guard let first = restarts.first else { return nil }
        return "\(file): the epochs start again \(restarts.count) time(s) (epoch \(entries[first].epoch) after epoch \(entries[first - 1].epoch) at entry \(first + 1)): lines of several runs in one log"
    }

    /// Reads a log file (`-` = stdin).
    public static func read(path: String) throws -> [TrainingLogEntry] {
        try read(readWholeFile(path), file: path == "-" ? "stdin" : path)
    }
}

/// Training curves of a log as an SVG file: the training and validation losses per epoch (log
/// scale when `logLoss`), the validation label error rate in percent when the log has it, and the
/// learning rate (log scale) when it changes. The panels share the log's range of epochs, so an
/// epoch is at the same x in each (validation may start later than training).
public func trainingCurvesSVG(_ entries: [TrainingLogEntry], title: String, logLoss: Bool = false) throws -> String {
    guard !entries.isEmpty else { throw PlotError("no epochs to plot") }
    let epochs = entries.map { Double($0.epoch) }
    func points(_ value: (TrainingLogEntry) -> Double?) -> [(x: Double, y: Double)] {
        zip(epochs, entries).compactMap { e, entry in value(entry).map { (e, $0) } }
    }
    var losses = [Series(name: "training loss", points: points { $0.trainLoss })]
    let valid = points { $0.validLoss }
    if !valid.isEmpty { losses.append(Series(name: "validation loss", points: valid)) }
    // The measures of the last entry's task (a log holds one run's task).
    let measure = entries.last!
    let epochRange = epochs.min()!...epochs.max()!
    var panels = [CurvePanel(series: losses, xLabel: "epoch", yLabel: measure.lossName, logY: logLoss, integerX: true, xRange: epochRange)]
    let (errorName, isRate) = measure.errorName
    let errors = points { $0.validLabelErrorRate.map { isRate ? $0 * 100 : $0 } }
    if !errors.isEmpty {
        panels.append(CurvePanel(series: [Series(name: "validation \(errorName)", points: errors, colour: categoryPalette[3])],
                                 xLabel: "epoch", yLabel: errorName + (isRate ? " (%)" : ""), integerX: true,
                                 xRange: epochRange))
    }
    let rates = points { $0.learningRate }
    if Set(rates.map(\.y)).count > 1 {
        panels.append(CurvePanel(series: [Series(name: "learning rate", points: rates, colour: categoryPalette[4])],
                                 xLabel: "epoch", yLabel: "learning rate", logY: rates.allSatisfy { $0.y > 0 }, integerX: true,
                                 xRange: epochRange))
    }
    return try curvesSVG(panels: panels, title: title)
}
