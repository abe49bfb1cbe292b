// Array2D: a row-major 2-D buffer generic over the scalar type, the container layers compute on.
import Tensors

/// A dense row-major rows × cols array of `S` (element (r, c) at `data[r * cols + c]`).
///
/// The generic twin of `Tensors.Matrix`: `Array2D<Float>` converts to and from `Matrix`
/// without copying the elements' storage (both are copy-on-write arrays), and
/// `Array2D<Double>` carries the gradient checks.
public struct Array2D<S: NetworkScalar>: Equatable, Sendable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    /// The elements in row-major order; `data.count == rows * cols`.
    public var data: [S]

    /// A rows × cols array filled with `value`.
    public init(rows: Int, cols: Int, repeating value: S = 0) {
        precondition(rows >= 0 && cols >= 0, "Array2D shape must be non-negative, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        data = [S](repeating: value, count: rows * cols)
    }

    /// A rows × cols array over existing row-major `data`.
    public init(rows: Int, cols: Int, data: [S]) {
        precondition(rows >= 0 && cols >= 0 && data.count == rows * cols,
                     "Array2D data has \(data.count) elements, shape \(rows)×\(cols) needs \(rows * cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// An array from nested rows (all of the same length).
    public init(_ nested: [[S]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(rows: nested.count, cols: cols, data: nested.flatMap { $0 })
    }

    /// A rows × cols array of independent uniform samples in [−scale, scale).
    public init(rows: Int, cols: Int, uniformScale scale: Double, rng: inout some RandomNumberGenerator) {
        self.init(rows: rows, cols: cols)
        for i in 0..<data.count { data[i] = S((2 * rng.uniform() - 1) * scale) }
    }

    /// The same values converted to another scalar type.
    public func converted<T: NetworkScalar>(to: T.Type = T.self) -> Array2D<T> {
        Array2D<T>(rows: rows, cols: cols, data: data.map { T($0) })
    }

    @inlinable public subscript(row: Int, col: Int) -> S {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }

    /// Number of elements.
    public var count: Int { data.count }

    /// Sets every element to zero, keeping the shape and storage.
    public mutating func zero() {
        data.withUnsafeMutableBufferPointer { p in p.update(repeating: 0) }
    }

    /// Rows `range` as a new array.
    public func rows(_ range: Range<Int>) -> Array2D {
        Array2D(rows: range.count, cols: cols, data: Array(data[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// op(self)·op(other) as a new array (BLAS).
    public func multiplied(by other: Array2D, transposeSelf: Bool = false, transposeOther: Bool = false) -> Array2D {
        let m = transposeSelf ? cols : rows, k = transposeSelf ? rows : cols
        let k2 = transposeOther ? other.cols : other.rows, n = transposeOther ? other.rows : other.cols
        precondition(k == k2, "matrix product: inner dimensions \(k) and \(k2) differ")
        var out = Array2D(rows: m, cols: n)
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                out.data.withUnsafeMutableBufferPointer { c in
                    S.gemm(transposeSelf ? .transposed : .none, transposeOther ? .transposed : .none,
                           m: m, n: n, k: k, alpha: 1, a.baseAddress!, lda: cols,
                           b.baseAddress!, ldb: other.cols, beta: 0, c.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }

    /// True when every element is finite.
    public var allFinite: Bool { data.allSatisfy { $0.isFinite } }
}

extension Array2D where S == Float {
    /// The same elements as a `Tensors.Matrix` (no element copy).
    public var matrix: Matrix { Matrix(rows: rows, cols: cols, data: data) }

    /// A view of `matrix` as an `Array2D<Float>` (no element copy).
    public init(_ matrix: Matrix) { self.init(rows: matrix.rows, cols: matrix.cols, data: matrix.data) }
}
