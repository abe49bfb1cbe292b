// FrontendConfig: the audio front end's options, with Kaldi's names and defaults.
import Tensors

/// Which features the audio front end computes (Kaldi's compute-spectrogram/fbank/mfcc-feats).
public enum AudioFeatureType: String, Sendable, CaseIterable {
    case spectrogram, fbank, mfcc
}

/// The analysis window applied to each frame (Kaldi feature-window.cc, `FeatureWindowFunction`).
public enum WindowType: String, Sendable, CaseIterable {
    case povey, hamming, hanning, rectangular, blackman
}

/// Per-utterance cepstral mean (and variance) normalisation applied after the features.
public enum CMVNMode: String, Sendable, CaseIterable {
    case none, mean, meanvar
}

/// The audio front end: every option of Kaldi's `compute-{spectrogram,fbank,mfcc}-feats` that
/// seqlab implements, under Kaldi's names, plus seqlab's own post-processing and input options.
///
/// Defaults are Kaldi's (feature-window.h, mel-computations.h, feature-fbank.h, feature-mfcc.h,
/// feature-spectrogram.h) except `dither`, which is 0 so features are deterministic. As in Kaldi,
/// `use-energy` defaults to false for fbank and true for mfcc. The whole configuration round-trips
/// through Kaldi-style config text (`--name=value` per line, see FrontendConfigText.swift), which
/// is how a model stores its front end.
public struct FrontendConfig: Sendable, Equatable {
    /// `--feature-type`: spectrogram, fbank or mfcc.
    public var featureType: AudioFeatureType
    /// `--sample-frequency`: the rate (Hz) features are computed at; other rates are resampled.
    public var sampleFrequency: Double = 16000
    /// `--frame-length`: frame length in milliseconds.
    public var frameLength: Double = 25
    /// `--frame-shift`: frame shift in milliseconds.
    public var frameShift: Double = 10
    /// `--preemphasis-coefficient`: x[i] -= c·x[i-1] inside each frame.
    public var preemphasisCoefficient: Double = 0.97
    /// `--remove-dc-offset`: subtract each frame's mean before anything else.
    public var removeDCOffset = true
    /// `--window-type`.
    public var windowType: WindowType = .povey
    /// `--blackman-coeff`: the constant of the generalised Blackman window.
    public var blackmanCoeff: Double = 0.42
    /// `--round-to-power-of-two`: zero-pad each frame to the next power of two for the FFT.
    public var roundToPowerOfTwo = true
    /// `--snip-edges`: only frames that fit wholly in the signal (true), or frames centred on
    /// multiples of the shift with the signal reflected at its ends (false).
    public var snipEdges = true
    /// `--dither`: standard deviation of Gaussian noise added to every sample (0 = none); seeded.
    public var dither: Double = 0
    /// `--energy-floor`: floor on the frame energy (absolute, not log; 0 = none).
    public var energyFloor: Double = 0
    /// `--raw-energy`: energy of the frame before pre-emphasis and window (true) or after.
    public var rawEnergy = true
    /// `--use-energy`: fbank: log energy as an extra first column; mfcc: log energy replaces C0.
    /// Default false for fbank, true for mfcc (as Kaldi).
    public var useEnergy: Bool
    /// `--num-mel-bins`: number of triangular mel filters.
    public var numMelBins = 23
    /// `--num-ceps`: number of cepstra kept (mfcc), C0 included.
    public var numCeps = 13
    /// `--low-freq`: low edge of the mel filters (Hz).
    public var lowFreq: Double = 20
    /// `--high-freq`: high edge of the mel filters (Hz); 0 = Nyquist, negative = offset below Nyquist.
    public var highFreq: Double = 0
    /// `--vtln-warp`: vocal tract length warp factor α of the mel filters (1 = none; Kaldi's
    /// piecewise-linear `VtlnWarpFreq`, see MelBanks.swift).
    public var vtlnWarp: Double = 1
    /// `--vtln-low`: low inflection point of the VTLN warp (Hz).
    public var vtlnLow: Double = 100
    /// `--vtln-high`: high inflection point of the VTLN warp (Hz); negative = offset below Nyquist.
    public var vtlnHigh: Double = -500
    /// `--cepstral-lifter`: liftering coefficient Q of 1 + Q/2·sin(πi/Q) (0 = none).
    public var cepstralLifter: Double = 22
    /// `--use-log-fbank`: log of the mel energies (fbank).
    public var useLogFbank = true
    /// `--use-power`: power spectrum (true) or magnitude (false) into the mel filters (fbank).
    public var usePower = true
    /// `--htk-compat`: not implemented; `true` is refused by `validate`.
    public var htkCompat = false
    /// `--cmvn`: per-utterance mean / mean-and-variance normalisation after the features.
    public var cmvn: CMVNMode = .none
    /// `--deltas`: append delta (1) or delta and delta-delta (2) features (Kaldi add-deltas, window 2).
    public var deltas = 0
    /// `--allow-downsample` (Kaldi's name): resample audio at a higher rate down to
    /// `sampleFrequency` (libsamplerate), or refuse it. Default true (Kaldi's is false).
    public var allowDownsample = true
    /// `--allow-upsample` (Kaldi's name): resample audio at a lower rate up to `sampleFrequency`,
    /// or refuse it. Default true (Kaldi's is false).
    public var allowUpsample = true
    /// `--resample`: both directions at once (`allowDownsample` and `allowUpsample`); reads true
    /// only when both are allowed.
    public var resample: Bool {
        get { allowDownsample && allowUpsample }
        set { allowDownsample = newValue; allowUpsample = newValue }
    }
    /// `--channel`: the channel to use (0-based); nil averages all channels.
    public var channel: Int? = nil

