// Axes: linear and logarithmic scales, "nice" tick values, and axis drawing (ticks, labels, frame).
import Foundation

/// A rectangle of the drawing in pixels (y downwards).
public struct PlotArea: Sendable, Equatable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var right: Double { x + width }
    public var bottom: Double { y + height }
}

/// Maps data values in `lo...hi` onto pixels `from...to` (either direction), linearly or by log10.
public struct Scale: Sendable {
    public let lo: Double, hi: Double
    public let from: Double, to: Double
    public let logarithmic: Bool

    /// - Precondition (checked by callers): `lo < hi`, and both > 0 when `logarithmic`.
    public init(lo: Double, hi: Double, from: Double, to: Double, logarithmic: Bool = false) {
        self.lo = lo; self.hi = hi; self.from = from; self.to = to; self.logarithmic = logarithmic
    }

    /// The pixel position of value `v`.
    public func position(_ v: Double) -> Double {
        let t = logarithmic ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : (v - lo) / (hi - lo)
        return from + t * (to - from)
    }

    /// Tick values inside `lo...hi`: nice linear steps, or powers of ten (with 2 and 5 when the
    /// range spans less than two decades) for a log scale.
    public func ticks(count: Int = 6) -> [Double] {
        guard logarithmic else { return niceTicks(lo: lo, hi: hi, count: count) }
        let first = Int(floor(log10(lo))), last = Int(ceil(log10(hi)))
        for multipliers in [[1.0], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]] {
            var ticks: [Double] = []
            for e in first...last {
                for m in multipliers {
                    let v = m * pow(10, Double(e))
                    if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { ticks.append(v) }
                }
            }
            if ticks.count >= 3 || multipliers.count == 9 { return ticks.count >= 2 ? ticks : niceTicks(lo: lo, hi: hi, count: count) }
        }
        return []
    }
}

/// A "nice" step near `range / count`: 1, 2 or 5 times a power of ten (Heckbert, "Nice numbers
/// for graph labels", Graphics Gems, 1990).
public func niceStep(range: Double, count: Int) -> Double {
    guard range > 0, range.isFinite else { return 1 }
    let raw = range / Double(max(count, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let f = raw / magnitude
    let nice: Double = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10
    return nice * magnitude
}

/// Multiples of a nice step that lie in `lo...hi` (about `count` of them).
public func niceTicks(lo: Double, hi: Double, count: Int = 6) -> [Double] {
    guard hi > lo, lo.isFinite, hi.isFinite else { return lo.isFinite ? [lo] : [] }
    return niceTicks(lo: lo, hi: hi, step: niceStep(range: hi - lo, count: count))
}

/// The multiples of `step` in `lo...hi`.
public func niceTicks(lo: Double, hi: Double, step: Double) -> [Double] {
    guard hi >= lo, step > 0, lo.isFinite, hi.isFinite else { return [] }
    var ticks: [Double] = []
    var k = ceil(lo / step - 1e-9)
    while k * step <= hi + step * 1e-9 && ticks.count < 1000 {
        let v = k * step
        ticks.append(abs(v) < step * 1e-9 ? 0 : v)
        k += 1
    }
    return ticks
}

/// `lo...hi` widened outwards to multiples of a nice step (for data ranges of curves), and the step.
public func niceBounds(lo: Double, hi: Double, count: Int = 6) -> (lo: Double, hi: Double, step: Double) {
    guard hi > lo else {
        let pad = lo == 0 ? 1 : abs(lo) * 0.1
        return (lo - pad, hi + pad, niceStep(range: 2 * pad, count: count))
    }
    let step = niceStep(range: hi - lo, count: count)
    return (floor(lo / step + 1e-9) * step, ceil(hi / step - 1e-9) * step, step)
}

/// A tick label: as many decimals as the spacing of `ticks` needs and every tick shows exactly
/// (0.25 steps get two: "0.25", "0.50"), at most 6; %g for a log scale.
public func tickLabel(_ v: Double, ticks: [Double], logarithmic: Bool = false) -> String {
    if logarithmic {
        let s = String(format: "%g", v)
        return s
    }
    let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : max(abs(v), 1)
    var decimals = max(0, min(6, Int(-floor(log10(step) + 1e-9))))
    func exact(_ t: Double) -> Bool {
        let scaled = t * pow(10, Double(decimals))
        return abs(scaled - scaled.rounded()) <= 1e-6 * max(1, abs(scaled))
    }
    while decimals < 6 && !(ticks + [v]).allSatisfy(exact) { decimals += 1 }
    let s = String(format: "%.\(decimals)f", v)
    return s == "-0" || s.hasPrefix("-0.") && Double(s) == 0 ? String(s.dropFirst()) : s
}

/// Drawing of axes around a plot area. Tick marks point outwards; labels sit outside the frame.
enum AxisDrawing {
    static let tickLength = 5.0
    static let fontSize = 11.0
    static let labelFontSize = 12.0

    /// The x axis under `area`: ticks at `ticks` (data values), their labels, and `label` centred below.
    static func xAxis(_ doc: inout SVGDocument, area: PlotArea, scale: Scale, ticks: [Double], label: String?,
                      format: (Double) -> String, grid: Bool = false) {
        doc.beginGroup("x-axis")
        for v in ticks {
            let x = scale.position(v)
            if grid { doc.line(x1: x, y1: area.y, x2: x, y2: area.bottom, style: .stroked("#e4e4e4", width: 1)) }
            doc.line(x1: x, y1: area.bottom, x2: x, y2: area.bottom + tickLength, style: .stroked("#444444"))
            doc.text(format(v), x: x, y: area.bottom + tickLength + fontSize + 1, size: fontSize, anchor: .middle)
        }
        if let label, !label.isEmpty {
            doc.text(label, x: area.x + area.width / 2, y: area.bottom + tickLength + fontSize + labelFontSize + 8,
                     size: labelFontSize, anchor: .middle)
        }
        doc.endGroup()
    }

    /// The y axis left of `area` (or right of it when `onRight`), with `label` rotated along it.
    static func yAxis(_ doc: inout SVGDocument, area: PlotArea, scale: Scale, ticks: [Double], label: String?,
                      format: (Double) -> String, grid: Bool = false, onRight: Bool = false) {
        doc.beginGroup("y-axis")
        let edge = onRight ? area.right : area.x
        let outwards = onRight ? 1.0 : -1.0
        var widest = 0
        for v in ticks {
            let y = scale.position(v)
            if grid { doc.line(x1: area.x, y1: y, x2: area.right, y2: y, style: .stroked("#e4e4e4", width: 1)) }
            doc.line(x1: edge, y1: y, x2: edge + outwards * tickLength, y2: y, style: .stroked("#444444"))
            let text = format(v)
            widest = max(widest, text.count)
            doc.text(text, x: edge + outwards * (tickLength + 3), y: y + fontSize * 0.35, size: fontSize,
                     anchor: onRight ? .start : .end)
        }
        if let label, !label.isEmpty {
            let x = edge + outwards * (tickLength + 3 + Double(widest) * fontSize * 0.62 + 8)
            let y = area.y + area.height / 2
            doc.text(label, x: x, y: y, size: labelFontSize, anchor: .middle, rotation: onRight ? 90 : -90)
        }
        doc.endGroup()
    }

    /// A thin frame around the plot area.
    static func frame(_ doc: inout SVGDocument, area: PlotArea) {
        doc.rect(x: area.x, y: area.y, width: area.width, height: area.height, style: .stroked("#444444", width: 1))
    }
}
