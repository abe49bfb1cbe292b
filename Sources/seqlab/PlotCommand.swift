// seqlab plot: SVG pictures of features, posteriors with their alignment, and training curves.
import ArgumentParser
import Features
import Formats
import Foundation
import Labelling
import Plotting
import Tensors

/// `seqlab plot …`: one subcommand per kind of picture; each writes one SVG file.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw features, posteriors with their alignment, ink, training and learning curves as SVG.",
        discussion: """
        Each subcommand writes one SVG file (-o, default stdout). Examples:
          seqlab plot features train.ark --key utt7 -o utt7.svg
          seqlab plot posteriors -m models/digits.safetensors \\
            data/samples/sample01_41918.wav -o s01.svg
          seqlab plot training train-log.jsonl -o curves.svg
          seqlab plot audio data/samples/sample03_347.wav --config models/digits.conf \\
            -o fbank.svg
          seqlab plot ink ../shared/data/pendigits/pendigits-orig.tra --count 12 \\
            -o digits.svg
          seqlab plot learning qlearning.tsv sarsa.tsv --smooth 10 -o cliff.svg
        """,
        subcommands: [PlotFeatures.self, PlotPosteriors.self, PlotTraining.self, PlotAudio.self, PlotInk.self, PlotLearning.self])
}

/// Options every plot subcommand shares.
struct PlotOutputOptions: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: "Output SVG file ('-' for stdout).", completion: .file())
    var output = "-"
    @Option(help: "Title of the picture (default: the input's name).")
    var title: String?

    /// Writes the SVG text to the output, refusing (exit status 64) an output that is one of `inputs`.
    func write(_ svg: String, inputs: [String?]) throws {
        try Plot.refuseReplacingInputs(outputs: [("-o", output)], inputs: inputs)
        if output == "-" { try writeOut(svg) } else { try AtomicFile.write(Array(svg.utf8), to: output) }
    }
}

/// Runs `body` in `command.reportingErrors`, a plot error read as an input error of `file` (and `place`):
/// one line on stderr, "seqlab plot <subcommand>: FILE: PLACE: MESSAGE", and exit status 1.
private func reportingPlotErrors<Command: ParsableCommand>(_ command: Command.Type, file: String, place: String? = nil,
                                                          _ body: () throws -> Void) throws {
    try command.reportingErrors {
        do { try body() } catch let error as PlotError { throw InputError(file: file, place: place, error.message) }
    }
}

/// The utterance `key` of a Kaldi archive, or its first utterance.
private func readUtterance(_ path: String, key: String?) throws -> KaldiRecord {
    let reader = try KaldiArchiveReader(path: path)
    let name = path == "-" ? "stdin" : path
    while let record = try reader.next() {
        if key == nil || record.key == key { return record }
    }
    if let key { throw InputError(file: name, place: key, "no utterance with this key in the archive") }
    throw InputError(file: name, "the archive holds no utterance")
}

/// Refuses a stroke file (UNIPEN, IAM-OnDB XML, known by content) or an audio file given where a
/// feature archive is expected, naming what it holds and which commands take it, rather than
/// failing at the byte where the archive reader gives up.
private func refuseRawInput(_ path: String) throws {
    guard path != "-", try FileKind.detect(path: path) == .unknown,
          let head = FileHandle(forReadingAtPath: path)?.readData(ofLength: 65_536) else { return }
    if let audio = audioFormat(startingWith: head) {
        throw InputError(file: path, "holds \(audio) audio, not features; plot audio draws its features through a front end, extract audio makes an archive of them")
    }
    if let format = inkFormat(byContent: head) {
        throw InputError(file: path, "holds pen strokes (\(format.name)), not features; plot ink draws it, extract strokes makes features")
    }
}

