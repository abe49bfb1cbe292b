// DecodingOptions: the flags decode and label share (search, language model, lexicon, output format).
import ArgumentParser
import Decoding
import Features
import Foundation
import Labelling
import Networks
import Tensors

extension OutputFormat: ExpressibleByArgument {}
extension ProductPrecision: ExpressibleByArgument {}
extension TimingUnit: ExpressibleByArgument {}

struct DecodingOptions: ParsableArguments {
    @Option(name: [.short, .customLong("model")], help: "The model (safetensors, from seqlab train).", completion: .file())
    var model: String

    @Option(help: "Prefix beam search with this many prefixes; 1 = best path (greedy). (default: 8)")
    var beam: Int?
    @Option(help: "Hypotheses per utterance (beam search), best first; with more than one, each is keyed KEY-RANK (KEY-1, KEY-2, …) and fewer than N come back when the beam holds fewer allowed hypotheses.")
    var nbest = 1
    @Option(help: "ARPA n-gram language model for shallow fusion (word or character level).", completion: .file())
    var lm: String?
    @Option(help: "Weight of the language model's natural-log score (with --lm). (default: 0.5)")
    var lmWeight: Float?
    @Option(help: "Added to the score per word or token (--lm-unit) of a prefix in the beam search; with or without --lm. (default: 0)")
    var wordBonus: Float?
    @Option(help: "What the language model and --word-bonus count: word (default) or token (a character LM).")
    var lmUnit: String?
    @Option(help: "Restrict output to the words of this file: one word a line, the whole line (no pronunciations as in a Kaldi lexicon).", completion: .file())
    var lexicon: String?
    @Option(help: "Output: text (Kaldi), jsonl or ctm.")
    var format: OutputFormat = .text
    @Option(help: "CTM lines (and a JSON line's timed words) per token or per word (characters between spaces of a character model).")
    var ctmUnit: TimingUnit = .token
    @Option(help: ArgumentHelp("Stroke models: average the posteriors of the pen features as written and rotated by ± R degrees, slanted by ± S, widened by 1 ± W (zeros skipped; up to 7 passes). seqlab inspect shows the bounds the model trained with (pen_distortion).", valueName: "R,S,W"))
    var penVariants: String?
    @Option(help: "Arithmetic of the LSTM layers' products: fp32, or bf16 (weights and layer inputs rounded to bfloat16, sums in float: faster at batch 1, log-probabilities within a few thousandths of fp32's; docs/DECODING.md).")
    var precision: ProductPrecision = .float32
    @Option(help: "Refuse an utterance whose forward pass would need more memory than this (e.g. 2G; default: the available memory).")
    var maxMemory: String?

    /// The beam width in use: --beam, or 8.
    var beamWidth: Int { beam ?? 8 }

    /// The inputs these options read, for `refuseStdinTwice`.
    var inputs: [(flag: String, path: String?)] { [("--model", model), ("--lm", lm), ("--lexicon", lexicon)] }

    func validate() throws {
        guard beamWidth >= 1 else { throw ValidationError("--beam must be at least 1") }
        guard nbest >= 1 && nbest <= beamWidth else { throw ValidationError("--nbest must be between 1 and --beam") }
        if let lmUnit, !["word", "token"].contains(lmUnit) { throw ValidationError("--lm-unit is word or token") }
        if lmWeight != nil && lm == nil { throw ValidationError("--lm-weight weighs a language model: give --lm") }
        if lmUnit != nil && lm == nil && wordBonus == nil { throw ValidationError("--lm-unit says what --lm and --word-bonus count: give one of them") }
        if let penVariants { _ = try Self.penTransforms(penVariants) }
        if let maxMemory, MemoryBudget.parse(maxMemory) == nil {
            throw ValidationError("--max-memory takes a size such as 512M or 2G")
        }
        if ctmUnit == .word && format == .text {
            throw ValidationError("--ctm-unit word times words in --format ctm or jsonl; Kaldi text has no times")
        }
        if beamWidth == 1 {
            // An explicit --word-bonus 0 is the default, which best path also applies (it counts nothing).
            let searchOnly = [("--lm", lm != nil), ("--lexicon", lexicon != nil), ("--word-bonus", (wordBonus ?? 0) != 0),
                              ("--lm-unit", lmUnit != nil)].filter(\.1).map(\.0)
            if !searchOnly.isEmpty {
                throw ValidationError("\(searchOnly.joined(separator: ", ")) \(searchOnly.count == 1 ? "acts" : "act") in the beam search, which --beam 1 skips: give --beam 2 or more")
            }
        }
    }

