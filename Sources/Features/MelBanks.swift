// MelBanks: Kaldi's triangular mel filters as a matrix over FFT bins (mel-computations.cc).
import Foundation
import Tensors

/// The mel scale of Kaldi and HTK: mel(f) = 1127 ln(1 + f/700).
public func melScale(_ hz: Double) -> Double { 1127 * log(1 + hz / 700) }

/// The inverse of `melScale`: f = 700 (e^{mel/1127} − 1).
public func inverseMelScale(_ mel: Double) -> Double { 700 * (exp(mel / 1127) - 1) }

/// Kaldi's VTLN frequency warp (mel-computations.cc `MelBanks::VtlnWarpFreq`): piecewise linear,
/// f ↦ f/α between l = vtlnLow·max(1, α) and h = vtlnHigh·min(1, α), and straight lines from
/// (lowFreq, lowFreq) to (l, l/α) and from (h, h/α) to (highFreq, highFreq), so the band's edges
/// stay where they are. Frequencies outside [lowFreq, highFreq] are returned unchanged.
/// Callers check lowFreq < vtlnLow < vtlnHigh < highFreq (`FrontendConfig.validate`).
public func vtlnWarpFrequency(_ freq: Double, warp: Double, vtlnLow: Double, vtlnHigh: Double,
                              lowFreq: Double, highFreq: Double) -> Double {
    if freq < lowFreq || freq > highFreq { return freq }
    let l = vtlnLow * max(1, warp), h = vtlnHigh * min(1, warp)
    let scale = 1 / warp
    let fl = scale * l, fh = scale * h
    let scaleLeft = (fl - lowFreq) / (l - lowFreq)
    let scaleRight = (highFreq - fh) / (highFreq - h)
    if freq < l { return lowFreq + scaleLeft * (freq - lowFreq) }
    if freq < h { return scale * freq }
    return highFreq + scaleRight * (freq - highFreq)
}

/// Warping of the mel filters' corners for vocal tract length normalisation or perturbation
/// (Kaldi `--vtln-warp`, `--vtln-low`, `--vtln-high`; Jaitly & Hinton, "Vocal tract length
/// perturbation (VTLP) improves speech recognition", ICML 2013 workshop). `high` is resolved
/// (positive, in Hz).
public struct VtlnWarp: Sendable, Equatable {
    public var factor: Double
    public var low: Double
    public var high: Double
    public init(factor: Double, low: Double, high: Double) {
        self.factor = factor; self.low = low; self.high = high
    }

    /// A mel value warped as Kaldi's `VtlnWarpMelFreq`: mel(warp(mel⁻¹(m))).
    func warpMel(_ mel: Double, lowFreq: Double, highFreq: Double) -> Double {
        melScale(vtlnWarpFrequency(inverseMelScale(mel), warp: factor, vtlnLow: low, vtlnHigh: high,
                                   lowFreq: lowFreq, highFreq: highFreq))
    }
}

/// Triangular filters equally spaced on the mel scale between `lowFreq` and `highFreq`
/// (Kaldi `MelBanks`, without VTLN): filter m has edges mel_low + m·Δ and mel_low + (m+2)·Δ,
/// its peak at mel_low + (m+1)·Δ, Δ = (mel_high − mel_low)/(M+1), and weights linear in mel.
/// FFT bin k (frequency k·rate/nfft, k < nfft/2) has weight (mel − left)/(centre − left)
/// rising, (right − mel)/(right − centre) falling, 0 outside the open interval; the Nyquist
/// bin is never used, as in Kaldi. With a `VtlnWarp` whose factor is not 1, each filter's
/// three corners are moved by `VtlnWarp.warpMel` before the weights are computed, as Kaldi does.
public struct MelBanks: Sendable {
    /// weights (numBins × (nfft/2 + 1)): row m is filter m over the power-spectrum bins.
    public let weights: Matrix

    /// Filters for an FFT of length `fftLength` at `sampleRate` Hz; `highFreq` already resolved
    /// (positive, at most Nyquist), optionally warped by `vtln`. Throws when a filter covers no
    /// FFT bin (too many bins).
    public init(numBins: Int, fftLength: Int, sampleRate: Double, lowFreq: Double, highFreq: Double,
                vtln: VtlnWarp? = nil) throws {
        let fftBins = fftLength / 2
        let binWidth = sampleRate / Double(fftLength)
        let melLow = melScale(lowFreq), melHigh = melScale(highFreq)
        let delta = (melHigh - melLow) / Double(numBins + 1)
        var w = Matrix(rows: numBins, cols: fftBins + 1)
        for m in 0..<numBins {
            var left = melLow + Double(m) * delta, centre = melLow + Double(m + 1) * delta
            var right = melLow + Double(m + 2) * delta
            if let vtln, vtln.factor != 1 {
                left = vtln.warpMel(left, lowFreq: lowFreq, highFreq: highFreq)
                centre = vtln.warpMel(centre, lowFreq: lowFreq, highFreq: highFreq)
                right = vtln.warpMel(right, lowFreq: lowFreq, highFreq: highFreq)
            }
            var any = false
            for k in 0..<fftBins {
                let mel = melScale(binWidth * Double(k))
                guard mel > left && mel < right else { continue }
                let weight = mel <= centre ? (mel - left) / (centre - left) : (right - mel) / (right - centre)
                w[m, k] = Float(weight)
                any = true
            }
            if !any {
                throw InputError(file: "<config>", "mel bin \(m) covers no FFT bin: --num-mel-bins=\(numBins) is too large for an FFT of \(fftLength) points between \(lowFreq) and \(highFreq) Hz")
            }
        }
        weights = w
    }

    /// mel energies (T × numBins) = spectra (T × (nfft/2+1)) · weightsᵀ, one BLAS product.
    public func apply(_ spectra: Matrix) -> Matrix {
        spectra.multiplied(by: weights, transposeOther: true)
    }
}
