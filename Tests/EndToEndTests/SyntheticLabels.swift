// A tiny seeded labelling task written as a Kaldi archive and text, for tests that train small models through the binary.
import Foundation
import Formats
import Tensors

/// 12 utterances over labels a, b, c: each label 4–7 noisy one-hot frames (dimension `dimension`,
/// the fourth marking silence), 1–3 silence frames after each. Written to `dir`/feats.ark and
/// `dir`/text (word tokens); returns their paths and the matrices.
func writeLabelTask(in dir: URL, seed: UInt64 = 31, dimension: Int = 4) throws -> (feats: String, text: String, matrices: [(String, Matrix)]) {
    var g = SeededGenerator(seed: seed)
    var matrices: [(String, Matrix)] = [], text = ""
    for u in 0..<12 {
        let labels = (0..<(2 + Int(g.next() % 3))).map { _ in Int(g.next() % 3) }
        var rows: [[Float]] = []
        func frame(_ c: Int) -> [Float] { (0..<dimension).map { Float($0 == c ? 1 : 0) + Float(0.2 * g.normal()) } }
        for l in labels {
            for _ in 0..<(4 + Int(g.next() % 4)) { rows.append(frame(l)) }
            for _ in 0..<(1 + Int(g.next() % 3)) { rows.append(frame(3)) }
        }
        let key = String(format: "u%02d", u)
        matrices.append((key, Matrix(rows)))
        text += "\(key) \(labels.map { ["a", "b", "c"][$0] }.joined(separator: " "))\n"
    }
    let feats = dir.appendingPathComponent("feats.ark").path, textPath = dir.appendingPathComponent("text").path
    try writeFeatureArchive(matrices, to: feats)
    try text.write(toFile: textPath, atomically: true, encoding: .utf8)
    return (feats, textPath, matrices)
}

/// Writes keyed matrices as a Kaldi archive.
func writeFeatureArchive(_ records: [(String, Matrix)], to path: String, mode: KaldiArchiveMode = .binary) throws {
    let writer = try KaldiArchiveWriter(path: path, mode: mode)
    for (k, m) in records { try writer.write(key: k, matrix: m) }
    try writer.close()
}
