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

/// A heat map of the utilities (blue low, white middle, red high) with the policy's arrows;
/// walls black, cliffs dark grey, terminals outlined. Plain SVG 1.1 text, no dependency.
public func gridSVG(_ map: GridMap, utilities: [Double], policy: [Int], options: GridSVGOptions = .init()) -> String {
    let size = options.cellSize
    let width = Double(map.cols) * size, height = Double(map.rows) * size
    var lo = Double.infinity, hi = -Double.infinity
    for s in 0..<map.cellCount where map.isDecision(s) || map.isTerminal(s) {
        lo = min(lo, utilities[s]); hi = max(hi, utilities[s])
    }
    if !lo.isFinite { lo = 0; hi = 1 }
    let mid = (lo + hi) / 2, half = max((hi - lo) / 2, 1e-12)
    func colour(_ v: Double) -> String {
        let t = max(-1, min(1, (v - mid) / half))  // −1 blue … 0 white … +1 red
        let r = t < 0 ? 1 + t : 1.0, b = t > 0 ? 1 - t : 1.0, g = 1 - abs(t)
        return String(format: "#%02x%02x%02x", Int(r * 255), Int(g * 255), Int(b * 255))
    }
    let showValues = options.showValues && map.cols <= 40
    var out = """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
    <title>\(escape(map.name.isEmpty ? "grid" : map.name))</title>
    <style>text{font-family:sans-serif;text-anchor:middle;dominant-baseline:central}</style>

    """
    for s in 0..<map.cellCount {
        let (r, c) = map.position(of: s)
        let x = Double(c) * size, y = Double(r) * size
        let cx = x + size / 2, cy = y + size / 2
        switch map.cells[s] {
        case .wall:
            out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(size)\" height=\"\(size)\" fill=\"#000000\"/>\n"
        case .cliff:
            out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(size)\" height=\"\(size)\" fill=\"#555555\"/>\n"
        case .terminal(let reward):
            out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(size)\" height=\"\(size)\" fill=\"\(colour(utilities[s]))\" stroke=\"#000000\" stroke-width=\"\(size / 16)\"/>\n"
            out += "<text x=\"\(cx)\" y=\"\(cy)\" font-size=\"\(size / 3)\">\(GridRendering.number(reward))</text>\n"
        case .open:
            out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(size)\" height=\"\(size)\" fill=\"\(colour(utilities[s]))\" stroke=\"#cccccc\" stroke-width=\"0.5\"/>\n"
            if let arrow = GridAction(rawValue: policy[s])?.arrow {
                out += "<text x=\"\(cx)\" y=\"\(showValues ? cy - size / 6 : cy)\" font-size=\"\(size / (showValues ? 2.4 : 1.6))\">\(arrow)</text>\n"
            }
            if showValues {
                out += "<text x=\"\(cx)\" y=\"\(cy + size / 4)\" font-size=\"\(size / 5)\">\(String(format: "%.\(options.digits)f", utilities[s]))</text>\n"
            }
        }
    }
    return out + "</svg>\n"
}

private func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}
