// esn-classify: an echo state network as a sequence classifier on Kaldi feature archives, with accuracy.
//
// The flags and what they do are in `esn-classify --help` (the command's discussion below).
// The readout is fitted by ridge regression to the class at every frame after --washout
// (EchoStateClassifier) and each test sequence gets the class of its output averaged over those
// frames (its last frame when it is no longer than the washout). -o saves the network
// (safetensors, metadata `seqlab.classes`). A command line it cannot use: one line on stderr, exit
// status 64; bad input: exit 1.
import ArgumentParser
import UsageErrors
import Foundation
import Formats
import Networks
import Tensors

struct ESNClassify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esn-classify",
        abstract: "Classify the sequences of a Kaldi feature archive with an echo state network; print the test accuracy.",
        discussion: """
        A random reservoir of leaky tanh units (fixed weights, scaled to
        --spectral-radius) runs over every sequence; only its linear readout is
        trained, by one ridge-regression solve to the sequence's class at every frame
        after --washout. Each test sequence gets the class of its readout averaged
        over those frames (its last frame when it is no longer than the washout).
        Each TEXT line is `key class` (one token, e.g. a digit); the classes are the
        training text's distinct tokens in sorted order. A record is used where its
        key has a line in the TEXT, so training and test may be one archive split by
        two texts. Prints the test accuracy and per-class accuracies to stdout,
        progress to stderr. A record with no frames or a NaN or infinite feature is
        named on stderr and left out, and the exit status is then 1 (as on bad
        input; 64 on a command line it cannot use).
        As scripts/esn-pendigits runs it (writers 25–30 held out by their texts):
          esn-classify --train-feats all.ark --train-text train.text \\
            --test-feats all.ark --test-text test.text -o esn.safetensors
        """)

    @Option(help: "Training features: a Kaldi archive or scp.", completion: .file()) var trainFeats: String
    @Option(help: "Training classes: `key class` lines.", completion: .file()) var trainText: String
    @Option(help: "Test features: a Kaldi archive or scp (may be --train-feats).", completion: .file()) var testFeats: String
    @Option(help: "Test classes: `key class` lines.", completion: .file()) var testText: String
    @Option(help: "Reservoir units (1…4096).") var reservoir = 400
    @Option(help: "Spectral radius ρ ≥ 0 the reservoir's weights are scaled to.") var spectralRadius = 0.9
    @Option(help: "Scale ≥ 0 of the input weights (uniform in ±scale).") var inputScale = 1.0
    @Option(help: "Scale ≥ 0 of the reservoir biases (uniform in ±scale).") var biasScale = 0.5
    @Option(help: "Leak rate in (0, 1]: 1 is the plain tanh reservoir, small values a slow one.") var leakRate = 0.3
    @Option(help: "Fraction in (0, 1] of the reservoir's weights that are non-zero.") var connectivity = 0.05
    @Option(help: "Ridge penalty λ ≥ 0 of the readout.") var ridge = 1e-3
    @Option(help: "Frames at the start of every sequence left out of the fit and the averaged readout.") var washout = 0
    @Option(help: "Seed of the reservoir's random weights.") var seed: UInt64 = 1
    @Option(help: "Sequences run through the reservoir at once.") var batch = 64
    @Option(name: [.short, .customLong("output")], help: "Save the network here (safetensors, with its classes).", completion: .file())
    var output: String?

    /// The network's settings; the input and output sizes come from the data.
    var echoState: EchoStateConfiguration {
        EchoStateConfiguration(inputSize: 1, reservoirSize: reservoir, outputSize: 1, spectralRadius: spectralRadius,
                               inputScale: inputScale, biasScale: biasScale, leakRate: leakRate, connectivity: connectivity,
                               ridge: ridge, washout: washout, seed: seed)
    }

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        let flags = ["reservoirSize": "--reservoir", "spectralRadius": "--spectral-radius", "inputScale": "--input-scale",
                     "biasScale": "--bias-scale", "leakRate": "--leak-rate", "connectivity": "--connectivity", "ridge": "--ridge",
                     "washout": "--washout"]
        do { try echoState.validate() } catch let error as InputError {
            throw ValidationError("\(error.place.flatMap { flags[$0] } ?? "the network's settings"): \(error.message)")
        }
    }

    func run() throws {
        let skipped: Int
        do { skipped = try classify() } catch { Self.fail("\(error)") }
        if skipped > 0 { throw ExitCode.failure }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("esn-classify: \(message)\n".utf8))
        Foundation.exit(ExitCode.failure.rawValue)
    }

    static func log(_ message: String) { FileHandle.standardError.write(Data("\(message)\n".utf8)) }

    /// Fits, tests and saves; returns how many sequences were skipped (named on stderr).
    func classify() throws -> Int {
        let clock = Date()
        let (train, trainSkipped) = try Self.read(feats: trainFeats, text: trainText)
        let (test, testSkipped) = try Self.read(feats: testFeats, text: testText)
        let skipped = trainSkipped + testSkipped
        guard let first = train.first else { throw InputError(file: trainFeats, "no labelled sequences") }
        let classes = Array(Set(train.map(\.label))).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var configuration = echoState
        configuration.inputSize = first.frames.cols
        configuration.outputSize = classes.count
        for (set, name) in [(train, trainFeats), (test, testFeats)] {
            if let bad = set.first(where: { $0.frames.cols != configuration.inputSize }) {
                throw InputError(file: name, place: bad.key, "\(bad.frames.cols) features per frame, expected \(configuration.inputSize)")
            }
        }
        var classifier = EchoStateClassifier(network: try EchoStateNetwork(configuration))
        for start in stride(from: 0, to: train.count, by: batch) {
            let part = train[start..<min(train.count, start + batch)]
            classifier.add(SequenceBatch(sequences: part.map(\.frames)), labels: part.map { index[$0.label]! })
        }
        let residual = try classifier.fit()
        Self.log("fitted on \(train.count) sequences, \(classifier.frameCount) frames, \(classes.count) classes (residual \(String(format: "%.1e", residual)), \(String(format: "%.1f", Date().timeIntervalSince(clock))) s)")
        var right = [Int](repeating: 0, count: classes.count), total = [Int](repeating: 0, count: classes.count), unknown = 0
        for start in stride(from: 0, to: test.count, by: batch) {
            let part = Array(test[start..<min(test.count, start + batch)])
            let predicted = classifier.classify(SequenceBatch(sequences: part.map(\.frames)))
            for (item, p) in zip(part, predicted) {
                guard let k = index[item.label] else { unknown += 1; continue }
                total[k] += 1
                if p == k { right[k] += 1 }
            }
        }
        let n = total.reduce(0, +) + unknown
        print("accuracy \(String(format: "%.4f", Double(right.reduce(0, +)) / Double(max(1, n)))) (\(right.reduce(0, +))/\(n) test sequences\(unknown > 0 ? ", \(unknown) of classes unseen in training" : ""))")
        for (k, c) in classes.enumerated() where total[k] > 0 {
            print("class \(c)\t\(String(format: "%.4f", Double(right[k]) / Double(total[k])))\t\(right[k])/\(total[k])")
        }
        if let output {
            try classifier.network.save(to: output, metadata: ["seqlab.classes": classes.joined(separator: " ")])
            Self.log("wrote \(output)")
        }
        if skipped > 0 { Self.log("\(skipped) sequence(s) were skipped (see above): the results leave them out") }
        return skipped
    }

    /// Labelled sequences: the archive's records that have a one-token line in the text, in archive
    /// order, except those with no frames or a non-finite feature (named on stderr and counted in
    /// `skipped`: the results cover the rest, and the exit status is then 1).
    static func read(feats: String, text: String) throws -> (sequences: [(key: String, frames: Array2D<Float>, label: String)], skipped: Int) {
        var labels: [String: String] = [:]
        for entry in try KaldiText.read(path: text) {
            guard entry.tokens.count == 1 else {
                throw InputError(file: text, place: "line \(entry.line)", "expected one class token after the key, got \(entry.tokens.count)")
            }
            labels[entry.key] = entry.tokens[0]
        }
        var out: [(key: String, frames: Array2D<Float>, label: String)] = []
        var unlabelled = 0, skipped = 0
        let reader = try KaldiArchiveReader(path: feats)
        while let record = try reader.next() {
            guard let label = labels[record.key] else { unlabelled += 1; continue }
            guard record.matrix.rows > 0 else { log("\(feats): \(record.key): no frames, skipped"); skipped += 1; continue }
            if let (r, c) = record.matrix.firstNonFinite {
                log("\(feats): \(record.key): non-finite feature at frame \(r), dimension \(c); skipped")
                skipped += 1
                continue
            }
            out.append((record.key, Array2D(record.matrix), label))
        }
        if unlabelled > 0 { log("\(feats): \(unlabelled) records without a line in \(text) left out") }
        if out.count + skipped < labels.count { log("\(text): \(labels.count - out.count - skipped) keys without features in \(feats)") }
        return (out, skipped)
    }
}

ESNClassify.mainReportingUsageOnOneLine(name: "esn-classify")