/// `seqlab plot features`: one utterance of a feature archive as a heat map.
struct PlotFeatures: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "A heat map of one utterance's features (frames along x, dimensions up y).")

    @Argument(help: "Kaldi archive or rspecifier ('-' for stdin).", completion: .file()) var archive = "-"
    @Option(help: "The utterance to draw (default: the first).") var key: String?
    @Option(help: "Frame shift in ms, for a time axis in seconds (default: frames).") var frameShift: Double?
    @OptionGroup var output: PlotOutputOptions

    func validate() throws {
        if let frameShift, !(frameShift > 0) { throw ValidationError("--frame-shift must be positive") }
    }

    func run() throws {
        let name = archive == "-" ? "stdin" : archive
        try reportingPlotErrors(Self.self, file: name, place: key) {
            try refuseRawInput(archive)
            let record = try readUtterance(archive, key: key)
            // A matrix that cannot be drawn is named by its utterance, with or without --key.
            let svg: String
            do {
                svg = try heatMapSVG(matrix: record.matrix, frameShift: frameShift.map { $0 / 1000 },
                                     title: output.title ?? "\(record.key): features", yLabel: "dimension")
            } catch let error as PlotError { throw InputError(file: name, place: record.key, error.message) }
            try output.write(svg, inputs: SameFile.files(readBy: archive))
        }
    }
}

/// `seqlab plot posteriors`: a model's per-frame posteriors, decoded tokens and their frames.
struct PlotPosteriors: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posteriors",
        abstract: "A model's per-frame label posteriors for one utterance, with the best-path tokens at their frames.",
        discussion: """
        Runs the model on the utterance's features and decodes them by best path (each
        token's span is its run of frames). The input is a feature archive, or a raw
        file (audio, pen strokes) that goes through the model's own front end. The
        features are drawn above the posteriors unless --no-features. Samples a stroke
        file rejects are reported on stderr and left out; the exit status is then 1.
        """)

    @Option(name: [.short, .customLong("model")], help: "A seqlab model (safetensors).", completion: .file()) var model: String
    @Argument(help: "Kaldi archive of features ('-' for stdin), or an audio or pen-stroke file.", completion: .file()) var input = "-"
    @Option(help: "The utterance to draw (default: the first).") var key: String?
    @Flag(help: "Leave out the feature heat map.") var noFeatures = false
    @Option(name: .customLong("include-root"), help: "Root folder of UNIPEN .INCLUDE paths (a stroke file as input).", completion: .directory) var includeRoot: String?
    @OptionGroup var output: PlotOutputOptions

    func validate() throws {
        try refuseStdinTwice([("--model", model), ("the input", input)])
    }

    func run() throws {
        let name = input == "-" ? "stdin" : input
        var rejected = 0
        let labelling = try Self.reportingErrors { () throws -> LabellingModel in
            let m = try LabellingModel(contentsOf: model)
            guard m.task.classifies else { throw InputError(file: model, "a predict model outputs frames, not posteriors") }
            return m
        }
        let labeller = Labeller(model: labelling, bestPath: true)
        try reportingPlotErrors(Self.self, file: name, place: key) {
            let record: KaldiRecord
            var included: [String] = []
            // Empty, a file is neither an archive nor a raw input: said as such, not as either reader's failure.
            if input != "-", (try? FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) == 0 {
                throw InputError(file: name, "the file is empty; expected a Kaldi archive, or an audio or pen-stroke file")
            }
            if try FileKind.detect(path: input) == .kaldiArchive {
                record = try readUtterance(input, key: key)
            } else {
                let stem = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
                let read = try labeller.features(ofFile: input, key: stem, includeRoot: includeRoot)
                for note in read.warnings { Self.printWarning("\(note)") }
                for note in read.rejected { Self.printMessage("\(note)") }
                rejected = read.rejected.count
                included = read.included
                guard let u = read.utterances.first(where: { key == nil || $0.key == key }) else {
                    // Without --key, every sample was rejected and each has had its line.
                    if key == nil { throw ExitCode.failure }
                    throw InputError(file: name, place: key, "no utterance with this key in the file")
                }
                record = KaldiRecord(key: u.key, matrix: u.features)
            }
            try labeller.check(record.matrix, key: record.key, file: name)
            let logProbs = labeller.logProbabilities(record.matrix)
            // CTC: the best path; sequence and framewise models: their own answer (TaskOutputs).
            guard let best = labelling.task == .ctc ? try labeller.decode(logProbabilities: logProbs).first
                                                    : try labeller.labels(record.matrix, key: record.key, file: name).first else {
                throw InputError(file: name, place: record.key, "the decoder gave no hypothesis")
            }
            let spans = best.tokens.indices.map {
                TokenSpan(label: best.tokens[$0], start: best.tokenStartFrames[$0], end: best.tokenEndFrames[$0])
            }
            let svg = try posteriorsSVG(logProbs: logProbs, alphabet: labelling.alphabet.symbols, blank: Alphabet.blank,
                                        spans: spans, frameShift: labelling.frameShiftSeconds,
                                        features: noFeatures ? nil : record.matrix,
                                        title: output.title ?? "\(record.key): posteriors of \(URL(fileURLWithPath: model).lastPathComponent)")
            try output.write(svg, inputs: SameFile.files(readBy: input) + [model] + included)
        }
        if rejected > 0 { throw ExitCode.failure }
    }
}

