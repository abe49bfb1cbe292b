// Spectrogram: power spectra of processed frames and Kaldi's log spectrogram (feature-spectrogram.cc).
import Foundation
import Tensors

/// Power spectra (T × (nfft/2 + 1)) of processed frames (T × nfft), |FFT|² per bin (FFTW).
func powerSpectra(of frames: Matrix) -> Matrix {
    let fft = RealFFT(length: frames.cols)
    var power = Matrix(rows: frames.rows, cols: fft.bins)
    guard frames.rows > 0 else { return power }
    frames.data.withUnsafeBufferPointer { f in
        power.data.withUnsafeMutableBufferPointer { p in
            fft.powerSpectra(f.baseAddress!, count: frames.rows, into: p.baseAddress!)
        }
    }
    return power
}

/// Kaldi's spectrogram from power spectra: log(max(|X_k|², ε)) for every bin, with bin 0
/// replaced by the frame's log energy (raw or windowed, already floored), as
/// `SpectrogramComputer::Compute` does. `power` becomes the T × (nfft/2 + 1) features.
func logSpectrogram(power: inout Matrix, logEnergy: [Float]) {
    let cols = power.cols
    for t in 0..<power.rows {
        for k in 0..<cols {
            power.data[t * cols + k] = log(max(power.data[t * cols + k], featureEpsilon))
        }
        power.data[t * cols] = logEnergy[t]
    }
}

/// log(max(x, ε)) of every element, as Kaldi's `ApplyFloor(epsilon)` then `ApplyLog()`.
func applyFlooredLog(_ m: inout Matrix) {
    for i in 0..<m.data.count { m.data[i] = log(max(m.data[i], featureEpsilon)) }
}
