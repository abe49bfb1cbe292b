// Augment: training-time audio augmentation — speed perturbation and additive noise at a set SNR.
import Foundation
import Tensors

/// Speed perturbation as Kaldi recipes do it (Ko et al., "Audio augmentation for speech
/// recognition", Interspeech 2015; Kaldi `utils/data/perturb_data_dir_speed.sh`, which runs
/// `sox speed`): factor s plays the signal s times faster, changing tempo and pitch together.
///
/// A signal x at rate r is resampled from r to r/s (libsamplerate, `Resampler`) and the result is
/// read as rate r again: n samples become about n/s, and a tone at f Hz moves to s·f Hz.
/// Perturbed utterances get Kaldi's keys `sp<s>-<key>` (`sp0.9-utt1`); factor 1 keeps the key.
public enum SpeedPerturbation {
    /// Smallest and largest factors accepted (libsamplerate's ratio limit is far wider; speeds
    /// outside this range are no longer speech augmentation).
    public static let factorRange: ClosedRange<Double> = 0.25...4

    /// `samples` played `factor` times faster: about samples.count / factor samples.
    public static func apply(_ samples: [Float], factor: Double, file: String = "<audio>") throws -> [Float] {
        guard factor.isFinite, factorRange.contains(factor) else {
            throw InputError(file: file, "speed factor \(factor) is outside \(factorRange.lowerBound)…\(factorRange.upperBound)")
        }
        if factor == 1 { return samples }
        return try Resampler.resample(samples, ratio: 1 / factor, file: file)
    }

    /// The key of `key` perturbed by `factor`: `sp0.9-key`, or `key` itself for factor 1.
    public static func key(_ key: String, factor: Double) -> String {
        factor == 1 ? key : "sp\(factorText(factor))-\(key)"
    }

    /// A factor as Kaldi writes it: shortest decimal form ("0.9", "1.1", "0.95", "2").
    public static func factorText(_ factor: Double) -> String {
        factor == factor.rounded() && abs(factor) < 1e15 ? String(Int(factor)) : "\(factor)"
    }

    /// Parses a comma-separated list of factors ("0.9,1.0,1.1"); `source` names it in errors.
    public static func parseFactors(_ text: String, source: String = "--speed-perturb") throws -> [Double] {
        try parseFactorList(text, source: source, range: factorRange, what: "speed factor")
    }
}

/// A comma-separated list of distinct finite factors within `range` ("0.9,1.0,1.1"); an item that
/// is not one is an error naming `source` and the item's position.
func parseFactorList(_ text: String, source: String, range: ClosedRange<Double>, what: String) throws -> [Double] {
    var factors: [Double] = []
    for (i, field) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
        let trimmed = field.trimmingCharacters(in: .whitespaces)
        guard let f = Double(trimmed), f.isFinite, range.contains(f) else {
            throw InputError(file: source, place: "item \(i + 1)",
                             "\"\(trimmed)\" is not a \(what) in \(range.lowerBound)…\(range.upperBound)")
        }
        guard !factors.contains(f) else {
            throw InputError(file: source, place: "item \(i + 1)", "factor \(trimmed) is given twice")
        }
        factors.append(f)
    }
    return factors
}

/// Additive noise at a chosen signal-to-noise ratio: y = x + g·n with the gain g chosen so that
/// 10·log10(P_x / P_{g·n}) = snr dB over the utterance, P being the mean square
/// (g = √(P_x / (P_n · 10^{snr/10}))), as in Kaldi's `wav-reverberate --additive-signals
/// --snrs` and the MUSAN recipes.
///
/// The noise is white Gaussian (unit variance before scaling) or, when `noises` is not empty, a
/// segment of one of the given recordings: recording and start offset are drawn from the
/// generator and the recording is looped when shorter than the utterance. A silent utterance
/// (P_x = 0) stays silent.
public struct NoiseMixer: Sendable {
    /// Target SNR in dB.
    public let snr: Double
    /// Noise recordings at the rate of the signals they are mixed into (16-bit scale); empty
    /// means white Gaussian noise.
    public let noises: [[Float]]
    /// Names of the recordings, parallel to `noises`: their paths when read by `load` (the
    /// command refuses an output over them), else for error messages.
    public let names: [String]

    /// Throws when a recording is empty or silent (it could not reach any SNR).
    public init(snr: Double, noises: [[Float]] = [], names: [String]? = nil) throws {
        guard snr.isFinite else { throw InputError(file: "--noise-snr", "SNR \(snr) dB is not a finite number") }
        self.snr = snr
        self.noises = noises
        self.names = names ?? noises.indices.map { "noise \($0 + 1)" }
        for (i, noise) in noises.enumerated() where NoiseMixer.power(noise) == 0 {
            throw InputError(file: self.names[i], "the noise recording is empty or silent; it cannot be mixed at an SNR")
        }
    }