/// `seqlab plot training`: the curves of a `seqlab train --log` file.
struct PlotTraining: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training",
        abstract: "Training curves from a `seqlab train --log` file: losses, validation error rate, learning rate.")

    @Argument(help: "The JSON-lines log ('-' for stdin).", completion: .file()) var log = "-"
    @Flag(help: "Draw the losses on a log scale.") var logScale = false
    @OptionGroup var output: PlotOutputOptions

    func run() throws {
        let name = log == "-" ? "stdin" : log
        try reportingPlotErrors(Self.self, file: name) {
            let entries = try TrainingLogEntry.read(path: log)
            if let warning = TrainingLogEntry.restartWarning(entries, file: name) { Self.printWarning(warning + "; the curves join them") }
            let svg = try trainingCurvesSVG(entries, title: output.title ?? "training: \(URL(fileURLWithPath: name).lastPathComponent)",
                                            logLoss: logScale)
            try output.write(svg, inputs: [log])
        }
    }
}

/// `seqlab plot audio`: the features of an audio file through a front-end config, as a heat map.
struct PlotAudio: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "A spectrogram (or fbank/MFCC) heat map of an audio file through a front-end config.")

    @Argument(help: "An audio file libsndfile reads.", completion: .file()) var file: String
    @Option(help: "A Kaldi-style front-end config (--name=value lines); default: 16 kHz fbank.", completion: .file()) var config: String?
    @OptionGroup var output: PlotOutputOptions

    func validate() throws {
        try refuseStdinTwice([("the audio file", file), ("--config", config)])
    }

    func run() throws {
        try reportingPlotErrors(Self.self, file: file) {
            let frontEnd = try config.map { try FrontendConfig(configFile: $0) } ?? FrontendConfig(featureType: .fbank)
            try frontEnd.validate(file: config ?? "<default config>")
            let features = try FeatureExtractor(config: frontEnd).features(file: file)
            let svg = try heatMapSVG(matrix: features, frameShift: frontEnd.frameShift / 1000,
                                     title: output.title ?? "\(URL(fileURLWithPath: file).lastPathComponent): \(frontEnd.featureType.rawValue)",
                                     yLabel: frontEnd.featureType == .mfcc ? "cepstral coefficient" : "\(frontEnd.featureType.rawValue) bin")
            try output.write(svg, inputs: [file, config])
        }
    }
}

