// GridSVG: a value heat map with policy arrows as hand-written SVG text.
import Foundation

/// Options of the SVG drawing, with their defaults.
public struct GridSVGOptions: Sendable {
    /// Side of a cell in pixels. Default 48.
    public var cellSize: Double = 48
    /// Print the utility in each cell (off automatically above 40 columns). Default true.
    public var showValues: Bool = true
    /// Decimals of the utility printed in each cell. Default 3.
    public var digits: Int = 3
    public init() {}
}

/// The colour scale of `gridSVG`: the range of the open cells' utilities (the terminals' when
/// there is no open cell), blue at its low end, white in the middle, red at its high end; values
/// outside it take the colour of the nearer end. Terminals are not drawn in it (`terminalFill`).
public struct GridColourScale: Sendable, Equatable {
    public var lo: Double, hi: Double

    /// The scale of `utilities` over `map`'s open cells (else its terminals; else 0…1); a single
    /// value v gets v − 0.5 … v + 0.5.
    public init(_ map: GridMap, utilities: [Double]) {
        var lo = Double.infinity, hi = -Double.infinity
        for pass in [map.isDecision, map.isTerminal] where !lo.isFinite {
            for s in 0..<map.cellCount where pass(s) && utilities[s].isFinite {
                lo = min(lo, utilities[s]); hi = max(hi, utilities[s])
            }
        }
        if !lo.isFinite { lo = 0; hi = 1 }
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        self.lo = lo; self.hi = hi
    }

    /// The scale from `lo` (blue) to `hi` (red); needs lo < hi.
    public init(lo: Double, hi: Double) { self.lo = lo; self.hi = hi }

    /// `#rrggbb` of `v`: blue (lo) … white (mid-range) … red (hi), clamped.
    public func colour(_ v: Double) -> String {
        let t = v.isNaN ? 0 : max(-1, min(1, (v - (lo + hi) / 2) / ((hi - lo) / 2)))
        let r = t < 0 ? 1 + t : 1.0, b = t > 0 ? 1 - t : 1.0, g = 1 - abs(t)
        return String(format: "#%02x%02x%02x", Int(r * 255), Int(g * 255), Int(b * 255))
    }
}

/// The fill of a terminal cell in `gridSVG`, by the sign of its reward and outside the utility
/// scale, so a goal or trap is never the colour of an open cell at the scale's end: dark red
/// (reward > 0), dark blue (< 0), grey (0).
public func terminalFill(reward: Double) -> String {
    reward > 0 ? "#67001f" : reward < 0 ? "#053061" : "#a0a0a0"
}

/// Black or white, whichever contrasts more with the background `#rrggbb` (WCAG relative luminance).
public func textColour(on background: String) -> String {
    let v = Int(background.dropFirst(), radix: 16) ?? 0xffffff
    func linear(_ c: Int) -> Double {
        let x = Double(c) / 255
        return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
    }
    let l = 0.2126 * linear((v >> 16) & 0xff) + 0.7152 * linear((v >> 8) & 0xff) + 0.0722 * linear(v & 0xff)
    // Contrast with black (l + 0.05) / 0.05 against white 1.05 / (l + 0.05).
    return (l + 0.05) * (l + 0.05) >= 0.05 * 1.05 ? "#000000" : "#ffffff"
}

