// SequenceBatch: variable-length sequences padded into one time-major (T·B) × D buffer, with their lengths.
import Tensors

/// A minibatch of B sequences of D-dimensional frames, padded to the longest length T.
///
/// Layout (docs/MODEL.md): time-major, frame t of sequence b is row `t·B + b` of the
/// (T·B) × D array `frames`. Rows with t ≥ lengths[b] are padding; they are zero here,
/// networks ignore them, and they get zero gradient. The time-major layout makes all the
/// frames of one time step a contiguous B × D block (one gemm per step for the recurrent
/// part) and all frames of the batch one (T·B) × D block (one gemm for the input projection).
public struct SequenceBatch<S: NetworkScalar>: Sendable {
    /// T, the longest sequence length.
    public let maxLength: Int
    /// B, the number of sequences.
    public let batchSize: Int
    /// D, the frame dimension.
    public let dimension: Int
    /// lengths[b] ≤ T: the number of real frames of sequence b.
    public let lengths: [Int]
    /// (T·B) × D, row t·B + b = frame t of sequence b.
    public var frames: Array2D<S>

    /// Pads `sequences` (each length_b × D, same D) into a batch.
    @_specialize(where S == Float)
    public init(sequences: [Array2D<S>]) {
        let d = sequences.first?.cols ?? 0
        precondition(sequences.allSatisfy { $0.cols == d }, "SequenceBatch: sequences differ in dimension")
        let t = sequences.map(\.rows).max() ?? 0, b = sequences.count
        var frames = Array2D<S>(rows: t * b, cols: d)
        frames.data.withUnsafeMutableBufferPointer { out in
            for (j, s) in sequences.enumerated() {
                s.data.withUnsafeBufferPointer { row in
                    for r in 0..<s.rows {
                        (out.baseAddress! + (r * b + j) * d).update(from: row.baseAddress! + r * d, count: d)
                    }
                }
            }
        }
        self.init(frames: frames, lengths: sequences.map(\.rows))
    }

    /// A batch over an existing time-major (T·B) × D buffer; T is max(lengths).
    public init(frames: Array2D<S>, lengths: [Int]) {
        let b = lengths.count, t = lengths.max() ?? 0
        precondition(frames.rows == t * b, "SequenceBatch: \(frames.rows) rows, expected T·B = \(t)·\(b)")
        precondition(lengths.allSatisfy { $0 >= 0 }, "SequenceBatch: negative length")
        maxLength = t
        batchSize = b
        dimension = frames.cols
        self.lengths = lengths
        self.frames = frames
    }

    /// Whether frame t of sequence b is real (not padding).
    @inlinable public func isActive(time t: Int, sequence b: Int) -> Bool { t < lengths[b] }

    /// Sequence b's real rows (lengths[b] × cols) out of a time-major (T·B) × cols array.
    @_specialize(where S == Float)
    public func unpad(_ array: Array2D<S>, sequence b: Int) -> Array2D<S> {
        precondition(array.rows == maxLength * batchSize, "unpad: array has \(array.rows) rows, batch has T·B = \(maxLength * batchSize)")
        let cols = array.cols, rows = lengths[b], batchSize = batchSize
        var out = Array2D<S>(rows: rows, cols: cols)
        out.data.withUnsafeMutableBufferPointer { o in
            array.data.withUnsafeBufferPointer { a in
                for t in 0..<rows {
                    (o.baseAddress! + t * cols).update(from: a.baseAddress! + (t * batchSize + b) * cols, count: cols)
                }
            }
        }
        return out
    }

    /// Pads per-sequence arrays (lengths[b] × cols) into one time-major (T·B) × cols array.
    @_specialize(where S == Float)
    public func pad(_ perSequence: [Array2D<S>]) -> Array2D<S> {
        precondition(perSequence.count == batchSize, "pad: \(perSequence.count) arrays for \(batchSize) sequences")
        let cols = perSequence.first?.cols ?? 0
        var out = Array2D<S>(rows: maxLength * batchSize, cols: cols)
        for (b, a) in perSequence.enumerated() {
            precondition(a.rows == lengths[b] && a.cols == cols, "pad: sequence \(b) is \(a.rows)×\(a.cols), expected \(lengths[b])×\(cols)")
            for t in 0..<a.rows {
                for c in 0..<cols { out.data[(t * batchSize + b) * cols + c] = a.data[t * cols + c] }
            }
        }
        return out
    }
}

extension SequenceBatch where S == Float {
    /// Pads feature matrices (each T_b × D, e.g. one per utterance from an ark) into a batch.
    public init(matrices: [Matrix]) { self.init(sequences: matrices.map { Array2D($0) }) }
}

/// A heap buffer of `count` scalars, zero-initialised, for activations kept between forward
/// and backward (no copy-on-write checks in the hot loops).
final class ScratchBuffer<S: NetworkScalar>: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<S>

    /// `count` elements, zero unless `zeroed` is false (for buffers the caller overwrites whole).
    /// Malloc's alignment: 64-byte alignment (tried, so that the halves of a split recurrence never
    /// share a cache line) changed no timing and raised a 2×256 benchmark's peak RSS from 300 to 407 MB.
    init(count: Int, zeroed: Bool = true) {
        self.count = count
        pointer = UnsafeMutablePointer<S>.allocate(capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: max(count, 1)) }
    }

    deinit { pointer.deallocate() }

    func zero() { pointer.update(repeating: 0, count: count) }

    func array(rows: Int, cols: Int) -> Array2D<S> {
        Array2D(rows: rows, cols: cols, data: Array(UnsafeBufferPointer(start: pointer, count: rows * cols)))
    }
}
