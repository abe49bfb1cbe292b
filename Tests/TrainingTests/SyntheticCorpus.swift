// A tiny synthetic labelling task: each label is a prototype frame, separated by "blank" frames.
import Formats
import Tensors
import Training

/// `count` utterances over labels a, b, c: each label is 2–3 noisy copies of its prototype frame,
/// labels separated by 1–2 copies of a silence prototype. Learnable in a few epochs by a tiny LSTM.
func syntheticTask(count: Int, dimension: Int = 5, seed: UInt64 = 3) -> (features: [(String, Matrix)], text: [(key: String, tokens: [String])]) {
    var g = SeededGenerator(seed: seed)
    let prototypes = (0..<4).map { _ in (0..<dimension).map { _ in Float(2 * g.normal()) } }
    var features: [(String, Matrix)] = [], text: [(key: String, tokens: [String])] = []
    for i in 0..<count {
        let n = 1 + Int(g.next() % 3)
        let labels = (0..<n).map { _ in 1 + Int(g.next() % 3) }
        var rows: [[Float]] = []
        for l in labels {
            for _ in 0..<(1 + Int(g.next() % 2)) { rows.append(prototypes[0]) }
            for _ in 0..<(2 + Int(g.next() % 2)) { rows.append(prototypes[l]) }
        }
        rows.append(prototypes[0])
        let noisy = rows.map { $0.map { $0 + Float(0.1 * g.normal()) } }
        let key = "utt\(i)"
        features.append((key, Matrix(noisy)))
        text.append((key, labels.map { ["a", "b", "c"][$0 - 1] }))
    }
    return (features, text)
}

/// Writes the task as a binary archive and a Kaldi text file in `dir`; returns their paths.
func writeSyntheticTask(count: Int, to dir: String, seed: UInt64 = 3) throws -> (feats: String, text: String) {
    let task = syntheticTask(count: count, seed: seed)
    let feats = dir + "/feats.ark", text = dir + "/text"
    let writer = try KaldiArchiveWriter(path: feats)
    for (k, m) in task.features { try writer.write(key: k, matrix: m) }
    try writer.close()
    try KaldiText.write(task.text, to: text)
    return (feats, text)
}