    /// The defaults for `featureType` (Kaldi's, with dither 0).
    public init(featureType: AudioFeatureType = .fbank) {
        self.featureType = featureType
        self.useEnergy = featureType == .mfcc
    }

    /// Frame length in samples (Kaldi `WindowSize()`).
    public var windowSize: Int { Self.samples(sampleFrequency * 0.001 * frameLength) }
    /// Frame shift in samples (Kaldi `WindowShift()`).
    public var windowShift: Int { Self.samples(sampleFrequency * 0.001 * frameShift) }

    /// A sample count truncated toward zero as Kaldi's int32 cast does, clamped to ±2^62 so that
    /// an absurd length from a config or model file (`--frame-shift=1e300`) reaches `validate`'s
    /// message instead of trapping in the conversion; NaN gives 0.
    static func samples(_ count: Double) -> Int {
        guard !count.isNaN else { return 0 }
        let limit = Double(1 << 62)
        return Int(min(max(count, -limit), limit))
    }

    /// FFT length: the window size, rounded up to a power of two when `roundToPowerOfTwo`.
    public var paddedWindowSize: Int {
        let n = windowSize
        guard roundToPowerOfTwo, n > 1 else { return n }
        var p = 1
        while p < n { p <<= 1 }
        return p
    }

    /// The upper mel edge in Hz: `highFreq` when positive, else Nyquist + `highFreq`.
    public var resolvedHighFreq: Double { highFreq > 0 ? highFreq : sampleFrequency / 2 + highFreq }

    /// The upper VTLN inflection point in Hz: `vtlnHigh` when positive, else Nyquist + `vtlnHigh`.
    public var resolvedVtlnHigh: Double { vtlnHigh > 0 ? vtlnHigh : sampleFrequency / 2 + vtlnHigh }

    /// The mel filters' warp, or nil when `vtlnWarp` is 1.
    public var vtln: VtlnWarp? {
        vtlnWarp == 1 ? nil : VtlnWarp(factor: vtlnWarp, low: vtlnLow, high: resolvedVtlnHigh)
    }

    /// Columns of the features before deltas.
    public var baseDimension: Int {
        switch featureType {
        case .spectrogram: return paddedWindowSize / 2 + 1
        case .fbank: return numMelBins + (useEnergy ? 1 : 0)
        case .mfcc: return numCeps
        }
    }

