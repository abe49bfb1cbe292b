// ColourMap: viridis for continuous values, a ten-colour palette for categories (labels, series).

/// A perceptually uniform colour map: piecewise-linear interpolation between stops in sRGB.
///
/// `viridis` is matplotlib's default map (van der Walt & Smith, 2015), sampled at nine evenly
/// spaced points (`viridis(np.linspace(0, 1, 9))`, as hex); between stops the channels are
/// interpolated linearly, which stays within one or two levels of the 256-entry original.
/// Its lightness rises monotonically, so it reads in greyscale too.
public struct ColourMap: Sendable {
    /// Stops as (r, g, b) in 0…255, evenly spaced over [0, 1].
    public let stops: [(r: Double, g: Double, b: Double)]

    public init(hexStops: [String]) {
        stops = hexStops.map { hex in
            let v = Int(hex.dropFirst(), radix: 16) ?? 0
            return (Double((v >> 16) & 0xff), Double((v >> 8) & 0xff), Double(v & 0xff))
        }
    }

    public static let viridis = ColourMap(hexStops: ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c",
                                                     "#28ae80", "#5ec962", "#addc30", "#fde725"])

    /// The colour at `t` in [0, 1] (clamped) as `#rrggbb`.
    public func colour(_ t: Double) -> String {
        let t = t.isNaN ? 0 : min(1, max(0, t))
        let position = t * Double(stops.count - 1)
        let i = min(Int(position), stops.count - 2)
        let f = position - Double(i)
        let a = stops[i], b = stops[i + 1]
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return hexColour(channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b))
    }

    /// `levels` colours from t = 0 to t = 1, for quantised drawing (equal neighbours merge).
    public func table(levels: Int) -> [String] {
        let n = max(levels, 2)
        return (0..<n).map { colour(Double($0) / Double(n - 1)) }
    }
}

/// `#rrggbb` from channels in 0…255.
func hexColour(_ r: Int, _ g: Int, _ b: Int) -> String {
    let digits = Array("0123456789abcdef")
    var s = "#"
    for v in [r, g, b] {
        let c = min(255, max(0, v))
        s.append(digits[c >> 4]); s.append(digits[c & 15])
    }
    return s
}

/// Ten distinguishable colours for categories (the "tab10" palette of Tableau and matplotlib).
public let categoryPalette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                              "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]
