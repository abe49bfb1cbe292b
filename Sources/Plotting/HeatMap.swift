// HeatMap: a feature matrix (T × D) as coloured cells, time along x, dimension up y, with a colour bar.
import Foundation
import Tensors

/// How the cells of a heat map are drawn.
public enum CellDrawing: Sendable {
    /// One `<rect>` per run of equal colour along a dimension (exact, grows with the cells).
    case vector
    /// One embedded indexed-colour PNG, one pixel per cell (small; see `PNGEncoder`).
    case image
}

/// Options of a heat map, with their defaults.
public struct HeatMapOptions: Sendable {
    /// Width of the cell area in pixels. Default 900.
    public var plotWidth = 900.0
    /// Height of the cell area; nil: 6 px per dimension, kept within 160…360. Default nil.
    public var plotHeight: Double? = nil
    /// More frames than this are averaged down to this many columns (`averagingRows`). Default 1000.
    public var maxColumns = 1000
    /// How cells are drawn; nil: vectors up to 2,000 cells (after downsampling), an image above. Default nil.
    public var cells: CellDrawing? = nil
    /// Colours are quantised to this many viridis levels, so equal neighbours merge into one rect. Default 128.
    public var colourLevels = 128
    public init() {}
}

/// A heat map of `matrix` (T frames × D dimensions) as an SVG file.
///
/// Frame t covers x ∈ [t, t+1) frames, or [t·shift, (t+1)·shift) seconds when `frameShift` is
/// known; dimension d covers y ∈ [d, d+1), dimension 0 at the bottom. Values map linearly from
/// the lowest drawn value (dark violet) to the highest (yellow) through `ColourMap.viridis`; the
/// colour bar on the right gives the scale. Cells are `<rect>`s (runs of equal colour along a
/// dimension merged, each overlapping its right and upper neighbour by half a pixel so no seams
/// show) or one embedded PNG (`HeatMapOptions.cells`). Past `maxColumns` frames a column is the
/// mean of several, the colours and the bar span the range of those means (not of the single
/// frames, whose extremes no cell shows), and the caption says both.
/// - Throws: `PlotError` for an empty matrix or a non-finite value.
public func heatMapSVG(matrix: Matrix, frameShift: Double?, title: String, yLabel: String,
                       options: HeatMapOptions = HeatMapOptions()) throws -> String {
    try checkPlottable(matrix)
    let height = options.plotHeight ?? min(360, max(160, Double(matrix.cols) * 6))
    let area = PlotArea(x: 78, y: 40, width: options.plotWidth, height: height)
    var doc = SVGDocument(width: area.right + 110, height: area.bottom + 56, title: title)
    doc.text(title, x: area.x, y: 24, size: 15, bold: true)
    let caption = "\(counted(matrix.rows, "frame")) × \(counted(matrix.cols, "dimension"))"
        + columnNote(frames: matrix.rows, maxColumns: options.maxColumns, how: "their mean; colours span the means")
    doc.text(caption, x: area.right, y: 24, size: 11, anchor: .end, fill: "#666666")
    let range = try HeatMapPanel.draw(&doc, area: area, matrix: matrix, yLabel: yLabel, options: options)
    HeatMapPanel.timeAxis(&doc, area: area, frames: matrix.rows, frameShift: frameShift)
    HeatMapPanel.colourBar(&doc, area: PlotArea(x: area.right + 16, y: area.y, width: 14, height: area.height),
                           lo: range.lo, hi: range.hi)
    return doc.render()
}

