// BestPathStream: best-path CTC decoding advanced one frame at a time, for partial results while frames arrive.
import Foundation
import Tensors

/// Best-path decoding (Graves et al. 2006, §3.2; `bestPathDecode`) as a running state.
///
/// `advance(frame:)` consumes one frame of K log-probabilities; `hypothesis` is at every moment
/// what `bestPathDecode` gives for the frames consumed so far — the same argmax (ties to the
/// lowest class), the same token runs, and the confidence sums and the score accumulated in the
/// same order, so the values are identical, not merely close. A run still open at the last frame
/// may be extended by the next one: partial hypotheses are prefixes in time, not in tokens.
public struct BestPathStream: Sendable {
    public let blank: Int
    public let alphabet: [String]?
    /// Frames consumed so far.
    public private(set) var frameCount = 0
    private var tokens: [Int] = [], starts: [Int] = [], ends: [Int] = []
    private var sums: [Float] = []
    private var score: Float = 0
    private var previous = -1

    public init(blank: Int = 0, alphabet: [String]? = nil) {
        self.blank = blank
        self.alphabet = alphabet
    }

    /// Consumes one frame of K log-probabilities.
    public mutating func advance(frame: [Float]) {
        frame.withUnsafeBufferPointer { advance(frame: $0) }
    }

    /// Consumes every row of a T × K matrix.
    public mutating func advance(logProbs: Matrix) {
        let k = logProbs.cols
        logProbs.data.withUnsafeBufferPointer { all in
            for r in 0..<logProbs.rows { advance(frame: UnsafeBufferPointer(rebasing: all[(r * k)..<((r + 1) * k)])) }
        }
    }

    /// Consumes one frame of K log-probabilities (K ≥ 1).
    public mutating func advance(frame lp: UnsafeBufferPointer<Float>) {
        let frame = frameCount
        frameCount += 1
        guard lp.count > 0 else { return }
        var best = 0
        var bestValue = lp[0]
        for c in 1..<lp.count where lp[c] > bestValue {
            best = c
            bestValue = lp[c]
        }
        score += bestValue
        if best != blank {
            if best == previous {
                ends[ends.count - 1] = frame
                sums[sums.count - 1] += expf(bestValue)
            } else {
                tokens.append(best)
                starts.append(frame)
                ends.append(frame)
                sums.append(expf(bestValue))
            }
        }
        previous = best
    }

    /// The best path over the frames so far, collapsed (as `bestPathDecode` returns it).
    public var hypothesis: Hypothesis {
        let confidences = (0..<tokens.count).map { sums[$0] / Float(ends[$0] - starts[$0] + 1) }
        return Hypothesis(tokens: tokens, text: tokenText(tokens, alphabet: alphabet), score: score,
                          acousticScore: score, tokenStartFrames: starts, tokenEndFrames: ends,
                          confidences: confidences)
    }
}
