// RealFFT: power spectra of real frames through FFTW (single precision), one cached plan per size.
import CFFTW
import Foundation

/// FFTW plans for real-to-complex transforms, one per length, made once under a lock.
///
/// FFTW's planner is not thread-safe, but executing an existing plan on new arrays
/// (`fftwf_execute_dft_r2c`) is. Unaligned plans (`FFTW_UNALIGNED`) take any buffer; aligned ones
/// (SIMD codelets, faster) need buffers from `fftwf_alloc_real`/`fftwf_alloc_complex`.
final class FFTPlanCache: @unchecked Sendable {
    static let shared = FFTPlanCache()
    private let lock = NSLock()
    private var plans: [Int: OpaquePointer] = [:]
    private var alignedPlans: [Int: OpaquePointer] = [:]
    private var complexPlans: [Int: OpaquePointer] = [:]
    private var wisdomImported = false

    /// The shipped wisdom, imported once before the first plan (so that every plan is made with
    /// it, whichever comes first). Called under the lock.
    private func importWisdom() {
        guard !wisdomImported else { return }
        wisdomImported = true
        _ = fftwf_import_wisdom_from_string(fftwWisdom)
    }

    /// The r2c plan for length `n` (n ≥ 2), made on first use; `aligned` plans need FFTW-allocated buffers.
    func plan(length n: Int, aligned: Bool = false) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        if let p = aligned ? alignedPlans[n] : plans[n] { return p }
        importWisdom()
        let input = fftwf_alloc_real(n)!
        let output = fftwf_alloc_complex(n / 2 + 1)!
        defer { fftwf_free(input); fftwf_free(output) }
        let flags = UInt32(FFTW_ESTIMATE) | (aligned ? 0 : UInt32(FFTW_UNALIGNED))
        let p = fftwf_plan_dft_r2c_1d(Int32(n), input, output, flags)!
        if aligned { alignedPlans[n] = p } else { plans[n] = p }
        return p
    }

    /// The forward complex plan of length `n` (n ≥ 1) for buffers from `fftwf_alloc_complex`
    /// (SIMD alignment), made on first use with FFTW_ESTIMATE (deterministic, no timing runs),
    /// after importing the shipped wisdom (`fftwWisdom`): for 256 points, the plan FFTW_MEASURE
    /// chose on the development machine (15–18% faster there than FFTW_ESTIMATE's, and the same
    /// plan on every run); FFTW ignores wisdom that does not fit its build or the CPU.
    func complexPlan(length n: Int) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        if let p = complexPlans[n] { return p }
        importWisdom()
        let input = fftwf_alloc_complex(n)!
        let output = fftwf_alloc_complex(n)!
        defer { fftwf_free(input); fftwf_free(output) }
        let p = fftwf_plan_dft_1d(Int32(n), input, output, FFTW_FORWARD, UInt32(FFTW_ESTIMATE))!
        complexPlans[n] = p
        return p
    }
}

/// The power spectrum |X_k|², k = 0…n/2, of real frames of length n (X_k = Σ_j x_j e^{-2πijk/n}),
/// as Kaldi's `ComputePowerSpectrum` after its real FFT.
struct RealFFT {
    let length: Int
    private let plan: OpaquePointer

    init(length: Int) {
        precondition(length >= 2, "FFT length must be at least 2")
        self.length = length
        self.plan = FFTPlanCache.shared.plan(length: length)
    }

    /// The plan for buffers from `fftwf_alloc_real` / `fftwf_alloc_complex` (made on first use).
    var alignedPlan: OpaquePointer { FFTPlanCache.shared.plan(length: length, aligned: true) }

    /// Bins per spectrum: n/2 + 1.
    var bins: Int { length / 2 + 1 }

    /// Power spectra of `count` frames stored row-major in `frames` (count × length) into
    /// `power` (count × bins). Thread-safe: plans are only executed here.
    func powerSpectra(_ frames: UnsafePointer<Float>, count: Int, into power: UnsafeMutablePointer<Float>) {
        let bins = self.bins
        var spectrum = [Float](repeating: 0, count: 2 * bins)
        var scratch = [Float](repeating: 0, count: length)
        spectrum.withUnsafeMutableBufferPointer { spec in
            scratch.withUnsafeMutableBufferPointer { inBuf in
                spec.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: bins) { out in
                    for t in 0..<count {
                        // FFTW's r2c keeps its input, but copying keeps the caller's frames const.
                        inBuf.baseAddress!.update(from: frames + t * length, count: length)
                        fftwf_execute_dft_r2c(plan, inBuf.baseAddress!, out)
                        let row = power + t * bins
                        for k in 0..<bins {
                            let re = out[k].0, im = out[k].1
                            row[k] = re * re + im * im
                        }
                    }
                }
            }
        }
    }
}
