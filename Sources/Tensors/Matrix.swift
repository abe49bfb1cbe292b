// Matrix: a dense row-major Float matrix, the one numeric container every stage shares.

/// A dense, row-major matrix of `Float` (shape rows × cols).
///
/// Element (r, c) lives at `data[r * cols + c]`. Feature archives hold one `Matrix` per
/// utterance (T × D: frames × dimensions); network weights are matrices too.
public struct Matrix: Equatable, Sendable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    /// The elements in row-major order; `data.count == rows * cols`.
    public var data: [Float]

    /// A rows × cols matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix shape must be non-negative, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = [Float](repeating: value, count: rows * cols)
    }

    /// A rows × cols matrix over existing row-major `data`.
    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(rows >= 0 && cols >= 0 && data.count == rows * cols,
                     "Matrix data has \(data.count) elements, shape \(rows)×\(cols) needs \(rows * cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// A matrix from nested rows (all of the same length).
    public init(_ nested: [[Float]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(rows: nested.count, cols: cols, data: nested.flatMap { $0 })
    }

    @inlinable public subscript(row: Int, col: Int) -> Float {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }

    /// Row `r` as an array.
    public func row(_ r: Int) -> [Float] { Array(data[(r * cols)..<((r + 1) * cols)]) }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, data: Array(data[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// The transpose (cols × rows).
    public func transposed() -> Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for r in 0..<rows { for c in 0..<cols { t.data[c * rows + r] = data[r * cols + c] } }
        return t
    }

    /// Appends the rows of `other` (same number of columns) below these.
    public mutating func appendRows(_ other: Matrix) {
        precondition(other.cols == cols || rows == 0, "appendRows: \(other.cols) columns onto \(cols)")
        if rows == 0 { cols = other.cols }
        data.append(contentsOf: other.data)
        rows += other.rows
    }

    /// True when every element is finite (no NaN, no ±Inf).
    public var allFinite: Bool { data.allSatisfy { $0.isFinite } }

    /// Index (row, col) of the first non-finite element, if any.
    public var firstNonFinite: (row: Int, col: Int)? {
        guard let i = data.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (i / max(cols, 1), i % max(cols, 1))
    }
}
