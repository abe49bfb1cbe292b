// Curves: line plots of (x, y) series (training curves), one or more panels sharing a title.
import Foundation

/// One named line of a line plot.
public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    /// Colour (`#rrggbb`); nil takes the next colour of `categoryPalette`.
    public var colour: String?
    public var dashed: Bool

    public init(name: String, points: [(x: Double, y: Double)], colour: String? = nil, dashed: Bool = false) {
        self.name = name
        self.points = points
        self.colour = colour
        self.dashed = dashed
    }
}

/// One panel of a line plot: its series, axis labels and y scale.
public struct CurvePanel: Sendable {
    public var series: [Series]
    public var xLabel: String
    public var yLabel: String
    /// A log10 y axis (all y values must then be positive).
    public var logY: Bool
    /// x ticks only at whole numbers (epochs, episodes).
    public var integerX: Bool
    /// The y range shown (lines beyond it are clipped); nil: the data's range.
    public var yRange: ClosedRange<Double>?
    /// The x range shown, e.g. the same for panels stacked over one axis; nil: the data's range.
    public var xRange: ClosedRange<Double>?

    public init(series: [Series], xLabel: String, yLabel: String, logY: Bool = false, integerX: Bool = false,
                yRange: ClosedRange<Double>? = nil, xRange: ClosedRange<Double>? = nil) {
        self.series = series
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.integerX = integerX
        self.yRange = yRange
        self.xRange = xRange
    }
}

/// A line plot of `series` as an SVG file (see `curvesSVG(panels:title:)`).
public func curvesSVG(series: [Series], title: String, xLabel: String, yLabel: String, logY: Bool = false) throws -> String {
    try curvesSVG(panels: [CurvePanel(series: series, xLabel: xLabel, yLabel: yLabel, logY: logY)], title: title)
}

/// Panels of line plots stacked vertically under one title, as an SVG file.
///
/// Each series is a polyline through its points in the given order (with a dot at each point when
/// there are at most 60); non-finite y values leave a gap. The x range is `xRange` or the data's,
/// padded by 3 % at each end; the y range is `yRange` (lines beyond it clipped), or the data's
/// widened to nice tick values and at least 4 % beyond its extremes (linear) or padded by 5 % of its decades (log10),
/// so no point of the data is drawn on the frame. Each panel has a legend, in the corner with the fewest points.
/// - Throws: `PlotError` when there is no panel, a panel has no finite point, a log-scale
///   panel has a value ≤ 0, or a y range is empty (or not positive on a log scale).
public func curvesSVG(panels: [CurvePanel], title: String) throws -> String {
    guard !panels.isEmpty else { throw PlotError("nothing to plot: no panels") }
    let panelHeight = 260.0, gap = 70.0
    let first = PlotArea(x: 82, y: 44, width: 640, height: panelHeight)
    let height = first.y + Double(panels.count) * (panelHeight + gap) - gap + 56
    var doc = SVGDocument(width: first.right + 30, height: height, title: title)
    doc.text(title, x: first.x, y: 26, size: 15, bold: true)
    for (i, panel) in panels.enumerated() {
        var colourIndex = 0   // per panel: a series keeps its colour from panel to panel
        var area = first
        area.y += Double(i) * (panelHeight + gap)
        try CurvePanelDrawing.draw(&doc, area: area, panel: panel, colourIndex: &colourIndex)
    }
    return doc.render()
}

