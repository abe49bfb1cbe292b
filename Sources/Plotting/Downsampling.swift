// Downsampling: averages consecutive rows (frames) of a matrix so wide plots stay small; plot errors.
import Tensors

/// Why a plot could not be drawn: empty or non-finite input, inconsistent sizes.
public struct PlotError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The bins of `count` items split into at most `maxBins` consecutive groups of near-equal size:
/// bin j holds items ⌊j·count/bins⌋ ..< ⌊(j+1)·count/bins⌋ (every item in exactly one bin).
public func frameBins(count: Int, maxBins: Int) -> [Range<Int>] {
    guard count > 0 else { return [] }
    let bins = min(count, max(maxBins, 1))
    return (0..<bins).map { j in (j * count / bins)..<((j + 1) * count / bins) }
}

/// `matrix` (T × D) with its rows averaged in groups so that at most `maxRows` remain
/// (`frameBins`); unchanged when T ≤ maxRows. Each output row is the mean of its bin's rows.
public func averagingRows(_ matrix: Matrix, maxRows: Int) -> Matrix {
    guard matrix.rows > maxRows, maxRows > 0 else { return matrix }
    let bins = frameBins(count: matrix.rows, maxBins: maxRows)
    var out = Matrix(rows: bins.count, cols: matrix.cols)
    for (j, bin) in bins.enumerated() {
        var sums = [Double](repeating: 0, count: matrix.cols)
        for t in bin {
            for d in 0..<matrix.cols { sums[d] += Double(matrix[t, d]) }
        }
        for d in 0..<matrix.cols { out[j, d] = Float(sums[d] / Double(bin.count)) }
    }
    return out
}

/// Checks that a matrix has rows, columns and only finite values.
func checkPlottable(_ matrix: Matrix, what: String) throws {
    guard matrix.rows > 0 else { throw PlotError("\(what) has no frames") }
    guard matrix.cols > 0 else { throw PlotError("\(what) has no dimensions") }
    if let (r, c) = matrix.firstNonFinite {
        throw PlotError("\(what) has a non-finite value at frame \(r), dimension \(c)")
    }
}
