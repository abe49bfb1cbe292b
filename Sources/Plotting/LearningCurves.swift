// LearningCurves: the per-episode curves `seqlab grid learn --curve` writes, read back, smoothed and drawn.
import Foundation
import Tensors

/// One learning curve: mean return and mean steps per episode (episodes counted from 1).
public struct LearningCurveData: Sendable, Equatable {
    public var episodes: [Int]
    public var returns: [Double]
    public var steps: [Double]

    public init(episodes: [Int], returns: [Double], steps: [Double]) {
        self.episodes = episodes
        self.returns = returns
        self.steps = steps
    }

    /// Parses a curve as TSV (`episode  mean_return  mean_steps` after a header line) or as JSON
    /// lines (`{"episode":1,"return":-100,"steps":12}`), told apart by the first non-blank byte.
    /// - Throws: `InputError` naming `file` and the line that is neither, or whose return or steps
    ///   are not finite (`nan`, `inf`, `1e400` in TSV: a point that cannot be drawn).
    public static func read(_ data: Data, file: String) throws -> LearningCurveData {
        func finite(_ ret: Double, _ step: Double, line: Int) throws {
            for (name, v) in [("mean return", ret), ("mean steps", step)] where !v.isFinite {
                throw InputError(file: file, place: "line \(line)", "expected a finite \(name), found \(v)")
            }
        }
        var curve = LearningCurveData(episodes: [], returns: [], steps: [])
        let text = String(decoding: data, as: UTF8.self)
        let isJSON = text.first { !$0.isWhitespace } == "{"
        struct Line: Decodable { var episode: Int; var `return`: Double; var steps: Double }
        let decoder = JSONDecoder()
        for (i, raw) in text.textLines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            if isJSON {
                guard let l = try? decoder.decode(Line.self, from: Data(line.utf8)) else {
                    throw InputError(file: file, place: "line \(i + 1)", "expected a JSON object with numbers \"episode\", \"return\" and \"steps\"")
                }
                curve.append(l.episode, l.return, l.steps)
            } else {
                let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
                if i == 0 && fields.first == "episode" { continue }
                guard fields.count == 3, let e = Int(fields[0]), let r = Double(fields[1]), let s = Double(fields[2]) else {
                    throw InputError(file: file, place: "line \(i + 1)", "expected three tab-separated numbers: episode, mean return, mean steps")
                }
                try finite(r, s, line: i + 1)   // JSON has no NaN or infinity: the decoder refuses them
                curve.append(e, r, s)
            }
        }
        guard !curve.episodes.isEmpty else { throw InputError(file: file, "no episodes: the curve is empty") }
        return curve
    }

    /// Reads a curve file (`-` = stdin).
    public static func read(path: String) throws -> LearningCurveData {
        try read(readWholeFile(path), file: path == "-" ? "stdin" : path)
    }

    private mutating func append(_ episode: Int, _ ret: Double, _ step: Double) {
        episodes.append(episode); returns.append(ret); steps.append(step)
    }
}

/// The trailing moving average of `values` over `window` points: point i is the mean of
/// values max(0, i−window+1)…i, so the first points average what exists so far.
public func movingAverage(_ values: [Double], window: Int) -> [Double] {
    guard window > 1 else { return values }
    var out: [Double] = [], sum = 0.0
    out.reserveCapacity(values.count)
    for (i, v) in values.enumerated() {
        sum += v
        if i >= window { sum -= values[i - window] }
        out.append(sum / Double(min(i + 1, window)))
    }
    return out
}

/// Learning curves of several runs (one series each, e.g. Q-learning against SARSA) as an SVG
/// file: the mean return per episode above, the mean steps per episode below, each smoothed by a
/// trailing moving average over `smoothing` episodes; `returnRange` fixes the return axis (the
/// first episodes' large losses otherwise flatten the rest).
public func learningCurvesSVG(_ curves: [(name: String, curve: LearningCurveData)], smoothing: Int,
                              returnRange: ClosedRange<Double>? = nil, title: String) throws -> String {
    guard !curves.isEmpty else { throw PlotError("no learning curves to plot") }
    func series(_ values: (LearningCurveData) -> [Double]) -> [Series] {
        curves.map { c in
            Series(name: c.name, points: Array(zip(c.curve.episodes.map(Double.init), movingAverage(values(c.curve), window: smoothing))))
        }
    }
    let note = smoothing > 1 ? " (mean of the last \(smoothing) episodes)" : ""
    return try curvesSVG(panels: [
        CurvePanel(series: series(\.returns), xLabel: "episode", yLabel: "return" + note, integerX: true, yRange: returnRange),
        CurvePanel(series: series(\.steps), xLabel: "episode", yLabel: "steps per episode" + note, integerX: true),
    ], title: title)
}
