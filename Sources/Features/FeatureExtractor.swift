// FeatureExtractor: audio file or samples → Kaldi spectrogram/fbank/MFCC features, CMVN, deltas.
import Foundation
import Tensors

/// The audio front end: reads a file, resamples it to the configured rate, and computes the
/// features exactly as Kaldi's compute-spectrogram-feats / compute-fbank-feats /
/// compute-mfcc-feats define them, then per-utterance CMVN and deltas.
///
/// Per frame (feature-window.cc): dither, DC removal, log energy, pre-emphasis, window, zero
/// padding; then the power spectrum by FFTW; then log spectrum (spectrogram), log mel energies
/// (fbank, mel-computations.cc), or their liftered DCT-II (mfcc, feature-mfcc.cc). The mel and
/// DCT products run as one BLAS product over all frames of an utterance.
///
/// A value type holding only immutable tables: one extractor can serve many threads at once.
/// Dither noise comes from a generator seeded by `seed` and the utterance key, so results do not
/// depend on thread count or order.
public struct FeatureExtractor: Sendable {
    public let config: FrontendConfig
    /// Seed of the dither noise (used only when `config.dither > 0`).
    public let seed: UInt64
    let window: [Float]
    let melBanks: MelBanks?
    let sparseMel: SparseMelBanks?
    let mfcc: MFCCTransform?
    /// A configuration error found at construction, thrown on first use (init does not throw).
    let configError: InputError?

    public init(config: FrontendConfig, seed: UInt64 = 0) {
        self.config = config
        self.seed = seed
        var error: InputError?
        do { try config.validate() } catch let e as InputError { error = e } catch { }
        var banks: MelBanks?
        if error == nil && config.featureType != .spectrogram {
            do {
                banks = try MelBanks(numBins: config.numMelBins, fftLength: config.paddedWindowSize,
                                     sampleRate: config.sampleFrequency, lowFreq: config.lowFreq,
                                     highFreq: config.resolvedHighFreq, vtln: config.vtln)
            } catch let e as InputError { error = e } catch { }
        }
        self.configError = error
        self.melBanks = banks
        self.sparseMel = banks.map(SparseMelBanks.init)
        self.window = error == nil ? windowFunction(config.windowType, length: config.windowSize, blackmanCoeff: config.blackmanCoeff) : []
        self.mfcc = error == nil && config.featureType == .mfcc
            ? MFCCTransform(numCeps: config.numCeps, numBins: config.numMelBins, lifter: config.cepstralLifter) : nil
    }

    /// Features (T × config.outputDimension) of mono `samples` on the 16-bit scale at `sampleRate`
    /// Hz (resampled to the configured rate when they differ and resampling is allowed).
    /// `key` (the utterance id) seeds the dither; `file` names the source in errors.
    public func features(samples: [Float], sampleRate: Int, key: String = "", file: String = "<samples>") throws -> Matrix {
        let signal = try atConfiguredRate(samples, sampleRate: sampleRate, file: file)
        return try compute(signal, key: key, file: file)
    }

    /// `samples` (mono, 16-bit scale, at `sampleRate` Hz) checked to be finite and resampled to
    /// the configured rate, or refused when they differ and resampling is off.
    public func atConfiguredRate(_ samples: [Float], sampleRate: Int, file: String = "<samples>") throws -> [Float] {
        try atConfiguredRate(samples, sampleRate: sampleRate, file: file, checked: false)
    }

    /// `checked`: the samples are known to be finite (`AudioReader` refuses others).
    func atConfiguredRate(_ samples: [Float], sampleRate: Int, file: String, checked: Bool) throws -> [Float] {
        if let configError { throw configError }
        if !checked, let i = firstNonFinite(samples) {
            throw InputError(file: file, place: "sample \(i)", "sample is \(samples[i]); audio samples must be finite")
        }
        let target = Int(config.sampleFrequency.rounded())
        if sampleRate != target || Double(target) != config.sampleFrequency {
            // A refused direction is named by the option that refuses it.
            let down = Double(sampleRate) > config.sampleFrequency
            if !config.allowDownsample && !config.allowUpsample {
                throw InputError(file: file, "sample rate \(sampleRate) Hz differs from --sample-frequency=\(config.sampleFrequency) and resampling is off (--no-resample, or --resample=false in a config)")
            }
            if down && !config.allowDownsample {
                throw InputError(file: file, "sample rate \(sampleRate) Hz is above --sample-frequency=\(config.sampleFrequency) and downsampling is off (--allow-downsample=false in a config)")
            }
            if !down && !config.allowUpsample {
                throw InputError(file: file, "sample rate \(sampleRate) Hz is below --sample-frequency=\(config.sampleFrequency) and upsampling is off (--allow-upsample=false in a config)")
            }
            guard Double(target) == config.sampleFrequency else {
                throw InputError(file: file, "cannot resample to a fractional rate \(config.sampleFrequency) Hz")
            }
            return try Resampler.resample(samples, from: sampleRate, to: target, file: file)
        }
        return samples
    }