    /// Reads a list of noise recordings (one path a line; blank lines and `#` comments skipped;
    /// a line ending in `|` is a command whose stdout is the recording, `AudioSource`), each
    /// resampled to `sampleRate`. `channel` (the speech's `--channel`) picks the channel of
    /// a recording that has several; a mono recording (as noise collections such as MUSAN ship)
    /// is used as it is, whatever `channel` says.
    public static func load(list: String, snr: Double, sampleRate: Int, channel: Int? = nil) throws -> NoiseMixer {
        guard let text = String(data: try readWholeFile(list), encoding: .utf8) else { throw InputError(file: list, "not UTF-8 text") }
        var noises: [[Float]] = [], names: [String] = []
        for (index, line) in text.textLines.enumerated() {
            let path = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if path.isEmpty || path.hasPrefix("#") { continue }
            let audio: Audio
            do {
                let source = try AudioSource(location: path)
                let mono = try source.info().channels == 1
                audio = try source.read(channel: mono ? nil : channel)
            } catch let error as InputError where ShellCommand.isCommand(path) {
                // A command (a Kaldi "… |" line) is named at its line of the list.
                let at = error.place.map { " at \($0)" } ?? ""
                throw InputError(file: list, place: "line \(index + 1)", "\(ShellCommand.name(path))\(at): \(error.message)")
            }
            noises.append(try Resampler.resample(audio.samples, from: audio.sampleRate, to: sampleRate, file: path))
            names.append(path)
        }
        guard !noises.isEmpty else { throw InputError(file: list, "the noise list names no file") }
        return try NoiseMixer(snr: snr, noises: noises, names: names)
    }

    /// Mean square of `x` (in Double).
    public static func power(_ x: [Float]) -> Double {
        guard !x.isEmpty else { return 0 }
        var s = 0.0
        for v in x { s += Double(v) * Double(v) }
        return s / Double(x.count)
    }

    /// The noise (same length as `signal`, before scaling) that `mix` adds, drawn from `generator`.
    public func noise(count: Int, generator: inout SeededGenerator) -> [Float] {
        if noises.isEmpty { return (0..<count).map { _ in Float(generator.normal()) } }
        let which = Int(generator.next() % UInt64(noises.count))
        let source = noises[which]
        let start = Int(generator.next() % UInt64(source.count))
        return (0..<count).map { source[(start + $0) % source.count] }
    }

    /// `signal` plus noise scaled to the SNR; the noise comes from `generator`.
    public func mix(_ signal: [Float], generator: inout SeededGenerator) -> [Float] {
        let signalPower = NoiseMixer.power(signal)
        var n = noise(count: signal.count, generator: &generator)
        var noisePower = NoiseMixer.power(n)
        // A recording's segment can be silent (the recording is not): draw again, a few times.
        var tries = 0
        while noisePower == 0 && signalPower > 0 && tries < 16 {
            n = noise(count: signal.count, generator: &generator)
            noisePower = NoiseMixer.power(n)
            tries += 1
        }
        guard signalPower > 0, noisePower > 0 else { return signal }
        let gain = Float((signalPower / (noisePower * pow(10, snr / 10))).squareRoot())
        var out = signal
        for i in 0..<out.count { out[i] += gain * n[i] }
        return out
    }
}

/// The augmentations `extract audio` applies: each speed factor gives one utterance
/// (`SpeedPerturbation`), each of which then gets noise (`NoiseMixer`) when set, and its features
/// are computed once per VTLP warp factor (`VocalTractPerturbation`).
/// Noise is seeded by `seed` and the output key, so it does not depend on thread count or order.
public struct AudioAugmentation: Sendable {
    /// Speed factors; [1] means none.
    public var speedFactors: [Double]
    public var noise: NoiseMixer?
    public var seed: UInt64
    /// VTLP warp factors; [1] means none.
    public var vtlpWarps: [Double]

    public init(speedFactors: [Double] = [1], noise: NoiseMixer? = nil, seed: UInt64 = 0, vtlpWarps: [Double] = [1]) {
        self.speedFactors = speedFactors
        self.noise = noise
        self.seed = seed
        self.vtlpWarps = vtlpWarps
    }

    /// The key of the utterance that `key` was made from: `key` without the `vtlp<α>-` and
    /// `sp<s>-` prefixes that speed perturbation and VTLP give their copies (`vtlp0.9-sp1.1-utt1`,
    /// `sp1.1-utt1` and `utt1` all come from `utt1`). A prefix counts only as these functions
    /// write it: a factor in range, in its shortest decimal form, followed by `-` and a key.
    public static func sourceKey(of key: String) -> String {
        func stripping(_ tag: String, _ range: ClosedRange<Double>, from key: Substring) -> Substring {
            guard key.hasPrefix(tag), let dash = key.firstIndex(of: "-"), key.index(after: dash) < key.endIndex else { return key }
            let text = key[key.index(key.startIndex, offsetBy: tag.count)..<dash]
            guard let factor = Double(text), factor != 1, range.contains(factor),
                  SpeedPerturbation.factorText(factor) == text else { return key }
            return key[key.index(after: dash)...]
        }
        let unwarped = stripping("vtlp", VocalTractPerturbation.warpRange, from: Substring(key))
        return String(stripping("sp", SpeedPerturbation.factorRange, from: unwarped))
    }

