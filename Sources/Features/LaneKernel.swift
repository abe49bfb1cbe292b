// LaneKernel: the front end over blocks of 16 frames, one frame per SIMD lane (CFrameLanes), straight into feature rows.
import CFrameLanes
import Foundation
import Tensors

/// Lane FFT plans (`sl_lane_fft`), one per length, made once under a lock and kept for the
/// life of the process. A plan is immutable, so every thread can use it at once.
final class LanePlanCache: @unchecked Sendable {
    static let shared = LanePlanCache()
    private let lock = NSLock()
    private var plans: [Int: OpaquePointer] = [:]

    /// The plan for FFT length `n`, or nil when n is not a power of two from 4 to 2²⁰.
    func plan(length n: Int) -> OpaquePointer? {
        guard n >= 4, n <= 1 << 20, n & (n - 1) == 0 else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if let p = plans[n] { return p }
        guard let p = sl_lane_fft_create(Int32(n)) else { return nil }
        plans[n] = p
        return p
    }
}

extension FeatureExtractor {
    /// The features before CMVN and deltas (T × config.baseDimension), 16 frames at a time
    /// through CFrameLanes: the same steps as `frameFeatures` (frame, DC removal, energy,
    /// pre-emphasis, window, |FFT|², log / mel / log), each vectorised across the 16 frames of a
    /// block. nil when the FFT length is not a power of two (`frameFeatures` handles those).
    func laneFeatures(_ signal: [Float], count: Int, generator: inout SeededGenerator) -> Matrix? {
        let padded = config.paddedWindowSize
        guard let plan = LanePlanCache.shared.plan(length: padded) else { return nil }
        let lanes = Int(SL_LANES)
        let size = config.windowSize, shift = config.windowShift, bins = padded / 2 + 1
        let n = signal.count
        let type = config.featureType
        let melCount = sparseMel?.count ?? 0

        let scratchCount = sl_lane_scratch_floats(plan)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 4 * scratchCount, alignment: 64)
            .bindMemory(to: Float.self, capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)   // the zero padding, written once
        let power = UnsafeMutableRawPointer.allocate(byteCount: 4 * bins * lanes, alignment: 64)
            .bindMemory(to: Float.self, capacity: bins * lanes)
        let copies = UnsafeMutablePointer<Float>.allocate(capacity: size * lanes)
        let sources = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: lanes)
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: lanes)
        let melLanes = UnsafeMutablePointer<Float>.allocate(capacity: max(melCount, 1) * lanes)
        defer {
            UnsafeMutableRawPointer(scratch).deallocate(); UnsafeMutableRawPointer(power).deallocate()
            copies.deallocate(); sources.deallocate(); sums.deallocate(); melLanes.deallocate()
        }

        let dither = Float(config.dither), p = Float(config.preemphasisCoefficient)
        let floor: Float? = config.energyFloor > 0 ? Float(log(config.energyFloor)) : nil
        func logEnergy(_ s: Double) -> Float {
            let e = log(max(Float(s), featureEpsilon))
            if let floor { return max(e, floor) }
            return e
        }
        let cols = type == .mfcc ? melCount : config.baseDimension
        var energies = [Float](repeating: 0, count: type == .mfcc ? count : 0)
        let usePower = config.usePower, useLog = config.useLogFbank, useEnergy = config.useEnergy
        let snipEdges = config.snipEdges
        let removeDC: Int32 = config.removeDCOffset ? 1 : 0, rawEnergy: Int32 = config.rawEnergy ? 1 : 0
        let mel = sparseMel

        // Every element is written below (log spectrum, mel bins, energy column), so the
        // features start uninitialised rather than zeroed (a spectrogram's are 100 kB a second).
        let data = [Float](unsafeUninitializedCapacity: count * cols) { outBuffer, initialised in
        signal.withUnsafeBufferPointer { samplesBuffer in
        window.withUnsafeBufferPointer { windowBuffer in
            let samples = samplesBuffer.baseAddress!, win = windowBuffer.baseAddress!
            for block in stride(from: 0, to: count, by: lanes) {
                let rows = min(lanes, count - block)
                for l in 0..<rows {
                    let t = block + l
                    let start = snipEdges ? t * shift : t * shift + shift / 2 - size / 2
                    if start >= 0 && start + size <= n && dither == 0 {
                        sources[l] = samples + start
                        continue
                    }
                    let frame = copies + l * size
                    if start >= 0 && start + size <= n {
                        frame.update(from: samples + start, count: size)
                    } else {
                        // Kaldi reflects the signal at both ends: s < 0 → −s − 1, s ≥ n → 2n − 1 − s.
                        for i in 0..<size {
                            var s = start + i
                            while s < 0 || s >= n { s = s < 0 ? -s - 1 : 2 * n - 1 - s }
                            frame[i] = samples[s]
                        }
                    }
                    if dither != 0 { for i in 0..<size { frame[i] += dither * Float(generator.normal()) } }
                    sources[l] = UnsafePointer(frame)
                }
                // Lanes past the last frame repeat it; their results are not stored.
                for l in rows..<lanes { sources[l] = sources[rows - 1] }
                sl_lane_frames_power(plan, sources, Int32(size), win, p, removeDC, rawEnergy, scratch, power, sums)

                let first = outBuffer.baseAddress! + block * cols
                switch type {
                case .spectrogram:
                    sl_lane_log_rows(power, Int32(bins), first, cols, Int32(rows))
                    for l in 0..<rows { first[l * cols] = logEnergy(sums[l]) }
                case .fbank:
                    if !usePower { sl_lane_sqrt(power, Int32(bins)) }
                    mel!.applyLanes(power, log: useLog, scratch: melLanes, into: useEnergy ? first + 1 : first, stride: cols, rows: rows)
                    if useEnergy { for l in 0..<rows { first[l * cols] = logEnergy(sums[l]) } }
                case .mfcc:
                    mel!.applyLanes(power, log: true, scratch: melLanes, into: first, stride: cols, rows: rows)
                    for l in 0..<rows { energies[block + l] = logEnergy(sums[l]) }
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
    /// floored and logged when `log`; `scratch` holds count × 16 floats.
    func applyLanes(_ power: UnsafePointer<Float>, log: Bool, scratch: UnsafeMutablePointer<Float>,
                    into out: UnsafeMutablePointer<Float>, stride: Int, rows: Int) {
        first32.withUnsafeBufferPointer { first in
            offsets32.withUnsafeBufferPointer { offsets in
                weights.withUnsafeBufferPointer { w in
                    sl_lane_mel_rows(power, first.baseAddress, offsets.baseAddress, w.baseAddress, Int32(count),
                                     log ? 1 : 0, scratch, out, stride, Int32(rows))
                }
            }
        }
    }
}