    /// The model and decoder these flags describe; warnings go to stderr as `command`'s.
    func makeLabeller(for command: any ParsableCommand.Type) throws -> Labeller {
        let model = try LabellingModel(contentsOf: self.model)
        // Options the model cannot use are refused before any other file is read.
        if model.task != .ctc && (beam != nil || lm != nil || lmWeight != nil || lexicon != nil || nbest > 1 || wordBonus != nil || lmUnit != nil) {
            throw InputError(file: self.model, "a \(model.task.rawValue) model is read without a search: --beam, --nbest, --lm, --lm-weight, --word-bonus, --lm-unit and --lexicon apply to ctc models only")
        }
        if penVariants != nil {
            guard case .strokes? = model.frontEnd else {
                throw InputError(file: self.model, "--pen-variants distorts pen features, and the model's front end is not a stroke one (seqlab inspect shows it)")
            }
            guard model.task == .ctc || model.task == .framewise else {
                throw InputError(file: self.model, "--pen-variants averages per-frame posteriors, which a \(model.task.rawValue) model does not have")
            }
        }
        var options = BeamSearchOptions(beamWidth: beamWidth, nBest: nbest)
        if let lmWeight { options.lmWeight = lmWeight }
        if let wordBonus { options.wordBonus = wordBonus }
        options.lmLevel = lmUnit == "token" ? .token : .word
        let languageModel = try lm.map { try NGramModel(path: $0) }
        let words = try lexicon.map { path -> [String] in
            guard let text = String(data: try readWholeFile(path), encoding: .utf8) else { throw InputError(file: path, "the lexicon is not UTF-8 text") }
            return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var labeller = Labeller(model: model, bestPath: beamWidth == 1, options: options, languageModel: languageModel, lexicon: words)
        if let penVariants { labeller.penTransforms = try Self.penTransforms(penVariants) }
        guard labeller.usePrecision(precision) else {
            throw InputError(file: self.model, "--precision \(precision.rawValue) is for LSTM networks; this model is \(model.network.describedArchitecture), which runs in fp32")
        }
        if precision == .bfloat16 && !BFloat16Matrix.vectorised {
            command.printWarning("this CPU has neither AVX2 nor AVX-512; --precision bf16 runs in portable C, slower than fp32")
        }
        labeller.maxForwardBytes = maxMemory.flatMap(MemoryBudget.parse) ?? MemoryBudget.available()
        if let lm, let coverage = labeller.decoder.languageModelCoverage {
            checkLanguageModel(coverage, path: lm, command: command)
        }
        if let lexicon, let words {
            try checkLexicon(words, unspellable: labeller.decoder.unspellableLexiconWords, path: lexicon, model: model, command: command)
        }
        return labeller
    }

    /// A language model that knows none of the units the model outputs scores every one as `<unk>`,
    /// and one that knows only some scores the rest so: one warning line either way. A character
    /// LM read as a word LM (its words single characters) is named as such.
    private func checkLanguageModel(_ coverage: LanguageModelCoverage, path: String, command: any ParsableCommand.Type) {
        let lmWords = "(\(keyList(coverage.vocabulary, shown: 3)))"
        switch coverage.units {
        case .tokens, .wordTokens:
            let unit = coverage.units == .tokens ? "token" : "word"
            let total = coverage.known.count + coverage.missing.count
            if coverage.known.isEmpty {
                command.printWarning("\(path): none of the model's \(grouped(total)) \(unit)s is in the LM's vocabulary \(lmWords): every \(unit) scores as <unk>")
            } else if !coverage.missing.isEmpty {
                command.printWarning("\(path): \(grouped(coverage.missing.count)) of the model's \(grouped(total)) \(unit)s are not in the LM's vocabulary (\(keyList(coverage.missing, shown: 3))): they score as <unk>")
            }
        case .spelledWords:
            if coverage.known.isEmpty {
                command.printWarning("\(path): none of the LM's \(grouped(coverage.vocabulary.count)) words can be spelled with the model's alphabet \(lmWords): every word scores as <unk>")
            } else if coverage.characterVocabulary {
                command.printWarning("\(path): the LM's \(grouped(coverage.vocabulary.count)) words are single characters \(lmWords), as in a character LM: read as words (--lm-unit word), every word longer than one character scores as <unk>; give --lm-unit token")
            }
        }
    }

    /// An empty lexicon, or one none of whose words the model can output, would turn every
    /// hypothesis empty: refused. Words it cannot output among others: one warning line.
    private func checkLexicon(_ words: [String], unspellable: [String], path: String, model: LabellingModel,
                              command: any ParsableCommand.Type) throws {
        guard !words.isEmpty else { throw InputError(file: path, "no words (expected one word a line)") }
        let spaced = words.filter { $0.contains(where: \.isWhitespace) }
        if !spaced.isEmpty {
            command.printWarning("\(path): \(grouped(spaced.count)) line(s) hold spaces (\(keyList(spaced.map { "\"\($0)\"" }, shown: 3))): a lexicon line is one word, spaces and all, so such a line can never be output whole")
        }
        let wordTokens = model.tokenUnit == .words
        let what = wordTokens
            ? "the model's tokens are words (\(keyList(Array(model.alphabet.tokens), shown: 10))), and a lexicon lists which of them may be output"
            : "they cannot be spelled with the model's alphabet"
        if unspellable.count == words.count {
            throw InputError(file: path, "none of its \(grouped(words.count)) word(s) can be output (\(keyList(unspellable, shown: 3))): \(what)")
        }
        if !unspellable.isEmpty {
            command.printWarning("\(path): \(grouped(unspellable.count)) of its \(grouped(words.count)) words can never be output (\(keyList(unspellable, shown: 3))): \(what)")
        }
    }

    /// The transforms of --pen-variants R,S,W (`PenDistortion.testTimeVariants`).
    static func penTransforms(_ text: String) throws(ValidationError) -> [PenTransform] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let r = parts[0], let s = parts[1], let w = parts[2] else {
            throw ValidationError("--pen-variants takes three numbers R,S,W (rotation in degrees, slant, relative width), e.g. 5,0.25,0.1; got \"\(text)\"")
        }
        let bounds = PenDistortion(rotationDegrees: r, slant: s, scale: w)
        do { try bounds.validate(names: ("rotation", "slant", "width"), file: "--pen-variants") } catch {
            throw ValidationError(error.description)
        }
        return bounds.testTimeVariants
    }

    /// The options that decide what is written, as (flag, value) pairs with defaults filled in:
    /// a resumed run must be given the same ones (`ResumableOutput`).
    var outputSettings: [(name: String, value: String)] {
        [("--model", model), ("--beam", String(beamWidth)), ("--nbest", String(nbest)), ("--lm", lm ?? "(none)"),
         ("--lm-weight", lmWeight.map { "\($0)" } ?? "(default)"), ("--word-bonus", wordBonus.map { "\($0)" } ?? "(default)"),
         ("--lm-unit", lmUnit ?? "word"), ("--lexicon", lexicon ?? "(none)"), ("--format", format.rawValue),
         ("--ctm-unit", ctmUnit.rawValue), ("--pen-variants", penVariants ?? "(none)"), ("--precision", precision.rawValue)]
    }

    func writer(for labeller: Labeller) -> HypothesisWriter {
        HypothesisWriter(format: format, tokenUnit: labeller.model.tokenUnit, frameShift: labeller.model.frameShiftSeconds,
                         timingUnit: ctmUnit)
    }
}
