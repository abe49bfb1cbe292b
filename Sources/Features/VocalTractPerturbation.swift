// VocalTractPerturbation: training copies of an utterance with the mel filters warped (VTLP).
import Foundation
import Tensors

/// Vocal tract length perturbation (Jaitly & Hinton, "Vocal tract length perturbation (VTLP)
/// improves speech recognition", ICML 2013 workshop): the features of a training utterance are
/// computed again with the mel filters' frequency axis warped by a factor α near 1, which mimics
/// a speaker with another vocal tract length: a filter corner at f moves to f/α, so α > 1 shows
/// the spectrum stretched upwards (a shorter vocal tract) and α < 1 compressed (a longer one). The warp is Kaldi's piecewise-linear VTLN warp (`MelBanks::VtlnWarpFreq`,
/// `vtlnWarpFrequency`), with the front end's `--vtln-low`/`--vtln-high` inflection points; a
/// VTLP factor multiplies the front end's own `--vtln-warp`.
///
/// Warped copies get the keys `vtlp<α>-<key>` (`vtlp0.9-utt1`); factor 1 keeps the key.
public enum VocalTractPerturbation {
    /// Smallest and largest factors accepted (Jaitly & Hinton draw α from [0.9, 1.1]).
    public static let warpRange: ClosedRange<Double> = 0.5...2

    /// The key of `key` warped by `warp`: `vtlp0.9-key`, or `key` itself for factor 1.
    public static func key(_ key: String, warp: Double) -> String {
        warp == 1 ? key : "vtlp\(SpeedPerturbation.factorText(warp))-\(key)"
    }

    /// `base` with its mel filters warped by `warp` more (`base` itself for factor 1); throws
    /// when the warped front end is not valid (the VTLN inflection points leave the band).
    public static func extractor(_ base: FeatureExtractor, warp: Double) throws -> FeatureExtractor {
        if warp == 1 { return base }
        guard warp.isFinite, warpRange.contains(warp) else {
            throw InputError(file: "--vtlp-warps", "warp factor \(warp) is outside \(warpRange.lowerBound)…\(warpRange.upperBound)")
        }
        guard base.config.featureType != .spectrogram else {
            throw InputError(file: "--vtlp-warps", "VTLP warps the mel filters: it needs fbank or mfcc features, not spectrogram")
        }
        var config = base.config
        config.vtlnWarp *= warp
        let warped = FeatureExtractor(config: config, seed: base.seed)
        if let error = warped.configError {
            throw InputError(file: "--vtlp-warps", "warp \(SpeedPerturbation.factorText(warp)): \(error.message)")
        }
        return warped
    }

    /// Parses a comma-separated list of warp factors ("0.9,1.0,1.1").
    public static func parseWarps(_ text: String, source: String = "--vtlp-warps") throws -> [Double] {
        try parseFactorList(text, source: source, range: warpRange, what: "warp factor")
    }
}
