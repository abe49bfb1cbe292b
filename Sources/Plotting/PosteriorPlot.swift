// PosteriorPlot: a network's per-frame label posteriors, with the decoded tokens as boxes at their frames.
import Foundation
import Tensors

/// One decoded token at its frames: alphabet index `label`, frames `start...end` (inclusive, 0-based).
public struct TokenSpan: Sendable, Equatable {
    public var label: Int
    public var start: Int
    public var end: Int
    public init(label: Int, start: Int, end: Int) {
        self.label = label; self.start = start; self.end = end
    }
}

/// Options of the posterior plot, with their defaults.
public struct PosteriorPlotOptions: Sendable {
    /// Width of the plot area in pixels. Default 900.
    public var plotWidth = 900.0
    /// More frames than this are reduced to this many points: each label's line keeps the highest
    /// posterior of a point's frames, the blank's the lowest, so one-frame spikes (and the blank's
    /// dips under them) stay as high (deep) as they are; the features are averaged. Default 1000.
    public var maxColumns = 1000
    /// Labels whose posterior (at any frame) never reaches this are drawn but
    /// left out of the legend. Default 0.1.
    public var legendThreshold = 0.1
    public init() {}
}

/// The posterior plot as an SVG file: optionally the features as a heat map on top; then
/// exp(log p) of each label per frame as a coloured line (the blank grey and dashed) on an axis
/// from −0.04 to 1.09, so lines at 0 or 1 are drawn inside the frame, not on it, and a token's
/// symbol fits above a peak at 1; each
/// decoded token's symbol written at its line's peak inside its span; under them the
/// alignment: one box per token over frames start…end; and the time axis. The tokens are also
/// written beside the title, cut with "… (N tokens)" where they would run into it. Past
/// `maxColumns` frames each point of a line stands for several frames: the labels' maximum, the
/// blank's minimum there (a CTC spike is often one frame wide); the caption under the time axis
/// gives the frames and how many each point covers.
///
/// Frame t is drawn at the centre of [t, t+1) frames (or seconds times `frameShift`); token
/// symbols of white space are shown as "␣".
/// - Parameters:
///   - logProbs: T × K natural-log posteriors (rows need not be normalised; −∞ allowed).
///   - alphabet: K label names; `blank` is the blank's index.
///   - spans: the decoded tokens; each must lie within 0..<T and name a label of the alphabet.
///   - features: T × D features drawn above, or nil.
/// - Throws: `PlotError` for empty input, NaN or +∞, sizes that disagree, or spans out of range.
public func posteriorsSVG(logProbs: Matrix, alphabet: [String], blank: Int = 0, spans: [TokenSpan],
                          frameShift: Double?, features: Matrix? = nil, title: String,
                          options: PosteriorPlotOptions = PosteriorPlotOptions()) throws -> String {
    let frames = logProbs.rows
    guard frames > 0, logProbs.cols > 0 else { throw PlotError("the posteriors have no frames") }
    guard alphabet.count == logProbs.cols else {
        throw PlotError("the alphabet has \(counted(alphabet.count, "label")) but the posteriors have \(counted(logProbs.cols, "column"))")
    }
    guard blank >= 0 && blank < alphabet.count else { throw PlotError("blank index \(blank) is outside the alphabet") }
    for (i, v) in logProbs.data.enumerated() where v.isNaN || v == .infinity {
        throw PlotError("the posteriors have \(v) at frame \(i / logProbs.cols), label \(i % logProbs.cols)")
    }
    if let features {
        try checkPlottable(features)
        guard features.rows == frames else {
            throw PlotError("the features have \(counted(features.rows, "frame")) but the posteriors \(frames)")
        }
    }
    for (i, s) in spans.enumerated() {
        guard s.label >= 0 && s.label < alphabet.count else { throw PlotError("token \(i) has label \(s.label), outside the alphabet") }
        guard s.start >= 0 && s.start <= s.end && s.end < frames else {
            throw PlotError("token \(i) spans frames \(s.start)...\(s.end), outside 0..<\(frames)")
        }
    }

    let width = options.plotWidth
    let featureArea = PlotArea(x: 78, y: 40, width: width, height: 150)
    var posteriorArea = PlotArea(x: 78, y: 40, width: width, height: 220)
    if features != nil { posteriorArea.y = featureArea.bottom + 18 }
    let alignArea = PlotArea(x: 78, y: posteriorArea.bottom + 10, width: width, height: 34)
    let legendWidth = Legend.size(entries: alphabet.map { (display($0), "", nil) }).width
    var doc = SVGDocument(width: featureArea.right + max(110, legendWidth + 20), height: alignArea.bottom + 70, title: title)
    doc.text(title, x: featureArea.x, y: 24, size: 15, bold: true)
    let headerRoom = featureArea.right - (featureArea.x + textWidth(title, size: 15) + 20)
    doc.text(transcriptLine(spans.map { display(alphabet[$0.label]) }, room: headerRoom),
             x: featureArea.right, y: 24, size: 13, anchor: .end, fill: "#444444")

    if let features {
        var heat = HeatMapOptions()
        heat.maxColumns = options.maxColumns
        let range = try HeatMapPanel.draw(&doc, area: featureArea, matrix: features, yLabel: "feature", options: heat)
        HeatMapPanel.colourBar(&doc, area: PlotArea(x: featureArea.right + 16, y: featureArea.y, width: 12, height: featureArea.height),
                               lo: range.lo, hi: range.hi)
    }

    // Posterior lines over bins of frames when there are many: the labels' highest, the blank's lowest.
    var probabilities = logProbs
    for i in probabilities.data.indices { probabilities.data[i] = exp(probabilities.data[i]) }
    let bins = frameBins(count: frames, maxBins: options.maxColumns)
    let highest = reducingRows(probabilities, maxRows: options.maxColumns, by: .maximum)
    let lowest = reducingRows(probabilities, maxRows: options.maxColumns, by: .minimum)
    let x = Scale(lo: 0, hi: Double(frames), from: posteriorArea.x, to: posteriorArea.right)
    // Room beyond 0 and 1, so the blank's line at 1 (and the labels' at 0) is not hidden by the frame,
    // and above 1 for a token's symbol over a peak at 1 (5 px above it, about 9 px tall).
    let y = Scale(lo: -0.04, hi: 1.09, from: posteriorArea.bottom, to: posteriorArea.y)
    let yTicks = [0, 0.25, 0.5, 0.75, 1.0]
    AxisDrawing.yAxis(&doc, area: posteriorArea, scale: y, ticks: yTicks, label: "posterior",
                      format: { tickLabel($0, ticks: yTicks) }, grid: true)
    var legend: [Legend.Entry] = []
    var peaks: [Double] = []
    var order = Array(0..<alphabet.count).filter { $0 != blank }
    order.insert(blank, at: 0)   // the blank first, underneath the labels
    for k in order {
        let columns = k == blank ? lowest : highest
        let peak = (0..<frames).map { Double(probabilities[$0, k]) }.max() ?? 0
        let colour = k == blank ? "#9a9a9a" : labelColour(k, blank: blank)
        let dash = k == blank ? blankDash : labelDash(k, blank: blank)
        doc.beginGroup(k == blank ? "posterior blank" : "posterior")
        let points = bins.enumerated().map { (j, bin) in
            (x: x.position(Double(bin.lowerBound + bin.upperBound) / 2), y: y.position(Double(columns[j, k])))
        }
        doc.polyline(points, style: .stroked(colour, width: k == blank ? 1.5 : 2, dash: dash))
        doc.endGroup()
        if peak >= options.legendThreshold || k == blank {
            legend.append((display(alphabet[k]), colour, dash))
            peaks.append(k == blank ? .infinity : peak)
        }
    }
    // Each decoded token's symbol above its line's peak within the span, unless it would overlap the previous one.
    var freeFrom = -Double.infinity
    for s in spans {
        var best = s.start
        for t in s.start...s.end where logProbs[t, s.label] > logProbs[best, s.label] { best = t }
        let p = Double(exp(logProbs[best, s.label]))
        let name = display(alphabet[s.label]), half = textWidth(name, size: 12) / 2
        let cx = min(max(x.position(Double(best) + 0.5), posteriorArea.x + half), posteriorArea.right - half)
        guard cx - half >= freeFrom else { continue }
        freeFrom = cx + half + 2
        doc.text(name, x: cx, y: max(posteriorArea.y + 12, y.position(p) - 5),
                 size: 12, anchor: .middle, fill: labelColour(s.label, blank: blank), bold: true)
    }
    AxisDrawing.frame(&doc, area: posteriorArea)
    // As many entries as fit beside the posteriors and tokens: the blank and the highest peaks, in alphabet order.
    let room = Int((alignArea.bottom - posteriorArea.y - 8) / Legend.rowHeight)
    if legend.count > room {
        let kept = Set(peaks.indices.sorted { peaks[$0] > peaks[$1] }.prefix(room - 1))
        let left = legend.count - kept.count
        legend = legend.indices.filter { kept.contains($0) }.map { legend[$0] }
        legend.append(("+\(left) more", "none", nil))
    }
    Legend.draw(&doc, x: posteriorArea.right + 10, y: posteriorArea.y, entries: legend)

    // The alignment band.
    doc.beginGroup("alignment")
    doc.rect(x: alignArea.x, y: alignArea.y, width: alignArea.width, height: alignArea.height, style: .filled("#f4f4f4"))
    for s in spans {
        let x0 = x.position(Double(s.start)), x1 = x.position(Double(s.end + 1))
        let colour = labelColour(s.label, blank: blank)
        let name = display(alphabet[s.label])
        let when = frameShift.map { String(format: ", %.2f–%.2f s", Double(s.start) * $0, Double(s.end + 1) * $0) } ?? ""
        doc.rect(x: x0, y: alignArea.y + 3, width: x1 - x0, height: alignArea.height - 6,
                 style: ShapeStyle(fill: colour, stroke: colour, strokeWidth: 1, opacity: 0.35),
                 tooltip: "\(name): frames \(s.start)–\(s.end)\(when)")
        // The symbol when it fits in its box (the tooltip and the line above always give it).
        if textWidth(name, size: 13) <= x1 - x0 + 2 {
            let half = textWidth(name, size: 13) / 2
            doc.text(name, x: min(max((x0 + x1) / 2, alignArea.x + half), alignArea.right - half), y: alignArea.y + alignArea.height / 2 + 4.5, size: 13, anchor: .middle, bold: true)
        }
    }
    doc.endGroup()
    AxisDrawing.frame(&doc, area: alignArea)
    doc.text("tokens", x: alignArea.x - 8, y: alignArea.y + alignArea.height / 2 + 4, size: 11, anchor: .end)
    HeatMapPanel.timeAxis(&doc, area: alignArea, frames: frames, frameShift: frameShift)
    let how = features == nil ? "labels: their highest posterior, the blank: its lowest"
                              : "labels: their highest posterior, the blank: its lowest; features: their mean, which the colours span"
    doc.text(counted(frames, "frame") + columnNote(frames: frames, maxColumns: options.maxColumns, how: how),
             x: alignArea.right, y: alignArea.bottom + 62, size: 11, anchor: .end, fill: "#666666")
    return doc.render()
}

