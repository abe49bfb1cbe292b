// MelBanks: Kaldi's triangular mel filters as a matrix over FFT bins (mel-computations.cc).
import Foundation
import Tensors

/// The mel scale of Kaldi and HTK: mel(f) = 1127 ln(1 + f/700).
public func melScale(_ hz: Double) -> Double { 1127 * log(1 + hz / 700) }

/// Triangular filters equally spaced on the mel scale between `lowFreq` and `highFreq`
/// (Kaldi `MelBanks`, without VTLN): filter m has edges mel_low + m·Δ and mel_low + (m+2)·Δ,
/// its peak at mel_low + (m+1)·Δ, Δ = (mel_high − mel_low)/(M+1), and weights linear in mel.
/// FFT bin k (frequency k·rate/nfft, k < nfft/2) has weight (mel − left)/(centre − left)
/// rising, (right − mel)/(right − centre) falling, 0 outside the open interval; the Nyquist
/// bin is never used, as in Kaldi.
public struct MelBanks: Sendable {
    /// weights (numBins × (nfft/2 + 1)): row m is filter m over the power-spectrum bins.
    public let weights: Matrix

    /// Filters for an FFT of length `fftLength` at `sampleRate` Hz; `highFreq` already resolved
    /// (positive, at most Nyquist). Throws when a filter covers no FFT bin (too many bins).
    public init(numBins: Int, fftLength: Int, sampleRate: Double, lowFreq: Double, highFreq: Double) throws {
        let fftBins = fftLength / 2
        let binWidth = sampleRate / Double(fftLength)
        let melLow = melScale(lowFreq), melHigh = melScale(highFreq)
        let delta = (melHigh - melLow) / Double(numBins + 1)
        var w = Matrix(rows: numBins, cols: fftBins + 1)
        for m in 0..<numBins {
            let left = melLow + Double(m) * delta, centre = melLow + Double(m + 1) * delta
            let right = melLow + Double(m + 2) * delta
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