enum CurvePanelDrawing {
    static func draw(_ doc: inout SVGDocument, area: PlotArea, panel: CurvePanel, colourIndex: inout Int) throws {
        var xs: [Double] = [], ys: [Double] = []
        for s in panel.series {
            for p in s.points where p.x.isFinite && p.y.isFinite {
                if panel.logY && p.y <= 0 {
                    // Where the user finds it: the x value by its axis name (epoch 3, episode 120).
                    let at = "\(panel.xLabel.isEmpty ? "x =" : panel.xLabel) \(String(format: "%g", p.x))"
                    throw PlotError("series \"\(s.name)\" has y = \(String(format: "%g", p.y)) at \(at); a log scale needs positive values")
                }
                xs.append(p.x); ys.append(p.y)
            }
        }
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else {
            throw PlotError("nothing to plot for \"\(panel.yLabel)\": no finite points")
        }
        let (xLo, xHi) = panel.xRange.map { ($0.lowerBound, $0.upperBound) } ?? (xMin, xMax)
        // 3 % of the range beyond each end, so no point lies on the frame.
        let xBounds = xHi > xLo ? (lo: xLo - 0.03 * (xHi - xLo), hi: xHi + 0.03 * (xHi - xLo)) : (lo: xLo - 1, hi: xHi + 1)
        let yBounds: (lo: Double, hi: Double)
        let yTicks: [Double]
        if let range = panel.yRange {
            guard range.upperBound > range.lowerBound, range.lowerBound.isFinite, range.upperBound.isFinite,
                  !panel.logY || range.lowerBound > 0 else {
                throw PlotError("the y range \(range.lowerBound)…\(range.upperBound) of \"\(panel.yLabel)\" is empty\(panel.logY ? " or not positive" : "")")
            }
            yBounds = (range.lowerBound, range.upperBound)
            yTicks = Scale(lo: yBounds.lo, hi: yBounds.hi, from: 0, to: 1, logarithmic: panel.logY).ticks(count: 5)
        } else if panel.logY {
            yBounds = yMax > yMin ? (yMin / pow(yMax / yMin, 0.05), yMax * pow(yMax / yMin, 0.05)) : (yMin / 2, yMax * 2)
            yTicks = Scale(lo: yBounds.lo, hi: yBounds.hi, from: 0, to: 1, logarithmic: true).ticks(count: 5)
        } else {
            // Ticks at whole steps; the axis 4 % beyond the data where a value lies on or near the
            // outer tick (a loss of 20 with steps of 1), so no point is drawn on the frame.
            let nice = niceBounds(lo: yMin, hi: yMax, count: 5)
            let pad = 0.04 * (nice.hi - nice.lo)
            yBounds = (min(nice.lo, yMin - pad), max(nice.hi, yMax + pad))
            yTicks = niceTicks(lo: nice.lo, hi: nice.hi, step: nice.step)
        }
        let x = Scale(lo: xBounds.lo, hi: xBounds.hi, from: area.x, to: area.right)
        let y = Scale(lo: yBounds.lo, hi: yBounds.hi, from: area.bottom, to: area.y, logarithmic: panel.logY)
        let xStep = niceStep(range: xBounds.hi - xBounds.lo, count: 8)
        let xTicks = niceTicks(lo: xBounds.lo, hi: xBounds.hi, step: panel.integerX ? max(1, xStep.rounded()) : xStep)
        AxisDrawing.xAxis(&doc, area: area, scale: x, ticks: xTicks, label: panel.xLabel,
                          format: { tickLabel($0, ticks: xTicks) }, grid: true)
        AxisDrawing.yAxis(&doc, area: area, scale: y, ticks: yTicks, label: panel.yLabel,
                          format: { tickLabel($0, ticks: yTicks, logarithmic: panel.logY) }, grid: true)
        AxisDrawing.frame(&doc, area: area)

        var legend: [Legend.Entry] = []
        var drawn: [(x: Double, y: Double)] = []
        for s in panel.series {
            let colour = s.colour ?? categoryPalette[colourIndex % categoryPalette.count]
            if s.colour == nil { colourIndex += 1 }
            legend.append((s.name, colour, s.dashed ? Legend.seriesDash : nil))
            doc.beginGroup("series", clip: area)
            var run: [(x: Double, y: Double)] = []
            let style = ShapeStyle.stroked(colour, width: 2, dash: s.dashed ? Legend.seriesDash : nil)
            for p in s.points {
                if p.x.isFinite && p.y.isFinite {
                    run.append((x.position(p.x), y.position(p.y)))
                    drawn.append(run[run.count - 1])
                } else {
                    doc.polyline(run, style: style); run = []
                }
            }
            doc.polyline(run, style: style)
            if s.points.count <= 60 {
                for p in s.points where p.x.isFinite && p.y.isFinite {
                    doc.circle(cx: x.position(p.x), cy: y.position(p.y), r: 2.5, style: .filled(colour))
                }
            }
            doc.endGroup()
        }
        Legend.draw(&doc, area: area, entries: legend, avoiding: drawn)
    }
}

/// A legend box: a line sample and a name per entry, one column.
enum Legend {
    /// A line's name, colour and SVG dash pattern (nil: solid), drawn as the line is.
    typealias Entry = (name: String, colour: String, dash: String?)
    static let rowHeight = 16.0, sample = 22.0
    /// The dash of a curve marked `dashed`.
    static let seriesDash = "6 4"

    /// The box's size for these entries (names measured at about 6.6 px per character).
    static func size(entries: [Entry]) -> (width: Double, height: Double) {
        let longest = entries.map { $0.name.count }.max() ?? 0
        return (sample + 22 + Double(longest) * 6.6, Double(entries.count) * rowHeight + 8)
    }

    /// The legend in the corner of `area` that covers the fewest of the `avoiding` points
    /// (top right, top left, bottom right, bottom left, in that order on ties).
    static func draw(_ doc: inout SVGDocument, area: PlotArea, entries: [Entry], avoiding points: [(x: Double, y: Double)] = []) {
        let (width, height) = size(entries: entries)
        let corners = [(area.right - width - 8, area.y + 8), (area.x + 8, area.y + 8),
                       (area.right - width - 8, area.bottom - height - 8), (area.x + 8, area.bottom - height - 8)]
        func covered(_ corner: (Double, Double)) -> Int {
            points.filter { $0.x >= corner.0 - 4 && $0.x <= corner.0 + width + 4 && $0.y >= corner.1 - 4 && $0.y <= corner.1 + height + 4 }.count
        }
        var best = corners[0], fewest = covered(corners[0])
        for corner in corners.dropFirst() {
            let n = covered(corner)
            if n < fewest { best = corner; fewest = n }
        }
        draw(&doc, x: best.0, y: best.1, entries: entries)
    }

    /// The legend with its top-left corner at (x, y).
    static func draw(_ doc: inout SVGDocument, x x0: Double, y y0: Double, entries: [Entry]) {
        guard !entries.isEmpty else { return }
        let (width, height) = size(entries: entries)
        doc.beginGroup("legend")
        doc.rect(x: x0, y: y0, width: width, height: height,
                 style: ShapeStyle(fill: "#ffffff", stroke: "#bbbbbb", strokeWidth: 1, opacity: 0.9))
        for (i, e) in entries.enumerated() {
            let cx = x0 + 8, cy = y0 + 4 + (Double(i) + 0.5) * rowHeight
            doc.line(x1: cx, y1: cy, x2: cx + sample, y2: cy, style: .stroked(e.colour, width: 2, dash: e.dash))
            doc.text(e.name, x: cx + sample + 6, y: cy + 4, size: 11)
        }
        doc.endGroup()
    }
}