/// The drawing parts of a heat map, shared with the posterior plot's feature panel.
enum HeatMapPanel {
    /// Draws the cells of `matrix` into `area` with a y axis of dimensions; returns the value range
    /// the colours span: that of the drawn cells, i.e. of the column means when frames are averaged.
    @discardableResult
    static func draw(_ doc: inout SVGDocument, area: PlotArea, matrix: Matrix, yLabel: String,
                     options: HeatMapOptions) throws -> (lo: Double, hi: Double) {
        let bins = frameBins(count: matrix.rows, maxBins: options.maxColumns)
        let columns = averagingRows(matrix, maxRows: options.maxColumns)
        var lo = Double.infinity, hi = -Double.infinity
        for v in columns.data { lo = min(lo, Double(v)); hi = max(hi, Double(v)) }
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        let x = Scale(lo: 0, hi: Double(matrix.rows), from: area.x, to: area.right)
        let y = Scale(lo: 0, hi: Double(matrix.cols), from: area.bottom, to: area.y)
        let colours = ColourMap.viridis.table(levels: min(256, max(2, options.colourLevels)))
        let top = Double(colours.count - 1)
        func level(_ v: Float) -> Int { Int(((Double(v) - lo) / (hi - lo) * top).rounded()) }

        let drawing = options.cells ?? (bins.count * matrix.cols <= 2000 ? .vector : .image)
        doc.beginGroup("cells", crispEdges: true)
        switch drawing {
        case .vector:
            let overlap = 0.5
            for d in 0..<matrix.cols {
                let y0 = y.position(Double(d + 1)), y1 = y.position(Double(d))
                let extraHeight = d + 1 < matrix.cols ? overlap : 0
                var j = 0
                while j < bins.count {
                    let c = level(columns[j, d])
                    var k = j + 1
                    while k < bins.count && level(columns[k, d]) == c { k += 1 }
                    let x0 = x.position(Double(bins[j].lowerBound)), x1 = x.position(Double(bins[k - 1].upperBound))
                    let extraWidth = k < bins.count ? overlap : 0
                    doc.rect(x: x0, y: y0 - extraHeight, width: x1 - x0 + extraWidth, height: y1 - y0 + extraHeight,
                             style: .filled(colours[c]))
                    j = k
                }
            }
        case .image:
            // Pixel row 0 is the top: the highest dimension.
            var indices = [UInt8](repeating: 0, count: bins.count * matrix.cols)
            for d in 0..<matrix.cols {
                for j in 0..<bins.count { indices[(matrix.cols - 1 - d) * bins.count + j] = UInt8(level(columns[j, d])) }
            }
            let png = try PNGEncoder.indexed(width: bins.count, height: matrix.cols, indices: indices, palette: colours)
            doc.image(x: area.x, y: area.y, width: area.width, height: area.height, png: png)
        }
        doc.endGroup()
        AxisDrawing.frame(&doc, area: area)
        let ticks = niceTicks(lo: 0, hi: Double(matrix.cols - 1), count: max(2, min(6, matrix.cols)))
            .filter { $0 == $0.rounded() }
        let centred = Scale(lo: -0.5, hi: Double(matrix.cols) - 0.5, from: area.bottom, to: area.y)
        AxisDrawing.yAxis(&doc, area: area, scale: centred, ticks: ticks, label: yLabel,
                          format: { String(Int($0)) })
        return (lo, hi)
    }

    /// The time axis under `area` for `frames` frames: seconds when the frame shift is known,
    /// else frame numbers, ticked at whole frames only.
    static func timeAxis(_ doc: inout SVGDocument, area: PlotArea, frames: Int, frameShift: Double?, grid: Bool = false) {
        let extent = Double(frames) * (frameShift ?? 1)
        let scale = Scale(lo: 0, hi: extent, from: area.x, to: area.right)
        let step = niceStep(range: extent, count: 10)
        let ticks = niceTicks(lo: 0, hi: extent, step: frameShift == nil ? max(1, step.rounded()) : step)
        AxisDrawing.xAxis(&doc, area: area, scale: scale, ticks: ticks,
                          label: frameShift == nil ? "frame" : "time (s)",
                          format: { tickLabel($0, ticks: ticks) }, grid: grid)
    }

    /// A vertical colour bar from `lo` (bottom) to `hi` (top) with value ticks on its right.
    static func colourBar(_ doc: inout SVGDocument, area: PlotArea, lo: Double, hi: Double, steps: Int = 64) {
        doc.beginGroup("colour-bar", crispEdges: true)
        let h = area.height / Double(steps)
        for i in 0..<steps {
            let t = (Double(i) + 0.5) / Double(steps)
            doc.rect(x: area.x, y: area.bottom - Double(i + 1) * h, width: area.width, height: h,
                     style: .filled(ColourMap.viridis.colour(t)))
        }
        doc.endGroup()
        AxisDrawing.frame(&doc, area: area)
        let scale = Scale(lo: lo, hi: hi, from: area.bottom, to: area.y)
        let ticks = niceTicks(lo: lo, hi: hi, count: 5)
        AxisDrawing.yAxis(&doc, area: area, scale: scale, ticks: ticks, label: nil,
                          format: { tickLabel($0, ticks: ticks) }, onRight: true)
    }
}
