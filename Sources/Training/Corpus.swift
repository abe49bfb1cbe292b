// Corpus: labelled utterances for training, read from a feature archive and a Kaldi text file and checked.
import Features
import Formats
import Labelling
import Tensors

/// One training utterance: its features (T × D) and its label indices (into an `Alphabet`):
/// the label sequence (ctc), the one class (sequence), one class per frame (framewise), or none (predict).
public struct LabelledUtterance: Sendable {
    public var key: String
    public var features: Matrix
    public var labels: [Int]

    public init(key: String, features: Matrix, labels: [Int]) {
        self.key = key
        self.features = features
        self.labels = labels
    }

    /// The fewest frames CTC needs for these labels: their number plus the repeated neighbours
    /// (a blank must separate two equal labels; Graves et al. 2006 §3.1).
    public var requiredFrames: Int { Self.requiredFrames(labels) }

    /// `requiredFrames` of a label sequence, as tokens or indices (an alphabet maps one to one).
    static func requiredFrames<Label: Equatable>(_ labels: [Label]) -> Int {
        labels.count + zip(labels, labels.dropFirst()).filter { $0 == $1 }.count
    }
}

/// Utterances read from features and labels, with what was skipped and why.
public struct Corpus: Sendable {
    public var utterances: [LabelledUtterance]
    /// One line per utterance left out (no labels, NaN features, too short, wrong dimension…).
    public var skipped: [InputError]

    public init(utterances: [LabelledUtterance], skipped: [InputError]) {
        self.utterances = utterances
        self.skipped = skipped
    }

    /// The feature dimension D (nil when empty).
    public var dimension: Int? { utterances.first?.features.cols }

    /// Total frames.
    public var frames: Int { utterances.reduce(0) { $0 + $1.features.rows } }

    /// Reads every record of `featuresPath` (ark, scp, or `-`) and pairs it with its line of `text`.
    ///
    /// An utterance is skipped, with a reason in `skipped`, when it has no label line, has NaN or
    /// infinite features, has no frames, has a different dimension from the first, has an empty
    /// label, or its labels do not fit the `task`: fewer frames than CTC needs (ctc), not exactly
    /// one label (sequence), not one label per frame (framewise). Labels with no features are
    /// reported too. When `alphabet` is nil it is built from the labels of the utterances kept (those
    /// skipped above add no token).
    /// With `refuseUnknownTokens` (fine-tuning a model), a label token outside `alphabet` is an
    /// error naming the utterance and the token instead of a skip. With `maxBytes`, reading stops
    /// with an error as soon as the features kept would take more than that. An archive with no
    /// records, or a text with no lines, is an error naming the file (an empty input is a mistake
    /// upstream), not a skip per utterance.
    /// A `predict` corpus has no text (`textPath` nil): every utterance of 2 or more frames is kept.
    public static func read(featuresPath: String, textPath: String?, unit: TokenUnit,
                            alphabet: Alphabet? = nil, task: TrainingTask = .ctc,
                            refuseUnknownTokens: Bool = false, maxBytes: Int? = nil) throws -> (corpus: Corpus, alphabet: Alphabet) {
        guard let textPath else {
            precondition(!task.classifies, "Corpus.read: only a predict corpus goes without labels")
            return (try readUnlabelled(featuresPath: featuresPath, maxBytes: maxBytes), alphabet ?? Alphabet(collecting: []))
        }
        let entries = try KaldiText.readLabels(path: textPath)
        var labelsByKey: [String: [String]] = [:]
        for e in entries { labelsByKey[e.key] = unit.tokens(of: e.tokens) }
        let reader = try KaldiArchiveReader(path: featuresPath)
        let featureName = featuresPath == "-" ? "stdin" : featuresPath
        var raw: [(key: String, features: Matrix, tokens: [String])] = []
        var skipped: [InputError] = []
        var seen = Set<String>()
        var dimension: Int?
        var bytes = 0
        // A bad scp entry (a missing archive, a bad offset) is reported and skipped, as README says.
        while let record = try reader.next(skippingBadEntries: { skipped.append($0) }) {
            seen.insert(record.key)
            guard let tokens = labelsByKey[record.key] else {
                skipped.append(InputError(file: textPath, place: record.key, "no label line for this utterance; skipped"))
                continue
            }
            if tokens.isEmpty {
                skipped.append(InputError(file: textPath, place: record.key, "empty label; skipped"))
                continue
            }
            if record.matrix.rows == 0 {
                skipped.append(InputError(file: featureName, place: record.key, "no frames; skipped"))
                continue
            }
            if let (r, c) = record.matrix.firstNonFinite {
                skipped.append(InputError(file: featureName, place: record.key, "non-finite feature at frame \(r), dimension \(c); skipped"))
                continue
            }
            if let d = dimension, d != record.matrix.cols {
                skipped.append(InputError(file: featureName, place: record.key,
                                          "feature dimension \(record.matrix.cols), expected \(d) like the first utterance; skipped"))
                continue
            }
            // The labels must fit the task before their tokens may enter a built alphabet: a token
            // seen only in skipped utterances would be an output that is never trained.
            if let misfit = misfit(tokens, frames: record.matrix.rows, task: task, unit: unit) {
                skipped.append(InputError(file: task == .ctc ? featureName : textPath, place: record.key, misfit + "; skipped"))
                continue
            }
            dimension = record.matrix.cols
            bytes += 4 * record.matrix.rows * record.matrix.cols
            if let maxBytes, bytes > maxBytes {
                throw InputError(file: featureName, place: record.key,
                                 "the training features held so far reach \(MemoryBudget.describe(bytes)) at this utterance, more than the \(MemoryBudget.describe(maxBytes)) allowed (--max-memory, default: the available memory); train on less data or raise --max-memory")
            }
            raw.append((record.key, record.matrix, tokens))
        }
        if seen.isEmpty { throw InputError.noUtterances(in: featureName) }
        for e in entries where !seen.contains(e.key) {
            skipped.append(KaldiText.labelWithoutFeatures(e, textPath: textPath, features: featureName))
        }
        let alphabet = alphabet ?? Alphabet(collecting: raw.map(\.tokens))
        var utterances: [LabelledUtterance] = []
        for r in raw {
            let labels: [Int]
            do { labels = try alphabet.encode(r.tokens, file: textPath, key: r.key) } catch let e as InputError {
                if refuseUnknownTokens { throw e }
                skipped.append(InputError(file: e.file, place: e.place, e.message + "; skipped"))
                continue
            }
            utterances.append(LabelledUtterance(key: r.key, features: r.features, labels: labels))
        }
        return (Corpus(utterances: utterances, skipped: skipped), alphabet)
    }

