// esn-classify: an echo state network as a sequence classifier on Kaldi feature archives, with accuracy.
//
// Usage: esn-classify --train-feats ARK --train-text TEXT --test-feats ARK --test-text TEXT
//                     [--reservoir 400] [--spectral-radius 0.9] [--input-scale 1] [--bias-scale 0.5]
//                     [--leak-rate 0.3] [--connectivity 0.05] [--ridge 1e-3] [--washout 0] [--seed 1]
//                     [--batch 64] [-o MODEL.safetensors]
// The two archives may be one file: a record is used where its key has a line in that TEXT.
// Each TEXT line is `key class` (one token: the sequence's class, e.g. a digit); the classes are
// the training text's distinct tokens in sorted order. The readout is fitted by ridge regression
// to the class at every frame after --washout (EchoStateClassifier) and each test sequence gets the
// class of its output averaged over those frames (its last frame when it is no longer than the
// washout). Prints the test accuracy and per-class accuracies to stdout, progress to stderr; -o
// saves the network (safetensors, metadata `seqlab.classes`). Exit 1 on bad input; a record with no
// frames or a NaN or infinite feature is named on stderr and left out, and the exit status is then 1.
import Foundation
import Formats
import Networks
import Tensors

func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("esn-classify: \(message)\n".utf8))
    exit(status)
}
func log(_ message: String) { FileHandle.standardError.write(Data("\(message)\n".utf8)) }

var paths: [String: String] = [:]
var configuration = EchoStateConfiguration(inputSize: 1, reservoirSize: 400, outputSize: 1, spectralRadius: 0.9, inputScale: 1,
                                           biasScale: 0.5, leakRate: 0.3, connectivity: 0.05, ridge: 1e-3, washout: 0, seed: 1)
var batchSize = 64
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    guard let value = arguments.first else { fail("\(flag) needs a value") }
    arguments.removeFirst()
    func number() -> Double {
        guard let v = Double(value), v.isFinite else { fail("\(flag): expected a number, got \(value)") }
        return v
    }
    func count() -> Int {
        guard let v = Int(value), v >= 0 else { fail("\(flag): expected a count ≥ 0, got \(value)") }
        return v
    }
    switch flag {
    case "--train-feats", "--train-text", "--test-feats", "--test-text", "-o": paths[flag] = value
    case "--reservoir": configuration.reservoirSize = count()
    case "--spectral-radius": configuration.spectralRadius = number()
    case "--input-scale": configuration.inputScale = number()
    case "--bias-scale": configuration.biasScale = number()
    case "--leak-rate": configuration.leakRate = number()
    case "--connectivity": configuration.connectivity = number()
    case "--ridge": configuration.ridge = number()
    case "--washout": configuration.washout = count()
    case "--seed": configuration.seed = UInt64(count())
    case "--batch": batchSize = max(1, count())
    default: fail("unknown flag \(flag)")
    }
}
for required in ["--train-feats", "--train-text", "--test-feats", "--test-text"] where paths[required] == nil {
    fail("\(required) is required")
}

/// Labelled sequences: the archive's records that have a one-token line in the text, in archive
/// order, except those with no frames or a non-finite feature (named on stderr and counted in
/// `skipped`: the results cover the rest, and the exit status is then 1).
func read(feats: String, text: String) throws -> (sequences: [(key: String, frames: Array2D<Float>, label: String)], skipped: Int) {
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

do {
    let clock = Date()
    let (train, trainSkipped) = try read(feats: paths["--train-feats"]!, text: paths["--train-text"]!)
    let (test, testSkipped) = try read(feats: paths["--test-feats"]!, text: paths["--test-text"]!)
    let skipped = trainSkipped + testSkipped
    guard let first = train.first else { fail("\(paths["--train-feats"]!): no labelled sequences", status: 1) }
    let classes = Array(Set(train.map(\.label))).sorted()
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    configuration.inputSize = first.frames.cols
    configuration.outputSize = classes.count
    for (set, name) in [(train, "--train-feats"), (test, "--test-feats")] {
        if let bad = set.first(where: { $0.frames.cols != configuration.inputSize }) {
            throw InputError(file: paths[name]!, place: bad.key, "\(bad.frames.cols) features per frame, expected \(configuration.inputSize)")
        }
    }
    var classifier = EchoStateClassifier(network: try EchoStateNetwork(configuration))
    for start in stride(from: 0, to: train.count, by: batchSize) {
        let part = train[start..<min(train.count, start + batchSize)]
        classifier.add(SequenceBatch(sequences: part.map(\.frames)), labels: part.map { index[$0.label]! })
    }
    let residual = try classifier.fit()
    log("fitted on \(train.count) sequences, \(classifier.frameCount) frames, \(classes.count) classes (residual \(String(format: "%.1e", residual)), \(String(format: "%.1f", Date().timeIntervalSince(clock))) s)")
    var right = [Int](repeating: 0, count: classes.count), total = [Int](repeating: 0, count: classes.count), unknown = 0
    for start in stride(from: 0, to: test.count, by: batchSize) {
        let part = Array(test[start..<min(test.count, start + batchSize)])
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
    if let model = paths["-o"] {
        try classifier.network.save(to: model, metadata: ["seqlab.classes": classes.joined(separator: " ")])
        log("wrote \(model)")
    }
    if skipped > 0 {
        log("\(skipped) sequence(s) were skipped (see above): the results leave them out")
        exit(1)
    }
} catch {
    fail("\(error)", status: 1)
}
