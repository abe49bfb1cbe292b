// The CTC state graph for one label sequence: blanks interleaved with labels, and input checks shared by the CTC code.

/// The extended label sequence l′ of Graves et al. (2006), §4.1: the labels with a blank (class 0)
/// before, between and after them, `l′ = (∅, l₁, ∅, l₂, …, ∅, l_U, ∅)`, so `2U + 1` states.
///
/// A path may move from state `s` to `s`, `s + 1`, or `s + 2` when state `s + 2` is a label that
/// differs from the label at `s` (skipping the blank between two different labels); between two
/// equal adjacent labels the blank is compulsory (§4.1 of the 2006 paper).
public struct CTCTopology: Sendable, Equatable {
    /// The blank class. seqlab always uses class 0.
    public static let blank = 0

    /// The label sequence l (classes in 1..<K), length U.
    public let labels: [Int]
    /// The class of each state s of l′: `states[2i] = 0` (blank), `states[2i+1] = labels[i]`. Length 2U+1.
    public let states: [Int]
    /// `canSkip[s]` is true when the transition s−2 → s is allowed: l′ₛ is a label and l′ₛ ≠ l′ₛ₋₂.
    public let canSkip: [Bool]
    /// The fewest frames that can emit `labels`: U plus the number of equal adjacent pairs (each needs a blank between).
    public let minimumFrames: Int

    /// Number of states, 2U + 1.
    public var count: Int { states.count }

    /// Builds l′ for `labels`. Labels are not range-checked here; `CTCInputCheck` does that.
    public init(labels: [Int]) {
        self.labels = labels
        var states = [Int](repeating: CTCTopology.blank, count: 2 * labels.count + 1)
        for (i, l) in labels.enumerated() { states[2 * i + 1] = l }
        var canSkip = [Bool](repeating: false, count: states.count)
        for s in stride(from: 3, to: states.count, by: 2) where states[s] != states[s - 2] { canSkip[s] = true }
        var repeats = 0
        for i in labels.indices.dropFirst() where labels[i] == labels[i - 1] { repeats += 1 }
        self.states = states
        self.canSkip = canSkip
        self.minimumFrames = labels.count + repeats
    }

    /// The states that can lie on a complete path at frame `t` of `frames`: a path reaches at most
    /// state 2t+1 by frame t, and must still be able to reach the last two states by frame T−1.
    @inline(__always)
    func band(frame t: Int, frames: Int) -> ClosedRange<Int> {
        let lo = max(0, count - 2 * (frames - t))
        let hi = min(count - 1, 2 * t + 1)
        return lo...max(lo, hi)
    }
}

/// Why a CTC computation refused its input.
public enum CTCError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `logProbs.count` is not `frames × classes`, or a size is negative.
    case shapeMismatch(count: Int, frames: Int, classes: Int)
    /// The label at `position` is not in 1..<classes (0 is the blank and cannot be a label).
    case labelOutOfRange(position: Int, label: Int, classes: Int)
    /// A log-probability is NaN or +∞ (−∞, probability zero, is allowed).
    case nonFiniteInput(frame: Int, classIndex: Int, value: Double)
    /// No path through the CTC topology has non-zero probability: `frames` is below the
    /// `required` minimum, or the outputs give every valid path probability zero.
    case infeasible(frames: Int, required: Int)
    /// The error of one utterance of a batch, by its index in the batch.
    indirect case inUtterance(index: Int, CTCError)

    public var description: String {
        switch self {
        case let .shapeMismatch(count, frames, classes):
            return "CTC input has \(count) log-probabilities, expected frames × classes = \(frames) × \(classes)"
        case let .labelOutOfRange(position, label, classes):
            return "CTC label \(label) at position \(position) is outside 1..<\(classes) (class 0 is the blank)"
        case let .nonFiniteInput(frame, classIndex, value):
            return "CTC log-probability at frame \(frame), class \(classIndex) is \(value); expected a finite value or -inf"
        case let .infeasible(frames, required):
            return "CTC alignment impossible: \(frames) frames for a label sequence that needs at least \(required)"
        case let .inUtterance(index, error):
            return "utterance \(index): \(error)"
        }
    }
}

/// Checks the shape, the label range and the values of one utterance's CTC input.
@usableFromInline
func checkCTCInput(logProbs: UnsafeBufferPointer<Double>, frames: Int, classes: Int, labels: [Int]) throws(CTCError) {
    guard frames >= 0, classes >= 1, frames.multipliedReportingOverflow(by: classes) == (logProbs.count, false) else {
        throw .shapeMismatch(count: logProbs.count, frames: frames, classes: classes)
    }
    for (i, l) in labels.enumerated() where l < 1 || l >= classes {
        throw .labelOutOfRange(position: i, label: l, classes: classes)
    }
    for (i, v) in logProbs.enumerated() where v.isNaN || v == .infinity {
        throw .nonFiniteInput(frame: i / classes, classIndex: i % classes, value: v)
    }
}
