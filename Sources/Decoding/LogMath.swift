// Log-space arithmetic shared by the decoders: log(e^a + e^b) without overflow or underflow.
import Foundation

/// log(e^a + e^b), computed as max + log1p(e^(min − max)); −∞ is the identity.
@inline(__always)
func logAddExp(_ a: Float, _ b: Float) -> Float {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return a > b ? a + log1pf(expf(b - a)) : b + log1pf(expf(a - b))
}

/// log(e^a + e^b) in Double (used by the exhaustive oracles in tests and the n-gram builder).
@inline(__always)
func logAddExp(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
}

/// Natural log of 10: ARPA files store log10 probabilities, the decoders add natural logs.
let ln10: Float = 2.302585092994046
