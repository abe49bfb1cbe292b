// SVGDocument: builds SVG 1.1 text (rect, line, polyline, circle, text, groups) with escaping and compact numbers.
import Foundation

/// Horizontal anchoring of a text element (SVG `text-anchor`).
public enum TextAnchor: String, Sendable {
    case start, middle, end
}

/// Stroke and fill of a shape. Colours are SVG colour strings (`#rrggbb`, `none`).
public struct ShapeStyle: Sendable, Equatable {
    public var fill: String
    public var stroke: String
    public var strokeWidth: Double
    /// Dash pattern (`stroke-dasharray`), e.g. "4 3"; nil for a solid line.
    public var dash: String?
    public var opacity: Double?

    public init(fill: String = "none", stroke: String = "none", strokeWidth: Double = 1, dash: String? = nil, opacity: Double? = nil) {
        self.fill = fill
        self.stroke = stroke
        self.strokeWidth = strokeWidth
        self.dash = dash
        self.opacity = opacity
    }

    /// A filled shape without outline.
    public static func filled(_ colour: String) -> ShapeStyle { ShapeStyle(fill: colour) }
    /// An outline without fill.
    public static func stroked(_ colour: String, width: Double = 1, dash: String? = nil) -> ShapeStyle {
        ShapeStyle(stroke: colour, strokeWidth: width, dash: dash)
    }

    var attributes: String {
        var s = "fill=\"\(fill)\""
        if stroke != "none" {
            s += " stroke=\"\(stroke)\" stroke-width=\"\(svgNumber(strokeWidth))\""
            if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        }
        if let opacity { s += " opacity=\"\(svgNumber(opacity))\"" }
        return s
    }
}

/// An SVG 1.1 document written as text, element by element (W3C SVG 1.1, 2nd ed., 2011).
///
/// The user coordinate system is the viewBox `0 0 width height`: x to the right, y downwards.
/// Text content and attribute values are XML-escaped; numbers are written with at most two
/// decimals. `render()` gives the complete file.
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    public let title: String
    private var body: [String] = []
    private var openGroups = 0
    private var clipCount = 0

    public init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        self.title = title
    }

    /// A rectangle; `tooltip` becomes its `<title>`, which viewers show on hover.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, style: ShapeStyle, tooltip: String? = nil) {
        let head = "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" \(style.attributes)"
        body.append(tooltip.map { head + "><title>\(xmlEscaped($0))</title></rect>" } ?? head + "/>")
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, style: ShapeStyle) {
        body.append("<line x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\" \(style.attributes)/>")
    }

    /// A polyline through `points` (pixel coordinates); nothing is drawn for fewer than one point.
    public mutating func polyline(_ points: [(x: Double, y: Double)], style: ShapeStyle) {
        guard !points.isEmpty else { return }
        let coordinates = points.map { "\(svgNumber($0.x)),\(svgNumber($0.y))" }.joined(separator: " ")
        body.append("<polyline points=\"\(coordinates)\" \(style.attributes) stroke-linejoin=\"round\"/>")
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, style: ShapeStyle) {
        body.append("<circle cx=\"\(svgNumber(cx))\" cy=\"\(svgNumber(cy))\" r=\"\(svgNumber(r))\" \(style.attributes)/>")
    }

    /// Text at (x, y), the baseline's anchor point; `rotation` in degrees about that point.
    public mutating func text(_ content: String, x: Double, y: Double, size: Double = 12, anchor: TextAnchor = .start,
                              fill: String = "#222222", bold: Bool = false, rotation: Double? = nil) {
        var s = "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" font-size=\"\(svgNumber(size))\""
        if anchor != .start { s += " text-anchor=\"\(anchor.rawValue)\"" }
        if fill != "#222222" { s += " fill=\"\(xmlEscaped(fill))\"" }
        if bold { s += " font-weight=\"bold\"" }
        if let rotation { s += " transform=\"rotate(\(svgNumber(rotation)) \(svgNumber(x)) \(svgNumber(y)))\"" }
        body.append(s + ">\(xmlEscaped(content))</text>")
    }

    /// A raster image (PNG bytes, embedded as a data URI) stretched over the rectangle, pixels kept sharp.
    public mutating func image(x: Double, y: Double, width: Double, height: Double, png: [UInt8]) {
        body.append("<image x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,\(Data(png).base64EncodedString())\"/>")
    }

    /// Opens a group; `name` becomes its `class` (tests and style sheets find panels by it).
    /// With `clip`, nothing of the group shows outside that rectangle.
    public mutating func beginGroup(_ name: String, crispEdges: Bool = false, clip: PlotArea? = nil) {
        var attributes = "class=\"\(xmlEscaped(name))\""
        if crispEdges { attributes += " shape-rendering=\"crispEdges\"" }
        if let clip {
            clipCount += 1
            body.append("<clipPath id=\"clip\(clipCount)\"><rect x=\"\(svgNumber(clip.x))\" y=\"\(svgNumber(clip.y))\" width=\"\(svgNumber(clip.width))\" height=\"\(svgNumber(clip.height))\"/></clipPath>")
            attributes += " clip-path=\"url(#clip\(clipCount))\""
        }
        body.append("<g \(attributes)>")
        openGroups += 1
    }

    public mutating func endGroup() {
        guard openGroups > 0 else { return }
        body.append("</g>")
        openGroups -= 1
    }

    /// The whole document, with any groups still open closed.
    public func render() -> String {
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="\(svgNumber(width))" height="\(svgNumber(height))" viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
        <title>\(xmlEscaped(title))</title>
        <rect x="0" y="0" width="\(svgNumber(width))" height="\(svgNumber(height))" fill="#ffffff"/>

        """
        out.reserveCapacity(body.reduce(out.utf8.count) { $0 + $1.utf8.count + 1 } + 16)
        for element in body { out += element; out += "\n" }
        for _ in 0..<openGroups { out += "</g>\n" }
        return out + "</svg>\n"
    }
}

/// `s` with the five XML special characters replaced by entities (XML 1.0 §2.4).
public func xmlEscaped(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default:
            // Control characters other than tab and newline are not allowed in XML 1.0.
            if ch.value < 0x20 && ch != "\t" && ch != "\n" { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
        }
    }
    return out
}

/// A coordinate as short text: at most two decimals, no trailing zeros, no "-0".
public func svgNumber(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    let rounded = (x * 100).rounded() / 100
    if rounded == rounded.rounded() && abs(rounded) < 1e15 {
        let i = Int(rounded)
        return i == 0 ? "0" : String(i)
    }
    var s = String(format: "%.2f", rounded)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}
