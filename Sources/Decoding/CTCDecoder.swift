// CTCDecoder: the decoding entry point — alphabet, blank, options, optional language model and lexicon.
import Tensors

/// Decodes T × K CTC log-probabilities (blank at `blank`, one column per alphabet entry) into label
/// sequences: `bestPath` (greedy) or `decode` (prefix beam search, `PrefixBeamSearch`, with optional
/// n-gram shallow fusion and a lexicon constraint).
///
///     let decoder = CTCDecoder(alphabet: ["<b>", " ", "a", "b"], options: .init(beamWidth: 16, wordBoundary: 1))
///     let best = try decoder.decode(logProbs: posteriors)[0]   // best.text, best.tokenStartFrames, …
///
/// For streaming, `makeSearch()` returns a state to `advance(frame:)` and read with `bestSoFar()`.
public struct CTCDecoder: Sendable {
    public let alphabet: [String]
    public let blank: Int
    public let options: BeamSearchOptions
    public let languageModel: NGramModel?
    let scorer: FusionScorer

    /// - Parameters:
    ///   - languageModel: an n-gram model fused with weight `options.lmWeight` at `options.lmLevel`.
    ///   - lexicon: when given, output is restricted to these words (spelled in alphabet tokens and
    ///     separated by `options.wordBoundary`; without a boundary, to tokens that are lexicon words).
    public init(alphabet: [String], blank: Int = 0, options: BeamSearchOptions = BeamSearchOptions(),
                languageModel: NGramModel? = nil, lexicon: [String]? = nil) {
        self.alphabet = alphabet
        self.blank = blank
        self.options = options
        self.languageModel = languageModel
        let boundary = options.wordBoundary.flatMap { $0 >= 0 && $0 < alphabet.count && $0 != blank ? $0 : nil }
        scorer = FusionScorer(alphabet: alphabet, blank: blank, boundary: boundary, level: options.lmLevel,
                              model: languageModel, lexicon: lexicon)
    }

    /// Lexicon words that no sequence of alphabet tokens spells, or (an alphabet of word tokens)
    /// that are no token of it: they can never be output.
    public var unspellableLexiconWords: [String] { scorer.unspellable }

    /// Checks that `logProbs` has one column per alphabet entry and that the blank is one of them.
    public func validate(_ logProbs: Matrix, name: String = "log-probabilities") throws {
        guard blank >= 0 && blank < alphabet.count else {
            throw InputError(file: name, "blank index \(blank) is outside the alphabet of \(alphabet.count) entries")
        }
        guard logProbs.cols == alphabet.count else {
            throw InputError(file: name, place: "shape \(logProbs.rows)×\(logProbs.cols)",
                             "expected \(alphabet.count) columns, one per alphabet entry")
        }
        if let bad = logProbs.firstNonFinite, !(logProbs[bad.row, bad.col] == -.infinity) {
            throw InputError(file: name, place: "frame \(bad.row), class \(bad.col)", "log-probability is NaN or +∞")
        }
    }

    /// Best-path (greedy) decoding; see `bestPathDecode`.
    public func bestPath(logProbs: Matrix) throws -> Hypothesis {
        try validate(logProbs)
        return bestPathDecode(logProbs: logProbs, blank: blank, alphabet: alphabet)
    }

    /// Prefix beam search over all frames: the `options.nBest` best hypotheses, best first.
    public func decode(logProbs: Matrix) throws -> [Hypothesis] {
        try validate(logProbs)
        var search = makeSearch()
        search.advance(logProbs: logProbs)
        return search.finish()
    }

    /// A fresh search state for streaming decoding.
    public func makeSearch() -> PrefixBeamSearch { PrefixBeamSearch(decoder: self) }
}
