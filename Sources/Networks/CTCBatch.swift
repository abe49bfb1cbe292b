// CTC loss over a batch of utterances, run in parallel with results independent of the thread count.
import Foundation

/// One utterance's CTC input: T × K row-major log-probabilities (log-softmax outputs, blank = 0) and its labels.
public struct CTCUtterance<T: CTCScalar>: Sendable {
    public var logProbs: [T]
    public var frames: Int
    public var classes: Int
    public var labels: [Int]

    public init(logProbs: [T], frames: Int, classes: Int, labels: [Int]) {
        self.logProbs = logProbs
        self.frames = frames
        self.classes = classes
        self.labels = labels
    }
}

/// The CTC results of a batch, in the order of the utterances (Graves et al. 2006, §4.2: the objective summed over a training set).
public struct CTCBatchResult<T: CTCScalar>: Sendable {
    /// One result per utterance, in input order.
    public var results: [CTCResult<T>]
    /// Σ of the losses of the feasible utterances, summed in Double in input order.
    public var feasibleLoss: T
    /// Indices of the utterances with `feasible == false` (loss +∞, zero gradients).
    public var infeasible: [Int]
    /// Σ of all losses: `feasibleLoss`, or +∞ when any utterance is infeasible.
    public var totalLoss: T { infeasible.isEmpty ? feasibleLoss : .infinity }
}

/// CTC loss and gradients for every utterance of `batch`, `threads` utterances at a time.
///
/// Utterance i's result is computed by the same code as `ctcLoss` on utterance i alone, so it does not
/// depend on `threads`; the batch sum runs in input order. Every input is checked before any work starts.
/// - Throws: `CTCError.inUtterance(index:_)` wrapping the first bad utterance's error.
public func ctcLossBatch<T: CTCScalar>(_ batch: [CTCUtterance<T>],
                                       threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                                       method: CTCMethod = .automatic) throws(CTCError) -> CTCBatchResult<T> {
    // Inputs as Double, checked serially so the first error reported does not depend on scheduling.
    var inputs: [[Double]] = []
    inputs.reserveCapacity(batch.count)
    for (i, u) in batch.enumerated() {
        let lp = T.doubles(u.logProbs)
        do {
            try lp.withUnsafeBufferPointer { buffer throws(CTCError) in
                try checkCTCInput(logProbs: buffer, frames: u.frames, classes: u.classes, labels: u.labels)
            }
        } catch {
            throw .inUtterance(index: i, error)
        }
        inputs.append(lp)
    }
    let doubles = inputs
    let n = batch.count
    let workers = max(1, min(threads, n))
    var slots = [CTCResult<T>?](repeating: nil, count: n)
    slots.withUnsafeMutableBufferPointer { buffer in
        nonisolated(unsafe) let out = buffer
        let work: @Sendable (Int) -> Void = { i in
            let u = batch[i]
            out[i] = ctcLossChecked(doubles[i], frames: u.frames, classes: u.classes,
                                    topology: CTCTopology(labels: u.labels), method: method).converted()
        }
        if workers == 1 {
            for i in 0..<n { work(i) }
        } else {
            // Worker w takes utterances w, w + workers, …; each slot is written by exactly one worker.
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in stride(from: w, to: n, by: workers) { work(i) }
            }
        }
    }
    let results = slots.map { $0! }
    var sum = 0.0
    var infeasible: [Int] = []
    for (i, r) in results.enumerated() {
        if r.feasible { sum += Double(r.loss) } else { infeasible.append(i) }
    }
    return CTCBatchResult(results: results, feasibleLoss: T(sum), infeasible: infeasible)
}