    /// Columns of the output features (T × outputDimension), deltas included.
    public var outputDimension: Int { baseDimension * (deltas + 1) }

    /// Checks that the options fit together; errors name `file` (where the config came from).
    public func validate(file: String = "<config>") throws {
        func bad(_ m: String) -> InputError { InputError(file: file, m) }
        guard sampleFrequency > 0, sampleFrequency < 10_000_000 else {
            throw bad("sample-frequency must be in (0, 1e7) Hz, got \(sampleFrequency)")
        }
        guard frameShift > 0, windowShift >= 1, windowShift <= 1 << 30 else {
            throw bad("frame-shift must give 1 to 2^30 samples, got \(frameShift) ms")
        }
        guard windowSize >= 2, windowSize <= 1 << 20 else {
            throw bad("frame-length must give 2 to 2^20 samples, got \(frameLength) ms")
        }
        guard paddedWindowSize % 2 == 0 else {
            throw bad("the FFT length \(paddedWindowSize) must be even: use --round-to-power-of-two=true or change --frame-length")
        }
        guard (0...1).contains(preemphasisCoefficient) else { throw bad("preemphasis-coefficient must be in [0, 1], got \(preemphasisCoefficient)") }
        guard dither >= 0 else { throw bad("dither must be non-negative, got \(dither)") }
        guard energyFloor >= 0 else { throw bad("energy-floor must be non-negative, got \(energyFloor)") }
        guard !htkCompat else { throw bad("htk-compat=true is not implemented; use htk-compat=false") }
        guard (0...2).contains(deltas) else { throw bad("deltas must be 0, 1 or 2, got \(deltas)") }
        if let channel, channel < 0 { throw bad("channel must be 0 or more, got \(channel)") }
        guard cepstralLifter >= 0 else { throw bad("cepstral-lifter must be non-negative, got \(cepstralLifter)") }
        if featureType != .spectrogram {
            guard numMelBins >= 1, numMelBins <= 10_000 else { throw bad("num-mel-bins must be in 1...10000, got \(numMelBins)") }
            let nyquist = sampleFrequency / 2, high = resolvedHighFreq
            guard lowFreq >= 0, lowFreq < nyquist, high > 0, high <= nyquist, high > lowFreq else {
                throw bad("bad mel frequency range: low-freq \(lowFreq), high-freq \(highFreq) (resolved \(high)) with Nyquist \(nyquist)")
            }
            guard vtlnWarp > 0, vtlnWarp.isFinite else { throw bad("vtln-warp must be a positive number, got \(vtlnWarp)") }
            if vtlnWarp != 1 {
                // Kaldi's MelBanks checks: the inflection points strictly inside the mel band,
                // and (our addition) the linear middle part not empty after warping.
                let vh = resolvedVtlnHigh
                guard vtlnLow > lowFreq, vtlnLow < high, vh > 0, vh < high, vh > vtlnLow,
                      vtlnLow * max(1, vtlnWarp) < vh * min(1, vtlnWarp) else {
                    throw bad("bad VTLN range: vtln-low \(vtlnLow) and vtln-high \(vtlnHigh) (resolved \(vh)) must satisfy low-freq \(lowFreq) < vtln-low·max(1, warp) < vtln-high·min(1, warp) < high-freq \(high) with vtln-warp \(vtlnWarp)")
                }
            }
            // Every mel bin must cover an FFT bin at this rate: known from the config alone, so
            // refused here once rather than for every file the front end reads.
            do {
                _ = try MelBanks(numBins: numMelBins, fftLength: paddedWindowSize, sampleRate: sampleFrequency,
                                 lowFreq: lowFreq, highFreq: high, vtln: vtln)
            } catch let error as InputError {
                throw bad(error.message)
            }
        }
        if featureType == .mfcc {
            guard numCeps >= 1, numCeps <= numMelBins else {
                throw bad("num-ceps must be in 1...num-mel-bins (\(numMelBins)), got \(numCeps)")
            }
        }
    }
}