/// The decoded tokens as written beside the title, within `room` pixels (at 13 px): all of them,
/// or as many as fit from the first, then "… (N tokens)".
func transcriptLine(_ tokens: [String], room: Double) -> String {
    guard !tokens.isEmpty else { return "(no tokens)" }
    let whole = tokens.joined(separator: " ")
    if textWidth(whole, size: 13) <= room { return whole }
    let suffix = "… (\(tokens.count) tokens)"
    var shown = ""
    for token in tokens {
        let longer = shown.isEmpty ? token : shown + " " + token
        if textWidth(longer + " " + suffix, size: 13) > room { break }
        shown = longer
    }
    return shown.isEmpty ? "(\(tokens.count) tokens)" : shown + " " + suffix
}

/// The colours of non-blank labels: the category palette without its grey, which is the blank's.
let labelPalette = categoryPalette.filter { $0 != "#7f7f7f" }

/// The colour of a non-blank label: `labelPalette` in alphabet order, skipping the blank.
func labelColour(_ k: Int, blank: Int) -> String {
    labelPalette[(k > blank ? k - 1 : k) % labelPalette.count]
}

/// The blank's dash pattern (its colour is grey).
let blankDash = "5 3"

/// The dash pattern of a non-blank label's line: solid for the first round of the palette, then
/// one pattern per further round, so no two labels share colour and dash (`labelColour`): the
/// tenth label has the first one's colour, dashed. Past the listed patterns they are made up,
/// still distinct, though hard to tell apart by eye.
func labelDash(_ k: Int, blank: Int) -> String? {
    let round = (k > blank ? k - 1 : k) / labelPalette.count
    let patterns: [String?] = [nil, "8 3", "2 2", "8 3 2 3", "1 4", "12 4", "4 2 1 2 1 2"]
    return round < patterns.count ? patterns[round] : "\(round) 3 1 3"
}

/// The approximate width of bold sans-serif text (0.62 em per character).
func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.62 }

/// A token as shown: white space as "␣".
func display(_ token: String) -> String {
    token.allSatisfy(\.isWhitespace) ? "␣" : token
}