/// A heat map of the utilities with the policy's arrows, beside a colour scale with its numbers
/// and a key. Open cells' colours follow `GridColourScale` (blue low, white middle, red high over
/// the open cells' range); terminals are outlined, marked with their reward and filled by its sign
/// (`terminalFill`: dark red, dark blue, grey); walls black, cliffs dark grey, the start outlined in green and marked "S" left of its
/// arrow. Text is black or white, whichever reads better on its cell. Plain SVG 1.1 text, no
/// dependency; every text is placed by its baseline (`baseline(centre:size:)`), as renderers that
/// ignore `dominant-baseline` (librsvg, hence rsvg-convert) draw it where browsers do.
public func gridSVG(_ map: GridMap, utilities: [Double], policy: [Int], options: GridSVGOptions = .init()) -> String {
    let size = options.cellSize
    let margin = 12.0, top = 40.0
    let gridWidth = Double(map.cols) * size, gridHeight = Double(map.rows) * size
    let scale = GridColourScale(map, utilities: utilities)
    let showValues = options.showValues && map.cols <= 40
    // A policy arrow: its font size and its centre's height in the cell (above the utility when that is shown).
    let arrowSize = size / (showValues ? 2.4 : 1.6), arrowCentre = showValues ? size / 2 - size / 6 : size / 2
    func number(_ v: Double) -> String { String(format: "%.\(options.digits)f", v) }
    func n(_ v: Double) -> String { String(format: "%g", (v * 100).rounded() / 100) }
    /// The y attribute of a text of font size `size` centred at `centre`.
    func at(_ centre: Double, _ size: Double) -> String { n(baseline(centre: centre, size: size)) }

    // The scale and key to the right of the grid.
    let barX = margin + gridWidth + 24, barWidth = 16.0
    let barHeight = max(120, min(gridHeight, 320))
    let ticks = scaleTicks(lo: scale.lo, hi: scale.hi)
    let tickDigits = max(0, min(6, Int(-floor(log10(max(ticks.count > 1 ? ticks[1] - ticks[0] : 1, 1e-6)) + 1e-9))))
    let labelWidth = ticks.map { Double(String(format: "%.\(tickDigits)f", $0).count) * 7 }.max() ?? 28
    let keyWidth = 110.0
    let title = map.name.isEmpty ? "grid" : map.name
    let caption = "colour: utility of the open cells; terminals by the sign of their reward"
    let width = max(barX + barWidth + 8 + max(labelWidth, keyWidth - barWidth - 8) + margin,
                    margin + max(Double(title.count) * 9.5, Double(caption.count) * 6.2) + margin)
    // The key: start, the kinds of terminal the map has, wall and cliff (when it has them).
    let terminalRewards = (0..<map.cellCount).compactMap { s -> Double? in
        if case .terminal(let reward) = map.cells[s] { return reward } else { return nil }
    }
    var key: [(String, String)] = [("start", "fill=\"#ffffff\" stroke=\"#00a000\" stroke-width=\"3\"")]
    for (name, reward, present) in [("terminal > 0", 1.0, terminalRewards.contains { $0 > 0 }),
                                    ("terminal < 0", -1, terminalRewards.contains { $0 < 0 }),
                                    ("terminal = 0", 0, terminalRewards.contains(0))] where present {
        key.append((name, "fill=\"\(terminalFill(reward: reward))\" stroke=\"#000000\" stroke-width=\"3\""))
    }
    if map.cells.contains(.wall) { key.append(("wall", "fill=\"#000000\"")) }
    if map.cells.contains(where: { if case .cliff = $0 { return true } else { return false } }) { key.append(("cliff", "fill=\"#555555\"")) }
    let keyTop = top + barHeight + 24
    let height = max(top + gridHeight, keyTop + Double(max(4, key.count)) * 20) + margin

    var out = """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))">
    <title>\(escape(title))</title>
    <style>text{font-family:sans-serif;text-anchor:middle}</style>
    <rect x="0" y="0" width="\(n(width))" height="\(n(height))" fill="#ffffff"/>
    <text x="\(n(margin))" y="\(at(16, 15))" font-size="15" font-weight="bold" style="text-anchor:start">\(escape(title))</text>
    <text x="\(n(margin))" y="\(at(31, 11))" font-size="11" fill="#555555" style="text-anchor:start">\(caption)</text>
    <g class="cells">

    """
    for s in 0..<map.cellCount {
        let (r, c) = map.position(of: s)
        let x = margin + Double(c) * size, y = top + Double(r) * size
        let cx = x + size / 2, cy = y + size / 2
        func rect(_ fill: String, _ rest: String = "") -> String {
            "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(size))\" height=\"\(n(size))\" fill=\"\(fill)\"\(rest)/>\n"
        }
        switch map.cells[s] {
        case .wall:
            out += rect("#000000")
        case .cliff:
            out += rect("#555555")
        case .terminal(let reward):
            let fill = terminalFill(reward: reward)
            out += rect(fill, " stroke=\"#000000\" stroke-width=\"\(n(size / 16))\"")
            out += "<text x=\"\(n(cx))\" y=\"\(at(cy, size / 3))\" font-size=\"\(n(size / 3))\" fill=\"\(textColour(on: fill))\">\(GridRendering.number(reward))</text>\n"
        case .open:
            let fill = scale.colour(utilities[s]), ink = textColour(on: fill)
            out += rect(fill, " stroke=\"#cccccc\" stroke-width=\"0.5\"")
            if let arrow = GridAction(rawValue: policy[s])?.arrow {
                out += "<text x=\"\(n(cx))\" y=\"\(at(y + arrowCentre, arrowSize))\" font-size=\"\(n(arrowSize))\" fill=\"\(ink)\">\(arrow)</text>\n"
            }
            if showValues {
                out += "<text x=\"\(n(cx))\" y=\"\(at(cy + size / 4, size / 5))\" font-size=\"\(n(size / 5))\" fill=\"\(ink)\">\(number(utilities[s]))</text>\n"
            }
        }
    }
    out += "</g>\n"

    // The start: a green outline along the inside of its cell's edge, and an "S" in the arrow's
    // row, halfway between the outline and the widest arrow's (← →) left end, so neither touches it.
    let (startRow, startCol) = map.position(of: map.start)
    let sx = margin + Double(startCol) * size, sy = top + Double(startRow) * size
    let stroke = size / 16, startSize = size / 5.5
    let startX = sx + (stroke + size / 2 - arrowHalfWidth * arrowSize) / 2
    let startInk = map.isDecision(map.start) ? textColour(on: scale.colour(utilities[map.start])) : "#ffffff"
    out += """
    <g class="start">
    <rect x="\(n(sx + stroke / 2))" y="\(n(sy + stroke / 2))" width="\(n(size - stroke))" height="\(n(size - stroke))" fill="none" stroke="#00a000" stroke-width="\(n(stroke))"/>
    <text x="\(n(startX))" y="\(at(sy + arrowCentre, startSize))" font-size="\(n(startSize))" font-weight="bold" fill="\(startInk)">S</text>
    </g>

    """

    // The colour scale: a gradient bar from lo (bottom) to hi (top), ticked with its numbers.
    out += """
    <defs><linearGradient id="utility-scale" x1="0" y1="1" x2="0" y2="0">
    <stop offset="0" stop-color="\(scale.colour(scale.lo))"/><stop offset="0.5" stop-color="\(scale.colour((scale.lo + scale.hi) / 2))"/><stop offset="1" stop-color="\(scale.colour(scale.hi))"/>
    </linearGradient></defs>
    <g class="colour-scale">
    <rect x="\(n(barX))" y="\(n(top))" width="\(n(barWidth))" height="\(n(barHeight))" fill="url(#utility-scale)" stroke="#444444" stroke-width="1"/>

    """
    for v in ticks {
        let y = top + barHeight * (scale.hi - v) / (scale.hi - scale.lo)
        out += "<line x1=\"\(n(barX + barWidth))\" y1=\"\(n(y))\" x2=\"\(n(barX + barWidth + 4))\" y2=\"\(n(y))\" stroke=\"#444444\"/>\n"
        out += "<text x=\"\(n(barX + barWidth + 7))\" y=\"\(at(y, 11))\" font-size=\"11\" style=\"text-anchor:start\">\(String(format: "%.\(tickDigits)f", v))</text>\n"
    }
    out += "<text x=\"\(n(barX + barWidth / 2))\" y=\"\(at(top + barHeight + 12, 11))\" font-size=\"11\">utility</text>\n</g>\n"

    out += "<g class=\"key\">\n"
    for (i, (name, style)) in key.enumerated() {
        let y = keyTop + Double(i) * 20
        out += "<rect x=\"\(n(barX))\" y=\"\(n(y))\" width=\"14\" height=\"14\" \(style)/>\n"
        out += "<text x=\"\(n(barX + 22))\" y=\"\(at(y + 7, 11))\" font-size=\"11\" style=\"text-anchor:start\">\(escape(name))</text>\n"
    }
    out += "</g>\n"
    return out + "</svg>\n"
}

/// The baseline of a text of font size `size` whose capitals and digits are centred at `centre`
/// (they are about 0.73 em tall in the common sans-serif fonts).
public func baseline(centre: Double, size: Double) -> Double { centre + 0.36 * size }

/// Half the advance of the widest policy arrow (← and →, 0.84 em in DejaVu Sans), in em.
public let arrowHalfWidth = 0.42

/// About five "nice" values (1, 2 or 5 times a power of ten apart) within lo…hi.
func scaleTicks(lo: Double, hi: Double) -> [Double] {
    let raw = (hi - lo) / 5
    let magnitude = pow(10, floor(log10(raw)))
    let f = raw / magnitude
    let step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude
    var ticks: [Double] = []
    var k = ceil(lo / step - 1e-9)
    while k * step <= hi + step * 1e-9 {
        let v = k * step
        ticks.append(abs(v) < step * 1e-9 ? 0 : v)
        k += 1
    }
    return ticks
}

private func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}
