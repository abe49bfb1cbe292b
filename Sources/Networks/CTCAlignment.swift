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
    // delta: best log score of a path prefix ending in state s at frame t; back: its predecessor's offset (0, 1 or 2).
    var delta = [Double](repeating: -.infinity, count: T * S)     // T × S
    var back = [UInt8](repeating: 0, count: T * S)                 // T × S
    var best = -Double.infinity
    var state = 0
    lp.withUnsafeBufferPointer { lp in
        delta.withUnsafeMutableBufferPointer { d in
            back.withUnsafeMutableBufferPointer { bp in
                d[0] = lp[topology.states[0]]
                if S > 1 { d[1] = lp[topology.states[1]] }
                for t in 1..<T {
                    let prev = t &- 1
                    for s in topology.band(frame: t, frames: T) {
                        var score = d[prev * S + s], from: UInt8 = 0
                        if s >= 1, d[prev * S + s - 1] > score {
                            score = d[prev * S + s - 1]; from = 1
                        }
                        if topology.canSkip[s], d[prev * S + s - 2] > score {
                            score = d[prev * S + s - 2]; from = 2
                        }
                        d[t * S + s] = score + lp[t * K + topology.states[s]]
                        bp[t * S + s] = from
                    }
                }
                let last = (T - 1) * S
                state = S - 1
                best = d[last + S - 1]
                if S > 1, d[last + S - 2] > best { best = d[last + S - 2]; state = S - 2 }
            }
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