    /// Why `tokens` do not fit the `task` on `frames` frames, or nil when they do: fewer frames
    /// than CTC needs (ctc), not exactly one label (sequence), not one label per frame (framewise).
    /// Labels cut into characters (`unit`) get a pointer to --tokens words, the usual cause.
    static func misfit(_ tokens: [String], frames: Int, task: TrainingTask, unit: TokenUnit) -> String? {
        let characters = unit == .characters
        switch task {
        case .sequence where tokens.count != 1:
            return "\(tokens.count) labels, but sequence classification takes exactly one per utterance"
                + (characters ? " (the labels were cut into characters: labels of several characters need --tokens words)" : "")
        case .framewise where tokens.count != frames:
            return "\(tokens.count) frame labels for \(frames) frames; framewise training needs exactly one label per frame"
                + (characters && tokens.contains(" ")
                   ? " (the labels were cut into characters, spaces included: space-separated frame labels need --tokens words)" : "")
        case .ctc where frames < LabelledUtterance.requiredFrames(tokens):
            return "\(frames) frames cannot hold \(tokens.count) labels (CTC needs at least \(LabelledUtterance.requiredFrames(tokens)))"
        default:
            return nil
        }
    }

    /// Every record of `featuresPath`, unlabelled (next-value prediction), with the same checks
    /// as `read` (the `maxBytes` limit included) and at least 2 frames (one input and its successor).
    static func readUnlabelled(featuresPath: String, maxBytes: Int? = nil) throws -> Corpus {
        let reader = try KaldiArchiveReader(path: featuresPath)
        let featureName = featuresPath == "-" ? "stdin" : featuresPath
        var utterances: [LabelledUtterance] = [], skipped: [InputError] = []
        var bytes = 0
        // A bad scp entry (a missing archive, a bad offset) is reported and skipped, as README says.
        while let record = try reader.next(skippingBadEntries: { skipped.append($0) }) {
            if let maxBytes {
                bytes += 4 * record.matrix.rows * record.matrix.cols
                if bytes > maxBytes {
                    throw InputError(file: featureName, place: record.key,
                                     "the training features held so far reach \(MemoryBudget.describe(bytes)) at this utterance, more than the \(MemoryBudget.describe(maxBytes)) allowed (--max-memory, default: the available memory); train on less data or raise --max-memory")
                }
            }
            if record.matrix.rows < 2 {
                skipped.append(InputError(file: featureName, place: record.key, "\(record.matrix.rows) frame(s); prediction needs at least 2; skipped"))
            } else if let (r, c) = record.matrix.firstNonFinite {
                skipped.append(InputError(file: featureName, place: record.key, "non-finite feature at frame \(r), dimension \(c); skipped"))
            } else if let d = utterances.first?.features.cols, d != record.matrix.cols {
                skipped.append(InputError(file: featureName, place: record.key,
                                          "feature dimension \(record.matrix.cols), expected \(d) like the first utterance; skipped"))
            } else {
                utterances.append(LabelledUtterance(key: record.key, features: record.matrix, labels: []))
            }
        }
        if utterances.isEmpty && skipped.isEmpty { throw InputError.noUtterances(in: featureName) }
        return Corpus(utterances: utterances, skipped: skipped)
    }