    /// The utterances (key, samples) made from `samples` (at the rate the features use).
    public func variants(of samples: [Float], key: String, file: String = "<audio>") throws -> [(key: String, samples: [Float])] {
        try speedFactors.map { factor in
            let newKey = SpeedPerturbation.key(key, factor: factor)
            var signal = try SpeedPerturbation.apply(samples, factor: factor, file: file)
            if let noise {
                // A stream apart from the dither's (seed ^ hash(key)): the constant is arbitrary.
                var generator = SeededGenerator(seed: seed ^ FNV1a64.hash(newKey) ^ 0x6E6F_6973_6521_5EED)
                signal = noise.mix(signal, generator: &generator)
            }
            return (newKey, signal)
        }
    }
}

extension FeatureExtractor {
    /// Reads `path`, resamples it to the configured rate, applies `augmentation`, and returns
    /// the features of every resulting utterance in the order of the speed factors, and for each
    /// of them in the order of the VTLP warps.
    public func features(file path: String, key: String, augmentation: AudioAugmentation) throws -> [(key: String, features: Matrix)] {
        if let configError { throw configError }
        let source = try AudioSource(location: path)
        let audio = try source.read(channel: config.channel)
        return try features(checkedSamples: audio.samples, sampleRate: audio.sampleRate, key: key, file: source.name, augmentation: augmentation)
    }

    /// The utterances of one recording cut into pieces (Kaldi `segments`): reads `path` once (once
    /// per channel the pieces name; a piece without one takes the configured channel) and returns,
    /// in the order of `pieces`, the features of each piece's samples as `features(file:key:augmentation:)`
    /// computes those of a whole file, or the error that piece met. The cut is made at the file's
    /// rate, before resampling, as Kaldi's `extract-segments` cuts before feature extraction. An
    /// unreadable file throws.
    public func features(file path: String, pieces: [AudioPiece], augmentation: AudioAugmentation) throws -> [Result<[(key: String, features: Matrix)], InputError>] {
        if let configError { throw configError }
        // A command (a Kaldi "… |" location) runs once, whatever the channels the pieces read.
        let source = try AudioSource(location: path)
        let info = try source.info()
        var audioOfChannel: [Int: Audio] = [:]
        return try pieces.map { piece in
            let channel = piece.channel ?? config.channel
            if let channel, channel >= info.channels {
                return .failure(InputError(file: source.name, "channel \(channel) requested for \(InputError.quoted(piece.key)), but the file has \(info.channels) channel(s)"))
            }
            let audio: Audio
            if let read = audioOfChannel[channel ?? -1] {
                audio = read
            } else {
                audio = try source.read(channel: channel)
                audioOfChannel[channel ?? -1] = audio
            }
            do {
                let range = try piece.sampleRange(audio.samples.count, audio.sampleRate)
                return .success(try features(checkedSamples: Array(audio.samples[range]), sampleRate: audio.sampleRate,
                                             key: piece.key, file: source.name, augmentation: augmentation))
            } catch let error as InputError {
                return .failure(error)
            }
        }
    }

    /// The utterances `augmentation` makes of finite mono samples read from `file`.
    func features(checkedSamples samples: [Float], sampleRate: Int, key: String, file path: String, augmentation: AudioAugmentation) throws -> [(key: String, features: Matrix)] {
        let signal = try atConfiguredRate(samples, sampleRate: sampleRate, file: path, checked: true)
        let extractors = try augmentation.vtlpWarps.map { try VocalTractPerturbation.extractor(self, warp: $0) }
        var out: [(key: String, features: Matrix)] = []
        for variant in try augmentation.variants(of: signal, key: key, file: path) {
            for (warp, extractor) in zip(augmentation.vtlpWarps, extractors) {
                let warpedKey = VocalTractPerturbation.key(variant.key, warp: warp)
                out.append((warpedKey, try extractor.features(atConfiguredRate: variant.samples, key: warpedKey, file: path)))
            }
        }
        return out
    }
}

/// A piece of a recording to compute features of: its utterance key, its channel (nil: the
/// configured one) and the samples it covers, given the recording's length in samples and its
/// rate (throwing `InputError` when the piece does not fit the recording).
public struct AudioPiece: Sendable {
    public var key: String
    public var channel: Int?
    public var sampleRange: @Sendable (_ frames: Int, _ rate: Int) throws -> Range<Int>
    public init(key: String, channel: Int?, sampleRange: @escaping @Sendable (_ frames: Int, _ rate: Int) throws -> Range<Int>) {
        self.key = key
        self.channel = channel
        self.sampleRange = sampleRange
    }
}
