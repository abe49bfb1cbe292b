// FixedPoint: numbers with a fixed count of decimals, as printf's "%.Nf" writes them, without
// Foundation's String(format:), which took most of the time of writing CTM lines.

import Foundation

/// `x` with `places` digits after the point (0...9), the characters printf's `%.<places>f` writes:
/// the exact binary value rounded to the nearest, ties to even, "-" before any negative value
/// (−0.0 and values that round to zero included). Magnitudes of 2⁵² / 10^places or more, NaN and
/// the infinities go through `String(format:)`. The exact product x·10^places is the rounded one
/// plus a remainder that a fused multiply-add gives exactly, so the rounding decision is exact.
public func fixedPoint(_ x: Double, places: Int) -> String {
    precondition((0...9).contains(places), "fixedPoint: 0 to 9 places")
    let scale = fixedPointScales[places]
    let magnitude = x.magnitude
    guard x.isFinite, magnitude * scale < 4.5e15 else { return String(format: "%.\(places)f", x) }
    let high = magnitude * scale
    let low = (-high).addingProduct(magnitude, scale)   // magnitude·scale − high, exactly
    var whole = high.rounded(.down)
    let fraction = high - whole   // exact; the true fraction is fraction + low
    if fraction > 0 {
        // Compare fraction + low with one half without rounding: fraction − 0.5 is exact.
        let aboveHalf = fraction - 0.5, below = -low
        if aboveHalf > below || (aboveHalf == below && whole.truncatingRemainder(dividingBy: 2) == 1) { whole += 1 }
    }
    // With no fraction, the true value is whole + low, |low| far under a half: it rounds to whole.
    let units = UInt64(whole), divisor = UInt64(scale)
    var text = x.sign == .minus ? "-" : ""
    text += String(units / divisor)
    if places > 0 {
        let decimals = String(units % divisor)
        text += "." + String(repeating: "0", count: places - decimals.count) + decimals
    }
    return text
}

private let fixedPointScales: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]
