// BenchmarkReport: the long-time-lag results as a summary table, JSON-lines learning curves and an SVG plot.
import Foundation
import Formats
import Plotting

enum BenchmarkReport {
    /// The runs of one network at one lag (one per seed).
    static func runs(_ results: [ContestResult], _ contestant: Contestant, _ lag: Int) -> [ContestResult] {
        results.filter { $0.contestant == contestant && $0.lag == lag }
    }

    /// The mean test accuracy over the seeds of one network at one lag, or nil without runs.
    static func meanAccuracy(_ results: [ContestResult], _ contestant: Contestant, _ lag: Int) -> Double? {
        let r = runs(results, contestant, lag)
        return r.isEmpty ? nil : r.map(\.accuracy).reduce(0, +) / Double(r.count)
    }

    /// The first lag (in increasing order) at which `contestant`'s mean test accuracy is below `threshold`, or nil.
    static func firstFailingLag(_ results: [ContestResult], _ contestant: Contestant, lags: [Int], threshold: Double) -> Int? {
        lags.sorted().first { lag in meanAccuracy(results, contestant, lag).map { $0 < threshold } ?? false }
    }

    static func format(_ v: Double) -> String { String(format: "%.3g", v) }

    /// One TSV row per run: size, final smoothed training loss, test accuracy, time, influence.
    static func detailRows(_ results: [ContestResult]) -> [String] {
        ["# lag\tnetwork\tseed\tparams\ttrain_loss\taccuracy\tseconds\tinfluence(k=0)\trel(k=1)\trel(k=lag/2)\trel(k=lag)"] + results.map { r in
            let loss = r.curve.last?.trainLoss.map(format) ?? "-"
            var row = "\(r.lag)\t\(r.contestant.rawValue)\t\(r.seed)\t\(r.parameters)\t\(loss)\t\(format(r.accuracy))\t\(String(format: "%.1f", r.seconds))"
            if let curve = r.influence {
                let rel = curve.map { curve[0] > 0 ? $0 / curve[0] : 0 }
                row += "\t\(format(curve[0]))\t\(format(rel[1]))\t\(format(rel[r.lag / 2]))\t\(format(rel[r.lag]))"
            } else {
                row += "\t-\t-\t-\t-"
            }
            return row
        }
    }

    /// A Markdown table: per network (rows) and lag (columns) the mean test accuracy over the seeds
    /// with the per-seed values, and the first lag whose mean is below the threshold.
    static func summaryTable(_ results: [ContestResult], lags: [Int], threshold: Double) -> [String] {
        let contestants = Contestant.allCases.filter { c in results.contains { $0.contestant == c } }
        var lines = ["| network | " + lags.map { "lag \($0)" }.joined(separator: " | ") + " | first lag with mean accuracy < \(threshold) |",
                     "|---|" + lags.map { _ in "---|" }.joined() + "---|"]
        for c in contestants {
            let cells = lags.map { lag -> String in
                guard let mean = meanAccuracy(results, c, lag) else { return "-" }
                let each = runs(results, c, lag).map { String(format: "%.2f", $0.accuracy) }
                return String(format: "**%.3f**", mean) + (each.count > 1 ? " (" + each.joined(separator: ", ") + ")" : "")
            }
            let fail = firstFailingLag(results, c, lags: lags, threshold: threshold).map(String.init) ?? "none up to \(lags.max() ?? 0)"
            lines.append("| \(c.rawValue) | " + cells.joined(separator: " | ") + " | \(fail) |")
        }
        return lines
    }

    /// The learning curves as JSON lines: {"network","lag","seed","sequences","accuracy"[, "train_loss"]}.
    static func curveLines(_ results: [ContestResult]) throws -> String {
        struct Line: Encodable {
            var network: String, lag: Int, seed: UInt64, sequences: Int, accuracy: Double
            var train_loss: Double?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var text = ""
        for r in results {
            for p in r.curve {
                let line = Line(network: r.contestant.rawValue, lag: r.lag, seed: r.seed, sequences: p.sequences, accuracy: p.accuracy,
                                train_loss: p.trainLoss)
                text += String(decoding: try encoder.encode(line), as: UTF8.self) + "\n"
            }
        }
        return text
    }

    /// The mean over seeds of a network's held-out accuracy at each evaluation point (all seeds
    /// share the evaluation points).
    static func meanCurve(_ runs: [ContestResult]) -> [(x: Double, y: Double)] {
        guard let first = runs.first else { return [] }
        return first.curve.indices.map { i in
            (Double(first.curve[i].sequences), runs.map { $0.curve[min(i, $0.curve.count - 1)].accuracy }.reduce(0, +) / Double(runs.count))
        }
    }

    /// One panel per lag, one line per network (the mean over seeds): held-out accuracy against
    /// training sequences seen, with the failure threshold dashed.
    static func curvesPlot(_ results: [ContestResult], lags: [Int], threshold: Double) throws -> String {
        let colours: [Contestant: String] = [.lstm: "#1f77b4", .elman: "#d62728", .esn: "#2ca02c"]
        let panels = lags.map { lag -> CurvePanel in
            var series = Contestant.allCases.compactMap { c -> Series? in
                let mine = runs(results, c, lag)
                guard let mean = meanAccuracy(results, c, lag) else { return nil }
                return Series(name: "\(c.rawValue) (test \(String(format: "%.2f", mean)))", points: meanCurve(mine), colour: colours[c])
            }
            let right = Double(results.filter { $0.lag == lag }.flatMap { $0.curve.map(\.sequences) }.max() ?? 1)
            series.append(Series(name: "fails below \(threshold)", points: [(0, threshold), (right, threshold)], colour: "#777777", dashed: true))
            return CurvePanel(series: series, xLabel: "training sequences (lag \(lag))", yLabel: "held-out accuracy", yRange: 0.4...1.02)
        }
        let seeds = Set(results.map(\.seed)).count
        return try curvesSVG(panels: panels, title: "Remember the first symbol (mean of \(seeds) seed\(seeds == 1 ? "" : "s"))")
    }

    /// Writes curves.jsonl, curves.svg and summary.md into `directory` (created if needed).
    static func write(_ results: [ContestResult], lags: [Int], threshold: Double, to directory: String, command: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func put(_ name: String, _ text: String) throws { try AtomicFile.write(Array(text.utf8), to: directory + "/" + name) }
        try put("curves.jsonl", try curveLines(results))
        try put("curves.svg", try curvesPlot(results, lags: lags, threshold: threshold))
        try put("summary.md", (["`\(command)`", ""] + summaryTable(results, lags: lags, threshold: threshold) + ["", "```"]
                               + detailRows(results) + ["```"]).joined(separator: "\n") + "\n")
    }
}
