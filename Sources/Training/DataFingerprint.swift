// DataFingerprint: what a training run trained and validated on, kept in its checkpoints so that a resume on other data is refused.
import Tensors

/// A summary of a corpus that `train --resume` compares with the data it is given: the number of
/// utterances and frames, and a 64-bit FNV-1a hash over every utterance in order (its key, its
/// frame and feature counts, its label indices and the bit patterns of its features). Resuming
/// reaches the bytes of an uninterrupted run only on the same data in the same order, so a
/// checkpoint holds one fingerprint for the training utterances and one for the validation ones
/// (which also tells a validation split by `--valid-fraction` from `--valid-feats`).
public struct DataFingerprint: Sendable, Codable, Equatable, CustomStringConvertible {
    public var utterances: Int
    public var frames: Int
    /// The FNV-1a hash as 16 hexadecimal digits (JSON numbers lose bits above 2^53).
    public var hash: String

    public init(_ corpus: Corpus) {
        var h = FNV1a64()
        for u in corpus.utterances {
            h.add(word: UInt64(u.key.utf8.count))
            h.add(utf8: u.key)
            h.add(word: UInt64(u.features.rows))
            h.add(word: UInt64(u.features.cols))
            h.add(word: UInt64(u.labels.count))
            for label in u.labels { h.add(word: UInt64(bitPattern: Int64(label))) }
            u.features.data.withUnsafeBufferPointer { values in
                for v in values { h.add(word: UInt64(v.bitPattern)) }
            }
        }
        utterances = corpus.utterances.count
        frames = corpus.frames
        hash = h.hex
    }

    /// "42482 utterances, 6163392 frames, hash 0123456789abcdef".
    public var description: String {
        "\(utterances) utterance\(utterances == 1 ? "" : "s"), \(frames) frames, hash \(hash)"
    }
}
