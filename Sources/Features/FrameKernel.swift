// FrameKernel: the front end frame by frame over raw pointers, straight into feature rows.
import CFFTW
import Foundation
import Tensors

/// The mel filters of `MelBanks` stored band by band: filter m is nonzero only on FFT bins
/// first[m] ..< first[m] + (offsets[m+1] − offsets[m]), so applying it costs the band's width
/// instead of nfft/2 + 1 (about 2·nfft/2 multiply-adds in all instead of numBins·(nfft/2 + 1)).
struct SparseMelBanks: Sendable {
    /// First bin of each filter (numBins).
    let first: [Int]
    /// Start of each filter's weights in `weights` (numBins + 1).
    let offsets: [Int]
    /// The nonzero span of every filter, concatenated.
    let weights: [Float]
    /// `first` and `offsets` as the C kernels take them.
    let first32: [Int32], offsets32: [Int32]

    init(_ banks: MelBanks) {
        let w = banks.weights
        var first: [Int] = [], offsets: [Int] = [0], flat: [Float] = []
        for m in 0..<w.rows {
            let row = (0..<w.cols).map { w[m, $0] }
            let lo = row.firstIndex { $0 != 0 } ?? 0
            let hi = row.lastIndex { $0 != 0 } ?? -1
            first.append(lo)
            if hi >= lo { flat.append(contentsOf: row[lo...hi]) }
            offsets.append(flat.count)
        }
        self.first = first
        self.offsets = offsets
        self.weights = flat
        first32 = first.map { Int32($0) }
        offsets32 = offsets.map { Int32($0) }
    }

    var count: Int { first.count }

    /// out[m] = Σ_k weights_m[k] · spectrum[k] for one frame.
    func apply(_ spectrum: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            first.withUnsafeBufferPointer { first in
                offsets.withUnsafeBufferPointer { offsets in
                    let w = w.baseAddress!
                    for m in 0..<first.count {
                        let start = offsets[m], width = offsets[m + 1] - start
                        out[m] = dot(w + start, spectrum + first[m], width)
                    }
                }
            }
        }
    }
}

@inline(__always)
func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self) }

/// Σ a[i]·b[i] over SIMD4 lanes, two vector partial sums (float32, as a BLAS sdot would).
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var v0 = SIMD4<Float>(), v1 = SIMD4<Float>()
    var i = 0
    while i + 8 <= n {
        v0 += load4(a + i) * load4(b + i)
        v1 += load4(a + i + 4) * load4(b + i + 4)
        i += 8
    }
    var s = (v0 + v1).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// Σ x[i] (or Σ x[i]² when `squares`) over SIMD4 lanes: float32 partial sums of n/8 terms each,
/// added in Double. Relative error about n/8 · 2⁻²⁴ (3e-6 for a 400-sample frame): far below
/// what a log energy or a mean subtracted from 16-bit samples can show.
@inline(__always)
func sums(_ x: UnsafePointer<Float>, _ n: Int, squares: Bool) -> Double {
    var v0 = SIMD4<Float>(), v1 = SIMD4<Float>()
    var i = 0
    if squares {
        while i + 8 <= n {
            let a = load4(x + i), b = load4(x + i + 4)
            v0 += a * a
            v1 += b * b
            i += 8
        }
    } else {
        while i + 8 <= n {
            v0 += load4(x + i)
            v1 += load4(x + i + 4)
            i += 8
        }
    }
    var s = 0.0
    for lane in 0..<4 { s += Double(v0[lane]) + Double(v1[lane]) }
    while i < n { s += squares ? Double(x[i]) * Double(x[i]) : Double(x[i]); i += 1 }
    return s
}

/// Σ (x[i] − mean)² with the differences rounded to float first (as the plain path subtracts
/// the mean in place), summed like `sums`.
@inline(__always)
func centredSquares(_ x: UnsafePointer<Float>, _ n: Int, mean: Float) -> Double {
    let m = SIMD4<Float>(repeating: mean)
    var v0 = SIMD4<Float>(), v1 = SIMD4<Float>()
    var i = 0
    while i + 8 <= n {
        let a = load4(x + i) - m, b = load4(x + i + 4) - m
        v0 += a * a
        v1 += b * b
        i += 8
    }
    var s = 0.0
    for lane in 0..<4 { s += Double(v0[lane]) + Double(v1[lane]) }
    while i < n { let d = Double(x[i] - mean); s += d * d; i += 1 }
    return s
}

