// LaneKernel: the front end over blocks of 16 frames (CFrameLanes around FFTW), straight into feature rows.
import CFFTW
import CFrameLanes
import Foundation
import Tensors

extension FeatureExtractor {
    /// The features before CMVN and deltas (T × config.baseDimension), 16 frames at a time: the
    /// same steps as `frameFeatures` (frame, DC removal, energy, pre-emphasis, window, |FFT|²,
    /// log / mel / log). CFrameLanes processes the 16 frames; FFTW transforms each frame of n
    /// reals as n/2 complex values (a complex FFT of half the length is several times faster
    /// than FFTW's real-input plans here); CFrameLanes splits those into the real spectra's
    /// power, lane-major (one frame per SIMD lane), for the mel filters and logs, and writes the
    /// rows. nil when the FFT length is not a power of two (`frameFeatures` handles those).
    func laneFeatures(_ signal: [Float], count: Int, generator: inout SeededGenerator) -> Matrix? {
        let padded = config.paddedWindowSize
        guard padded >= 4, padded & (padded - 1) == 0 else { return nil }
        let half = padded / 2
        let plan = FFTPlanCache.shared.complexPlan(length: half)   // once: the cache takes a lock
        let lanes = Int(SL_LANES)
        let size = config.windowSize, shift = config.windowShift, bins = half + 1
        // cos, sin of −2πk/n, k < n/2: the twiddles of the split into the real spectrum.
        let split = (0..<half).flatMap { k -> [Float] in
            let a = -2 * Double.pi * Double(k) / Double(padded)
            return [Float(cos(a)), Float(sin(a))]
        }
        let n = signal.count
        let type = config.featureType
        let melCount = sparseMel?.count ?? 0

        // Each frame and each spectrum starts on a 64-byte boundary, so every FFTW call sees the
        // alignment its SIMD plan was made for.
        let frameStride = (padded + 15) & ~15, spectrumStride = (half + 7) & ~7
        let frames = fftwf_alloc_real(lanes * frameStride)!
        let spectra = fftwf_alloc_complex(lanes * spectrumStride)!
        let power = UnsafeMutableRawPointer.allocate(byteCount: 4 * bins * lanes, alignment: 64)
            .bindMemory(to: Float.self, capacity: bins * lanes)
        let copies = UnsafeMutablePointer<Float>.allocate(capacity: size * lanes)
        let sources = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: lanes)
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: lanes)
        let halves = UnsafeMutablePointer<Float>.allocate(capacity: 2 * half * lanes)
        defer {
            fftwf_free(frames); fftwf_free(spectra); UnsafeMutableRawPointer(power).deallocate()
            copies.deallocate(); sources.deallocate(); sums.deallocate(); halves.deallocate()
        }
        // Lanes past an utterance's last frame read spectra never transformed: zeros, not garbage.
        UnsafeMutableRawPointer(spectra).initializeMemory(as: Float.self, repeating: 0, count: 2 * lanes * spectrumStride)
        let spectrumFloats = UnsafeRawPointer(spectra).assumingMemoryBound(to: Float.self)
        let magnitude: Int32 = type == .fbank && !config.usePower ? 1 : 0

        let dither = Float(config.dither), p = Float(config.preemphasisCoefficient)
        let logEnergy = LogEnergy(floor: config.energyFloor)
        let cols = type == .mfcc ? melCount : config.baseDimension
        var energies = [Float](repeating: 0, count: type == .mfcc ? count : 0)
        let useLog = config.useLogFbank, useEnergy = config.useEnergy
        let snipEdges = config.snipEdges
        let removeDC: Int32 = config.removeDCOffset ? 1 : 0, rawEnergy: Int32 = config.rawEnergy ? 1 : 0
        let mel = sparseMel

        // Every element is written below (log spectrum, mel bins, energy column), so the
        // features start uninitialised rather than zeroed (a spectrogram's are 100 kB a second).
        let data = [Float](unsafeUninitializedCapacity: count * cols) { outBuffer, initialised in
        signal.withUnsafeBufferPointer { samplesBuffer in
        window.withUnsafeBufferPointer { windowBuffer in
        split.withUnsafeBufferPointer { splitBuffer in
            let samples = samplesBuffer.baseAddress!, win = windowBuffer.baseAddress!, splitTable = splitBuffer.baseAddress!
            for block in stride(from: 0, to: count, by: lanes) {
                let rows = min(lanes, count - block)
                for l in 0..<rows {
                    let t = block + l
                    let start = snipEdges ? t * shift : t * shift + shift / 2 - size / 2
                    sources[l] = kaldiFrameSamples(start: start, size: size, samples: samples, count: n, dither: dither,
                                                   generator: &generator, scratch: copies + l * size)
                }
                // Lanes past the last frame repeat it; their results are not stored.
                for l in rows..<lanes { sources[l] = sources[rows - 1] }
                sl_lane_frames(sources, Int32(size), Int32(padded), win, p, removeDC, rawEnergy, frames, frameStride, sums)
                for l in 0..<rows {
                    let frame = UnsafeMutableRawPointer(frames + l * frameStride).assumingMemoryBound(to: fftwf_complex.self)
                    fftwf_execute_dft(plan, frame, spectra + l * spectrumStride)
                }
                let first = outBuffer.baseAddress! + block * cols
                // The mel filters read the 16 power spectra lane-major; a spectrogram needs none.
                if type != .spectrogram {
                    sl_lane_split_power(spectrumFloats, 2 * spectrumStride, Int32(half), splitTable, magnitude, halves, power)
                }
                switch type {
                case .spectrogram:
                    // Each frame's log power straight into its row.
                    for l in 0..<rows {
                        sl_row_log_power(spectrumFloats + l * 2 * spectrumStride, Int32(half), splitTable, first + l * cols)
                        first[l * cols] = logEnergy.of(sums[l])
                    }
                case .fbank:
                    mel!.applyLanes(power, log: useLog, into: useEnergy ? first + 1 : first, stride: cols, rows: rows)
                    if useEnergy { for l in 0..<rows { first[l * cols] = logEnergy.of(sums[l]) } }
                case .mfcc:
                    mel!.applyLanes(power, log: true, into: first, stride: cols, rows: rows)
                    for l in 0..<rows { energies[block + l] = logEnergy.of(sums[l]) }
                }
            }
        }
        }
        }
            initialised = count * cols
        }
        var out = Matrix(rows: count, cols: cols, data: data)
        if type == .mfcc {
            out = mfcc!.apply(out)
            if useEnergy { for t in 0..<out.rows { out[t, 0] = energies[t] } }
        }
        return out
    }
}

extension SparseMelBanks {
    /// The filters on 16 lane-major spectra (power[k·16 + l]): out[l·stride + m] for l < rows,
    /// floored and logged when `log`.
    func applyLanes(_ power: UnsafePointer<Float>, log: Bool,
                    into out: UnsafeMutablePointer<Float>, stride: Int, rows: Int) {
        first32.withUnsafeBufferPointer { first in
            offsets32.withUnsafeBufferPointer { offsets in
                weights.withUnsafeBufferPointer { w in
                    sl_lane_mel_rows(power, first.baseAddress, offsets.baseAddress, w.baseAddress, Int32(count),
                                     log ? 1 : 0, out, stride, Int32(rows))
                }
            }
        }
    }
}
