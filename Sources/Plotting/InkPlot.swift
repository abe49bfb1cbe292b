// InkPlot: pen trajectories (strokes of labelled samples) drawn as small multiples, one panel per sample.
import Foundation

/// One labelled piece of ink to draw: its strokes as point lists in the file's units.
public struct InkDrawing: Sendable {
    public var id: String
    public var label: String
    /// Pen-down strokes, each a list of (x, y) points.
    public var strokes: [[(x: Double, y: Double)]]
    /// True when y grows upwards (tablets): drawn flipped so the ink stands upright.
    public var yPointsUp: Bool

    public init(id: String, label: String, strokes: [[(x: Double, y: Double)]], yPointsUp: Bool) {
        self.id = id
        self.label = label
        self.strokes = strokes
        self.yPointsUp = yPointsUp
    }
}

/// Samples of ink as an SVG file: a grid of `columns` panels, each sample scaled to fit its
/// panel with equal x and y scales (so shapes keep their proportions), strokes coloured in
/// writing order (`categoryPalette`) with a dot where each stroke starts, and the label and id
/// under the panel.
/// - Throws: `PlotError` when there is no sample, or a sample has no finite point.
public func inkSVG(_ samples: [InkDrawing], columns: Int = 4, title: String) throws -> String {
    guard !samples.isEmpty else { throw PlotError("no ink samples to draw") }
    let columns = max(1, min(columns, samples.count))
    let cell = 220.0, gap = 16.0, labelHeight = 34.0, top = 44.0, left = 16.0
    let rows = (samples.count + columns - 1) / columns
    var doc = SVGDocument(width: left * 2 + Double(columns) * (cell + gap) - gap,
                          height: top + Double(rows) * (cell + labelHeight + gap) + 4, title: title)
    doc.text(title, x: left, y: 26, size: 15, bold: true)
    for (i, sample) in samples.enumerated() {
        let points = sample.strokes.flatMap { $0 }.filter { $0.x.isFinite && $0.y.isFinite }
        guard let minX = points.map(\.x).min(), let maxX = points.map(\.x).max(),
              let minY = points.map(\.y).min(), let maxY = points.map(\.y).max() else {
            throw PlotError("ink sample \(sample.id) has no points")
        }
        let area = PlotArea(x: left + Double(i % columns) * (cell + gap), y: top + Double(i / columns) * (cell + labelHeight + gap),
                            width: cell, height: cell)
        doc.beginGroup("ink")
        doc.rect(x: area.x, y: area.y, width: area.width, height: area.height, style: ShapeStyle(fill: "#fbfbfb", stroke: "#cccccc"))
        // One scale for both axes, the ink centred in the panel with a margin.
        let margin = 14.0
        let scale = min((cell - 2 * margin) / max(maxX - minX, 1e-9), (cell - 2 * margin) / max(maxY - minY, 1e-9))
        let offsetX = area.x + (cell - (maxX - minX) * scale) / 2, offsetY = area.y + (cell - (maxY - minY) * scale) / 2
        func position(_ p: (x: Double, y: Double)) -> (x: Double, y: Double) {
            let y = sample.yPointsUp ? (maxY - p.y) : (p.y - minY)
            return (offsetX + (p.x - minX) * scale, offsetY + y * scale)
        }
        for (k, stroke) in sample.strokes.enumerated() {
            let line = stroke.filter { $0.x.isFinite && $0.y.isFinite }.map(position)
            guard let first = line.first else { continue }
            let colour = categoryPalette[k % categoryPalette.count]
            if line.count > 1 {
                doc.polyline(line, style: .stroked(colour, width: 2.5))
            }
            doc.circle(cx: first.x, cy: first.y, r: 3, style: .filled(colour))
        }
        doc.text(sample.label, x: area.x + cell / 2, y: area.bottom + 16, size: 14, anchor: .middle, bold: true)
        doc.text("\(sample.id), \(sample.strokes.count) stroke\(sample.strokes.count == 1 ? "" : "s"), \(points.count) points",
                 x: area.x + cell / 2, y: area.bottom + 30, size: 10, anchor: .middle, fill: "#666666")
        doc.endGroup()
    }
    return doc.render()
}