extension FeatureExtractor {
    /// The features before CMVN and deltas (T × config.baseDimension), computed frame by frame
    /// with one set of buffers: the same arithmetic as `KaldiFrames` + `powerSpectra` +
    /// `MelBanks.apply` (the plain path, kept as the oracle in the tests), without the
    /// T × nfft frame and power matrices.
    func frameFeatures(_ signal: [Float], count: Int, generator: inout SeededGenerator) -> Matrix {
        let size = config.windowSize, shift = config.windowShift, padded = config.paddedWindowSize
        let n = signal.count, bins = padded / 2 + 1
        let plan = RealFFT(length: padded).alignedPlan   // once: the cache takes a lock
        let type = config.featureType
        let melCount = sparseMel?.count ?? 0
        // Aligned buffers, so FFTW can use its SIMD codelets; the zero padding is written once
        // (an out-of-place r2c transform leaves its input alone).
        let input = fftwf_alloc_real(padded)!
        let spectrum = fftwf_alloc_complex(bins)!
        let frame = UnsafeMutablePointer<Float>.allocate(capacity: size)
        let power = UnsafeMutablePointer<Float>.allocate(capacity: bins)
        let mel = UnsafeMutablePointer<Float>.allocate(capacity: max(melCount, 1))
        defer { fftwf_free(input); fftwf_free(spectrum); frame.deallocate(); power.deallocate(); mel.deallocate() }
        input.initialize(repeating: 0, count: padded)

        let dither = Float(config.dither), p = Float(config.preemphasisCoefficient)
        let logEnergy = LogEnergy(floor: config.energyFloor)
        let cols = type == .mfcc ? melCount : config.baseDimension
        var out = Matrix(rows: count, cols: cols)
        var energies = [Float](repeating: 0, count: type == .mfcc ? count : 0)
        let usePower = config.usePower, useLog = config.useLogFbank, useEnergy = config.useEnergy
        let removeDC = config.removeDCOffset, rawEnergy = config.rawEnergy, snipEdges = config.snipEdges

        signal.withUnsafeBufferPointer { samplesBuffer in
        window.withUnsafeBufferPointer { windowBuffer in
        out.data.withUnsafeMutableBufferPointer { outBuffer in
            let samples = samplesBuffer.baseAddress!, win = windowBuffer.baseAddress!
            for t in 0..<count {
                let start = snipEdges ? t * shift : t * shift + shift / 2 - size / 2
                let src = kaldiFrameSamples(start: start, size: size, samples: samples, count: n, dither: dither,
                                            generator: &generator, scratch: frame)
                // DC removal is folded into the passes below: y_i = x_i − m, computed as the
                // plain path computes it (m = 0 without DC removal leaves x_i unchanged).
                let m = removeDC ? Float(sums(src, size, squares: false) / Double(size)) : 0
                var energy: Float = 0
                if rawEnergy { energy = logEnergy.of(centredSquares(src, size, mean: m)) }
                // Pre-emphasis y_i − p·y_{i−1} (y_0 − p·y_0 first) and the window, in one pass.
                let y0 = src[0] - m
                input[0] = (y0 - p * y0) * win[0]
                if p != 0 {
                    for i in 1..<size { input[i] = ((src[i] - m) - p * (src[i - 1] - m)) * win[i] }
                } else {
                    for i in 1..<size { input[i] = (src[i] - m) * win[i] }
                }
                if !rawEnergy { energy = logEnergy.of(sums(input, size, squares: true)) }

                fftwf_execute_dft_r2c(plan, input, spectrum)
                spectrum.withMemoryRebound(to: Float.self, capacity: 2 * bins) { c in
                    for k in 0..<bins { power[k] = c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1] }
                }

                let row = outBuffer.baseAddress! + t * cols
                switch type {
                case .spectrogram:
                    row.update(from: power, count: bins)
                    flooredLog(row, bins)
                    row[0] = energy
                case .fbank:
                    if !usePower { for k in 0..<bins { power[k] = power[k].squareRoot() } }
                    let target = useEnergy ? row + 1 : row
                    sparseMel!.apply(power, into: target)
                    if useLog { flooredLog(target, melCount) }
                    if useEnergy { row[0] = energy }
                case .mfcc:
                    sparseMel!.apply(power, into: row)
                    flooredLog(row, melCount)
                    energies[t] = energy
                }
            }
        }
        }
        }
        if type == .mfcc {
            out = mfcc!.apply(out)
            if useEnergy { for t in 0..<out.rows { out[t, 0] = energies[t] } }
        }
        return out
    }
}

/// The `size` samples of the frame that starts at sample `start` of `samples[0..<count]`: a pointer
/// into `samples` when the frame lies inside and `dither` is 0; otherwise `scratch`, filled with the
/// frame — the signal reflected at both ends as Kaldi does (s < 0 → −s − 1, s ≥ n → 2n − 1 − s) —
/// plus `dither` × N(0, 1) noise from `generator`.
@inline(__always)
func kaldiFrameSamples(start: Int, size: Int, samples: UnsafePointer<Float>, count n: Int, dither: Float,
                       generator: inout SeededGenerator, scratch frame: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
    let inside = start >= 0 && start + size <= n
    if inside && dither == 0 { return samples + start }
    if inside {
        frame.update(from: samples + start, count: size)
    } else {
        for i in 0..<size {
            var s = start + i
            while s < 0 || s >= n { s = s < 0 ? -s - 1 : 2 * n - 1 - s }
            frame[i] = samples[s]
        }
    }
    if dither != 0 { for i in 0..<size { frame[i] += dither * Float(generator.normal()) } }
    return UnsafePointer(frame)
}
