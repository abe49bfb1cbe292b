// Labeller: a model plus a decoder: features (or raw input through the model's front end) to label sequences.
import Decoding
import Features
import Formats
import Foundation
import Networks
import Tensors

/// Runs a `LabellingModel` and decodes its outputs with CTC best path or prefix beam search.
///
/// Safe to share between threads: the network's forward pass and the decoder only read shared state.
public struct Labeller: Sendable {
    public private(set) var model: LabellingModel
    public let decoder: CTCDecoder
    /// Best path (argmax per frame) instead of prefix beam search.
    public let bestPath: Bool
    /// The most memory one utterance's forward pass may take (nil: no limit). An utterance whose
    /// estimate (frames × `inferenceBytesPerFrame`) is larger is refused with an error, before
    /// its features are computed when the input is an audio file (from the header's length).
    public var maxForwardBytes: Int?
    /// Test-time distortions of pen features (stroke models): when not empty, each utterance is
    /// run through the network once per transform (`PenDistortion.apply`) and the per-frame
    /// posteriors are averaged, P(k | t) = (1/N) Σₙ Pₙ(k | t), before decoding (the identity is the
    /// features as given). The transforms keep the frame count, so every variant's frames line up.
    public var penTransforms: [PenTransform] = []

    /// - Parameters:
    ///   - bestPath: greedy decoding (Graves 2012 §7.5.1); otherwise prefix beam search with `options`.
    ///   - languageModel, lexicon: shallow fusion and lexicon constraint for the beam search.
    public init(model: LabellingModel, bestPath: Bool, options: BeamSearchOptions = BeamSearchOptions(),
                languageModel: NGramModel? = nil, lexicon: [String]? = nil) {
        var options = options
        if options.wordBoundary == nil, model.tokenUnit == .characters, let space = model.alphabet.index(of: " ") {
            options.wordBoundary = space
        }
        self.model = model
        self.bestPath = bestPath
        decoder = CTCDecoder(alphabet: model.alphabet.symbols, blank: Alphabet.blank, options: options,
                             languageModel: languageModel, lexicon: lexicon)
    }

    /// Spends `threads` cores on each utterance: a bidirectional network runs its two directions
    /// side by side, each with single-threaded BLAS (as `seqlab train` does), since one utterance's
    /// per-frame products are too small to split; any other network gives BLAS all `threads`.
    /// The outputs do not depend on it. Sets the process-wide BLAS thread count.
    public mutating func useThreads(_ threads: Int) {
        let concurrent = model.network.configuration.bidirectional && threads > 1
        model.network.concurrentDirections = concurrent
        setBLASThreads(concurrent ? 1 : max(1, threads))
    }

    /// Runs the network at `precision` (`ProductPrecision`); false, changing nothing, when the
    /// network cannot (bfloat16 is for LSTM networks).
    public mutating func usePrecision(_ precision: ProductPrecision) -> Bool {
        model.network.setPrecision(precision)
    }

    /// The error for features whose dimension the model does not take, nil when it does.
    public func dimensionMismatch(_ features: Matrix, key: String, file: String) -> InputError? {
        guard features.cols != model.inputDimension else { return nil }
        return InputError(file: file, place: key,
                          "features have \(features.cols) dimensions, the model expects \(model.inputDimension) (extract them with the model's front end: seqlab inspect MODEL shows it)")
    }

    /// Checks an utterance's features against the model: dimension, frames, finite values.
    public func check(_ features: Matrix, key: String, file: String) throws {
        guard features.rows > 0 else { throw InputError(file: file, place: key, "no frames (an empty matrix)") }
        if let error = dimensionMismatch(features, key: key, file: file) { throw error }
        try checkLength(frames: features.rows, key: key, file: file)
        if let (r, c) = features.firstNonFinite {
            throw InputError(file: file, place: key, "non-finite feature at frame \(r), dimension \(c)")
        }
    }

    /// Refuses an utterance of `frames` frames whose forward pass would need more than `maxForwardBytes`.
    public func checkLength(frames: Int, key: String, file: String) throws {
        guard let limit = maxForwardBytes else { return }
        let configuration = model.network.configuration
        let (need, overflow) = frames.multipliedReportingOverflow(by: configuration.inferenceBytesPerFrame)
        guard overflow || need > limit else { return }
        let kind = configuration.bidirectional ? "the bidirectional network needs the whole utterance at once" : "the network's forward pass"
        let most = limit / configuration.inferenceBytesPerFrame
        var length = "\(frames) frames"
        if let shift = model.frameShiftSeconds { length += String(format: " (%.0f s)", Double(frames) * shift) }
        let remedy = most >= 1 ? "split it into parts of at most \(most) frames or raise --max-memory"
                               : "raise --max-memory (one frame needs about \(MemoryBudget.describe(configuration.inferenceBytesPerFrame)))"
        throw InputError(file: file, place: key,
                         "\(length) need about \(MemoryBudget.describe(overflow ? Int.max : need)) (\(kind)), more than the \(MemoryBudget.describe(limit)) one utterance may use (--max-memory); \(remedy)")
    }