    /// The number of source utterances: keys counted without the `sp<s>-` and `vtlp<α>-` prefixes
    /// of the copies speed perturbation and VTLP made (`AudioAugmentation.sourceKey(of:)`), the
    /// units `splitting` holds out.
    public var sourceCount: Int {
        Set(utterances.map { AudioAugmentation.sourceKey(of: $0.key) }).count
    }

    /// Splits off every n-th source utterance (a deterministic `fraction`) as a validation set,
    /// together with every copy `extract audio` made of it: utterances whose keys differ only by
    /// the `sp<s>-` and `vtlp<α>-` prefixes of speed perturbation and VTLP
    /// (`AudioAugmentation.sourceKey(of:)`) go to the same side, so that no validation utterance
    /// is a perturbed copy of a training one. Sources are counted in the order of their first
    /// utterance; both sides keep the input order.
    public func splitting(validationFraction fraction: Double) -> (train: Corpus, valid: Corpus) {
        splitting(validationFraction: fraction, copiesTogether: true)
    }

    /// The split by `fraction` of the run whose checkpoint state is `state`: `splitting(validationFraction:)`,
    /// unless the checkpoint's data fingerprints are those of the split made before copies were
    /// held out with their source (every n-th utterance alone) and not of today's, when that
    /// split is kept (`perUtterance` true), so that a run started then resumes on its own data.
    public func splitting(validationFraction fraction: Double, resuming state: TrainingState?)
        -> (train: Corpus, valid: Corpus, perUtterance: Bool) {
        let split = splitting(validationFraction: fraction, copiesTogether: true)
        guard let state, let keptTrain = state.trainData, let keptValid = state.validData,
              DataFingerprint(split.train) != keptTrain || DataFingerprint(split.valid) != keptValid else {
            return (split.train, split.valid, false)
        }
        let old = splitting(validationFraction: fraction, copiesTogether: false)
        guard DataFingerprint(old.train) == keptTrain && DataFingerprint(old.valid) == keptValid else {
            return (split.train, split.valid, false)
        }
        return (old.train, old.valid, true)
    }

    /// Every n-th source utterance with its copies (`copiesTogether`), or every n-th utterance.
    private func splitting(validationFraction fraction: Double, copiesTogether: Bool) -> (train: Corpus, valid: Corpus) {
        var sourceIndex: [String: Int] = [:]
        let sources = utterances.enumerated().map { n, u -> Int in
            guard copiesTogether else { return n }
            let source = AudioAugmentation.sourceKey(of: u.key)
            if let i = sourceIndex[source] { return i }
            sourceIndex[source] = sourceIndex.count
            return sourceIndex.count - 1
        }
        guard fraction > 0, (copiesTogether ? sourceIndex.count : utterances.count) >= 2 else { return (self, Corpus(utterances: [], skipped: [])) }
        let every = max(2, Int((1 / fraction).rounded()))
        var train: [LabelledUtterance] = [], valid: [LabelledUtterance] = []
        for (u, i) in zip(utterances, sources) { if i % every == every - 1 { valid.append(u) } else { train.append(u) } }
        return (Corpus(utterances: train, skipped: skipped), Corpus(utterances: valid, skipped: []))
    }
}
