// Downsampling: reduces consecutive rows (frames) of a matrix (mean, maximum, minimum) so wide plots stay small; plot errors.
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

/// How the frames of one drawn column are reduced to one value.
public enum ColumnReduction: String, Sendable {
    case mean, maximum, minimum
}

/// `matrix` (T × D) with its rows reduced in groups so that at most `maxRows` remain
/// (`frameBins`); unchanged when T ≤ maxRows. Each output row is the mean, maximum or minimum
/// (per dimension) of its bin's rows.
public func reducingRows(_ matrix: Matrix, maxRows: Int, by reduction: ColumnReduction) -> Matrix {
    guard matrix.rows > maxRows, maxRows > 0 else { return matrix }
    let bins = frameBins(count: matrix.rows, maxBins: maxRows)
    var out = Matrix(rows: bins.count, cols: matrix.cols)
    for (j, bin) in bins.enumerated() {
        switch reduction {
        case .mean:
            var sums = [Double](repeating: 0, count: matrix.cols)
            for t in bin {
                for d in 0..<matrix.cols { sums[d] += Double(matrix[t, d]) }
            }
            for d in 0..<matrix.cols { out[j, d] = Float(sums[d] / Double(bin.count)) }
        case .maximum, .minimum:
            for d in 0..<matrix.cols {
                var v = matrix[bin.lowerBound, d]
                for t in bin.dropFirst() { v = reduction == .maximum ? max(v, matrix[t, d]) : min(v, matrix[t, d]) }
                out[j, d] = v
            }
        }
    }
    return out
}

/// `matrix` with its rows averaged in groups so that at most `maxRows` remain (`reducingRows` by the mean).
public func averagingRows(_ matrix: Matrix, maxRows: Int) -> Matrix {
    reducingRows(matrix, maxRows: maxRows, by: .mean)
}

/// The caption's note on reduced columns: "" when every frame has its own column, else e.g.
/// "; each column 48 frames (their mean)", or "47–48 frames" when bins differ in size.
func columnNote(frames: Int, maxColumns: Int, how: String) -> String {
    let bins = frameBins(count: frames, maxBins: maxColumns)
    guard bins.count < frames else { return "" }
    let sizes = bins.map(\.count)
    let lo = sizes.min()!, hi = sizes.max()!
    return "; each column \(lo == hi ? "\(lo)" : "\(lo)–\(hi)") frames (\(how))"
}

/// Checks that a matrix of features has rows, columns and only finite values; the errors say
/// "the features have …".
func checkPlottable(_ matrix: Matrix) throws {
    guard matrix.rows > 0 else { throw PlotError("the features have no frames") }
    guard matrix.cols > 0 else { throw PlotError("the features have no dimensions") }
    if let (r, c) = matrix.firstNonFinite {
        throw PlotError("the features have a non-finite value at frame \(r), dimension \(c)")
    }
}

/// "1 frame", "2 frames": `n` and the noun, plural unless n is 1.
func counted(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