    /// Per-frame log-probabilities (T × K) of one utterance.
    public func logProbabilities(_ features: Matrix) -> Matrix {
        guard !penTransforms.isEmpty, case .strokes(let layout)? = model.frontEnd else {
            return model.network.logProbabilities([features])[0]
        }
        // The identity is the features as written (not recomputed from Float offsets).
        let variants = model.network.logProbabilities(penTransforms.map {
            $0 == .identity ? features : PenDistortion.apply($0, to: features, layout: layout)
        })
        var mean = variants[0]
        let n = Float(variants.count), logN = log(n)
        for t in 0..<mean.rows {
            for k in 0..<mean.cols {
                var m = variants[0][t, k]
                for v in variants.dropFirst() { m = max(m, v[t, k]) }
                var sum: Float = 0
                for v in variants { sum += exp(v[t, k] - m) }
                mean[t, k] = m + log(sum) - logN
            }
        }
        return mean
    }

    /// The n-best hypotheses (best first) for one utterance's features.
    public func decode(_ features: Matrix, key: String, file: String) throws -> [Hypothesis] {
        try check(features, key: key, file: file)
        return try decode(logProbabilities: logProbabilities(features))
    }

    /// The n-best hypotheses for log-probabilities the network already computed.
    public func decode(logProbabilities lp: Matrix) throws -> [Hypothesis] {
        bestPath ? [try decoder.bestPath(logProbs: lp)] : try decoder.decode(logProbs: lp)
    }

    /// The utterances of one raw input file through the model's front end: one for audio, one per
    /// labelled sample for stroke files. `key` names a single audio utterance (default: file name)
    /// and prefixes the ids of a stroke file's samples; `includeRoot` is the folder UNIPEN
    /// `.INCLUDE` paths are relative to. A stroke file's samples that cannot be read or turned into
    /// features come back in `rejected`, as `extract strokes` reports and skips them, and notes on
    /// the file that reject nothing by themselves (an unreadable UNIPEN include) in `warnings`; the
    /// file throws only when it cannot be read at all or yields nothing. `included` are the other
    /// files read (a UNIPEN file's includes; `InkReadResult.included`).
    public func features(ofFile path: String, key: String, includeRoot: String? = nil) throws
        -> (utterances: [(key: String, features: Matrix)], rejected: [InputError], warnings: [InputError], included: [String]) {
        guard let frontEnd = model.frontEnd else {
            throw InputError(file: path, "the model stores no front end, so it cannot label raw files; extract features and use seqlab decode")
        }
        switch frontEnd {
        case .audio(let config):
            // (A command's output is not read twice for it: its features are checked once computed.)
            if maxForwardBytes != nil, let shift = model.frameShiftSeconds, shift > 0, !ShellCommand.isCommand(path) {
                // Refused from the header's length, before reading and analysing the audio.
                try checkLength(frames: Int(try AudioReader.info(path: path).duration / shift), key: key, file: path)
            }
            return ([(key, try FeatureExtractor(config: config).features(file: path, key: key))], [], [], [])
        case .strokes(let config):
            let read = try readInkSamples(path: path, includeRoot: includeRoot, idPrefix: key)
            guard !read.samples.isEmpty || !read.rejected.isEmpty else { throw InputError(file: path, "no pen samples") }
            let fileUnit = config.fileUnit(for: read.samples)
            var utterances: [(key: String, features: Matrix)] = [], rejected = read.rejected
            for sample in read.samples {
                do { utterances.append((sample.id, try checkedStrokeFeatures(sample, config: config, fileUnit: fileUnit))) }
                catch { rejected.append(error) }
            }
            return (utterances, rejected, read.warnings, read.included)
        }
    }

    /// The utterances of one audio recording cut into `pieces` (a Kaldi `segments` file's lines)
    /// through the model's audio front end, in the order of `pieces`: each piece's features, or
    /// the error that piece met, as `extract audio --segments` computes them (the recording read
    /// once, cut at its own rate, then resampled). An unreadable recording, or a model whose front
    /// end is not audio, throws.
    public func features(ofRecording path: String, pieces: [AudioPiece]) throws -> [Result<Matrix, InputError>] {
        guard case .audio(let config)? = model.frontEnd else {
            throw InputError(file: path, model.frontEnd == nil
                ? "the model stores no front end, so it cannot label raw files; extract features and use seqlab decode"
                : "segments cut audio recordings, but the model's front end reads pen strokes")
        }
        return try FeatureExtractor(config: config).features(file: path, pieces: pieces, augmentation: AudioAugmentation())
            .map { $0.map { $0[0].features } }
    }
}
