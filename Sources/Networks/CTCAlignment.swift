// Viterbi forced alignment through the CTC topology: the single most probable path that emits the given labels.
import Foundation

/// The frames one label occupies on the best path: `start...end`, inclusive, 0-based.
public struct CTCLabelSpan: Sendable, Equatable {
    /// The label's class (1..<K).
    public var label: Int
    /// First frame emitting the label.
    public var start: Int
    /// Last frame emitting the label (inclusive).
    public var end: Int

    public init(label: Int, start: Int, end: Int) {
        self.label = label
        self.start = start
        self.end = end
    }
}

/// The best CTC path for a label sequence (Viterbi over the topology of Graves et al. 2006, §4.1,
/// with max in place of the sum in the α recursion; Graves 2012, ch. 7).
public struct CTCAlignment: Sendable, Equatable {
    /// For each label, in order, the frames it occupies; one entry per label, so `spans.count == U`.
    public var spans: [CTCLabelSpan]
    /// The state of l′ at each frame (length T): even = a blank, 2i+1 = label i.
    public var states: [Int]
    /// The class emitted at each frame (length T): 0 for blank.
    public var path: [Int]
    /// ln of the best path's probability, Σₜ ln yₜ(pathₜ).
    public var logProbability: Double
}

/// Viterbi forced alignment of `labels` to `logProbs` (T × K row-major, ln yₜ(k), blank = 0).
///
/// Ties between equally probable predecessors go to the one with the highest state index (staying put
/// before advancing), and at the end to the final blank over the final label, so the result is deterministic.
/// It holds T × S bytes of backpointers (S = 2U + 1 states) and two frames of scores, so an hour of
/// frames (360,000) against a thousand labels takes about 720 MB.
/// - Throws: `CTCError` for bad input (as `ctcLoss`), and `.infeasible` when no path with non-zero
///   probability emits the labels (too few frames, or every path crosses a zero-probability output).
public func ctcForcedAlignment<T: CTCScalar>(logProbs: [T], frames: Int, classes: Int, labels: [Int]) throws(CTCError) -> CTCAlignment {
    let lp = T.doubles(logProbs)
    try lp.withUnsafeBufferPointer { buffer throws(CTCError) in
        try checkCTCInput(logProbs: buffer, frames: frames, classes: classes, labels: labels)
    }
    let topology = CTCTopology(labels: labels)
    guard frames > 0, frames >= topology.minimumFrames else {
        if frames == 0 && labels.isEmpty {
            return CTCAlignment(spans: [], states: [], path: [], logProbability: 0)
        }
        throw .infeasible(frames: frames, required: topology.minimumFrames)
    }
    let S = topology.count, K = classes, T = frames
    // delta: best log score of a path prefix ending in state s at the frame before (`previous`) and at
    // this frame (`current`): two rows of S, not T × S, as the recursion reads only the frame before.
    // back: each state's predecessor offset (0, 1 or 2) at every frame, T × S bytes, for the backtrace.
    var previous = [Double](repeating: -.infinity, count: S)
    var current = [Double](repeating: -.infinity, count: S)
    var back = [UInt8](repeating: 0, count: T * S)                 // T × S
    var best = -Double.infinity
    var state = 0
    lp.withUnsafeBufferPointer { lp in
        back.withUnsafeMutableBufferPointer { bp in
            previous[0] = lp[topology.states[0]]
            if S > 1 { previous[1] = lp[topology.states[1]] }
            for t in 1..<T {
                previous.withUnsafeBufferPointer { d in
                    current.withUnsafeMutableBufferPointer { c in
                        // States outside the band cannot be reached at frame t.
                        c.update(repeating: -.infinity)
                        for s in topology.band(frame: t, frames: T) {
                            var score = d[s], from: UInt8 = 0
                            if s >= 1, d[s - 1] > score {
                                score = d[s - 1]; from = 1
                            }
                            if topology.canSkip[s], d[s - 2] > score {
                                score = d[s - 2]; from = 2
                            }
                            c[s] = score + lp[t * K + topology.states[s]]
                            bp[t * S + s] = from
                        }
                    }
                }
                swap(&previous, &current)
            }
            state = S - 1
            best = previous[S - 1]
            if S > 1, previous[S - 2] > best { best = previous[S - 2]; state = S - 2 }
        }
    }
    guard best > -.infinity else { throw .infeasible(frames: T, required: topology.minimumFrames) }
    var states = [Int](repeating: 0, count: T)
    for t in stride(from: T - 1, through: 0, by: -1) {
        states[t] = state
        state -= Int(back[t * S + state])
    }
    let path = states.map { topology.states[$0] }
    var spans = labels.map { CTCLabelSpan(label: $0, start: -1, end: -1) }
    for (t, s) in states.enumerated() where s % 2 == 1 {
        let i = s / 2
        if spans[i].start < 0 { spans[i].start = t }
        spans[i].end = t
    }
    return CTCAlignment(spans: spans, states: states, path: path, logProbability: best)
}

extension CTCForwardBackward {
    /// For each span of `alignment` (made for the same input and labels), the mean over its frames of γₜ(s),
    /// the posterior probability that a path of the labelling is in that label's state s at frame t:
    /// a confidence in [0, 1] for each aligned label (e.g. the CTM confidence column). Empty when infeasible.
    public func spanPosteriors(_ alignment: CTCAlignment) -> [Double] {
        guard logLikelihood > -.infinity, alignment.spans.count == topology.labels.count else { return [] }
        return alignment.spans.enumerated().map { i, span in
            let total = (span.start...span.end).reduce(0.0) { $0 + exp(logOccupancy(frame: $1, state: 2 * i + 1)) }
            return total / Double(span.end - span.start + 1)
        }
    }
}