/// `seqlab plot ink`: the pen trajectories of labelled samples of a stroke file.
struct PlotInk: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ink",
        abstract: "The pen strokes of labelled samples (UNIPEN, IAM-OnDB, pen text), one panel each.",
        discussion: """
          seqlab plot ink ../shared/data/pendigits/pendigits-orig.tra --count 12 \\
            -o digits.svg
        Samples a file rejects are reported on stderr and left out; the exit status is
        then 1.
        """)

    @Argument(help: "A stroke file.", completion: .file()) var file: String
    @Option(help: "Draw only the sample with this id.") var key: String?
    @Option(help: "Draw at most this many samples (from the first).") var count = 8
    @Option(help: "Panels per row.") var columns = 4
    @Option(help: "Root folder of UNIPEN .INCLUDE paths.", completion: .directory) var includeRoot: String?
    @OptionGroup var output: PlotOutputOptions

    func validate() throws {
        if count < 1 { throw ValidationError("--count must be at least 1") }
        if columns < 1 { throw ValidationError("--columns must be at least 1") }
    }

    func run() throws {
        var rejected = 0
        try reportingPlotErrors(Self.self, file: file, place: key) {
            let read = try readInkSamples(path: file, includeRoot: includeRoot)
            for note in read.warnings { Self.printWarning("\(note)") }
            for note in read.rejected { Self.printMessage("\(note)") }
            rejected = read.rejected.count
            let chosen = read.samples.filter { key == nil || $0.id == key }.prefix(key == nil ? count : 1)
            if chosen.isEmpty {
                throw InputError(file: file, place: key, key == nil ? "no readable ink samples" : "no sample with this id")
            }
            let drawings = chosen.map { sample in
                InkDrawing(id: sample.id, label: sample.label, strokes: sample.strokes.map { $0.points.map { (x: $0.x, y: $0.y) } },
                           yPointsUp: sample.yPointsUp)
            }
            try output.write(try inkSVG(drawings, columns: columns, title: output.title ?? URL(fileURLWithPath: file).lastPathComponent),
                             inputs: [file] + read.included)
        }
        if rejected > 0 { throw ExitCode.failure }
    }
}

/// `seqlab plot learning`: grid-world learning curves of one or more runs, overlaid.
struct PlotLearning: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learning",
        abstract: "Grid-world learning curves (`seqlab grid learn --curve`, TSV or JSON lines): return and steps per episode.",
        discussion: """
        Each file is one line of the plot, named after the file:
          seqlab grid learn data/grids/cliff-walking.grid --algorithm qlearning \\
            --runs 20 --curve qlearning.tsv
          seqlab grid learn data/grids/cliff-walking.grid --algorithm sarsa \\
            --runs 20 --curve sarsa.tsv
          seqlab plot learning qlearning.tsv sarsa.tsv --smooth 10 \\
            --return-range=-100,0 -o cliff.svg
        """)

    @Argument(help: "Curve files ('-' for one on stdin).", completion: .file()) var curves: [String]
    @Option(help: "Average each point with the episodes before it, this many in all (1 = raw).") var smooth = 1
    @Option(help: "Return axis range LOW,HIGH (e.g. -100,0); default: the data's.") var returnRange: String?
    @OptionGroup var output: PlotOutputOptions

    /// The parsed --return-range.
    var range: ClosedRange<Double>? {
        get throws {
            guard let returnRange else { return nil }
            let parts = returnRange.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo < hi else {
                throw ValidationError("--return-range needs LOW,HIGH with LOW < HIGH, got \"\(returnRange)\"")
            }
            return lo...hi
        }
    }

    func validate() throws {
        if curves.isEmpty { throw ValidationError("give at least one curve file") }
        if smooth < 1 { throw ValidationError("--smooth must be at least 1") }
        _ = try range
    }

    func run() throws {
        try reportingPlotErrors(Self.self, file: curves.joined(separator: ", ")) {
            let named = try curves.map { path in
                (name: path == "-" ? "stdin" : URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                 curve: try LearningCurveData.read(path: path))
            }
            try output.write(try learningCurvesSVG(named, smoothing: smooth, returnRange: try range,
                                                   title: output.title ?? "learning curves"), inputs: curves)
        }
    }
}
