// FastLog: log(max(x, ε)) over a vector, by exponent extraction and a polynomial the compiler vectorises.
import Foundation

/// ln x for a positive normal float: x = m·2^e with m in [√½, √2), ln x = e·ln 2 + ln m, and
/// ln(1 + f), f = m − 1, by the minimax polynomial of Cephes `logf` (S. L. Moshier, Cephes Math
/// Library, logf.c): ln(1+f) = f − f²/2 + f³·P(f), with ln 2 split in two parts so e·ln 2 adds
/// exactly. Error about 1 ulp of the result (tested against Foundation's `log` in FastLogTests).
///
/// Only for positive, normal, finite x: the front end floors at ε before the log and
/// `flooredLog` sends infinities and NaN to Foundation's `log`.
@inline(__always)
func cephesLog(_ x: Float) -> Float {
    let bits = x.bitPattern
    var e = Float(Int32(bitPattern: bits >> 23) - 126)
    var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)      // [0.5, 1)
    let small = m < 0.707_106_781_186_547_524
    e = small ? e - 1 : e
    m = small ? m + m - 1 : m - 1
    let z = m * m
    var p: Float = 7.037_683_629_2e-2
    p = p * m - 1.151_461_031_0e-1
    p = p * m + 1.167_699_874_0e-1
    p = p * m - 1.242_014_084_6e-1
    p = p * m + 1.424_932_278_7e-1
    p = p * m - 1.666_805_766_5e-1
    p = p * m + 2.000_071_476_5e-1
    p = p * m - 2.499_999_399_3e-1
    p = p * m + 3.333_333_117_4e-1
    var y = m * z * p
    y += -2.121_944_400_546_905_827_679e-4 * e
    y += -0.5 * z
    return m + y + 0.693_359_375 * e
}

/// x[i] ← ln(max(x[i], ε)) for i < n, as Kaldi's `ApplyFloor(epsilon)` then `ApplyLog()`:
/// `cephesLog` in one branch-free loop, or Foundation's `log` throughout when some x[i] is
/// infinite or NaN (found first by a branch-free pass over the exponent bits).
func flooredLog(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    var largest: UInt32 = 0
    for i in 0..<n { largest = max(largest, x[i].bitPattern & 0x7F80_0000) }
    if largest == 0x7F80_0000 {
        for i in 0..<n { x[i] = log(max(x[i], featureEpsilon)) }
        return
    }
    for i in 0..<n { x[i] = cephesLog(max(x[i], featureEpsilon)) }
}