    /// Features of `signal`, already at the configured rate (see `atConfiguredRate`).
    public func features(atConfiguredRate signal: [Float], key: String, file: String = "<samples>") throws -> Matrix {
        if let configError { throw configError }
        return try compute(signal, key: key, file: file)
    }

    /// Reads `path` (any format libsndfile reads), picks or averages channels as configured,
    /// resamples, and returns its features. The utterance key for dither is the file name.
    public func features(file path: String, key: String? = nil) throws -> Matrix {
        if let configError { throw configError }
        let source = try AudioSource(location: path)
        let audio = try source.read(channel: config.channel)
        let utterance = key ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let signal = try atConfiguredRate(audio.samples, sampleRate: audio.sampleRate, file: source.name, checked: true)
        return try compute(signal, key: utterance, file: source.name)
    }

    /// The pipeline on samples already at the configured rate: 16 frames at a time
    /// (`laneFeatures`) when the FFT length is a power of two, else frame by frame (`frameFeatures`).
    func compute(_ signal: [Float], key: String, file: String) throws -> Matrix {
        let count = try frameCount(signal, file: file)
        var generator = SeededGenerator(seed: seed ^ FNV1a64.hash(key))
        var out = laneFeatures(signal, count: count, generator: &generator)
            ?? frameFeatures(signal, count: count, generator: &generator)
        applyCMVN(&out, mode: config.cmvn)
        return addDeltas(out, order: config.deltas)
    }

    func frameCount(_ signal: [Float], file: String) throws -> Int {
        let count = KaldiFrames.count(samples: signal.count, windowSize: config.windowSize,
                                      windowShift: config.windowShift, snipEdges: config.snipEdges)
        guard count > 0 else {
            throw InputError(file: file, "too short: \(signal.count) samples at \(config.sampleFrequency) Hz give no frame of \(config.windowSize) samples")
        }
        return count
    }

    /// The plain pipeline, stage by stage over whole matrices (frames, power spectra, one BLAS
    /// mel product): the oracle the frame-by-frame path is tested against.
    func computeReference(_ signal: [Float], key: String, file: String) throws -> Matrix {
        _ = try frameCount(signal, file: file)
        var generator = SeededGenerator(seed: seed ^ FNV1a64.hash(key))
        let framed = KaldiFrames(samples: signal, config: config, window: window, generator: &generator)
        var power = powerSpectra(of: framed.frames)
        var out: Matrix
        switch config.featureType {
        case .spectrogram:
            logSpectrogram(power: &power, logEnergy: framed.logEnergy)
            out = power
        case .fbank:
            if !config.usePower { for i in 0..<power.data.count { power.data[i] = power.data[i].squareRoot() } }
            var mel = melBanks!.apply(power)
            if config.useLogFbank { applyFlooredLog(&mel) }
            if config.useEnergy {
                // Kaldi puts the log energy in front of the mel bins (htk-compat puts it last).
                var withEnergy = Matrix(rows: mel.rows, cols: mel.cols + 1)
                for t in 0..<mel.rows {
                    withEnergy[t, 0] = framed.logEnergy[t]
                    for m in 0..<mel.cols { withEnergy[t, m + 1] = mel[t, m] }
                }
                mel = withEnergy
            }
            out = mel
        case .mfcc:
            var mel = melBanks!.apply(power)
            applyFlooredLog(&mel)
            out = mfcc!.apply(mel)
            if config.useEnergy { for t in 0..<out.rows { out[t, 0] = framed.logEnergy[t] } }
        }
        applyCMVN(&out, mode: config.cmvn)
        return addDeltas(out, order: config.deltas)
    }
}
