// SplitRecurrence: a bidirectional layer's batch-1 recurrences with each direction's units split
// between two threads (CKernels' seqlab_lstm_split_recurrences), for float inference.

import CKernels
import Dispatch
import Foundation

/// When float inference at batch 1 on two or more threads (`LSTMNetwork.concurrentDirections`)
/// splits a bidirectional layer's recurrences between two threads (`LSTMSplitRecurrentWeights`);
/// the same bits either way.
public enum SplitRecurrence {
    public enum Policy: Sendable {
        /// Where it pays (`seqlab_split_pays`: AVX-512, H a multiple of 32, a direction's W_hh at
        /// least the size of the L2: H ≥ 256 with a 1 MB L2), and where this process has measured
        /// it faster than the directions side by side (`SplitChooser`).
        case automatic
        /// Wherever it can run (H a multiple of 32, with whichever kernels this CPU runs), for tests.
        case always
        case never
    }

    /// Read by `LSTMNetwork.setPrecision` (which packs the halves) and by every forward.
    nonisolated(unsafe) public static var policy = Policy.automatic

    /// Whether a layer of H units splits under the policy.
    static func splits(hidden H: Int) -> Bool {
        switch policy {
        case .automatic: seqlab_split_pays(Int32(H)) != 0
        case .always: seqlab_split_supported(Int32(H)) != 0
        case .never: false
        }
    }

    /// Layers run split so far in this process (counted on the thread that runs `forward`), for
    /// tests and benchmarks that report how often the automatic policy chose it.
    nonisolated(unsafe) public internal(set) static var layersRun = 0
}

/// Under `SplitRecurrence.Policy.automatic`, whether a layer that can split does, by the times
/// this process has measured both ways for layers of its shape: the split ran at 59,926–66,170
/// frames/s on 2×256 in most processes but at 48,487–49,909 in some, below the directions side by
/// side (48,406–54,616), at times when a cache line takes about four times as long to pass between
/// the two CPUs (a round trip of 373–429 ns against 80–143; the host's placement of a virtual
/// machine's CPUs, docs/RESULTS.md), which the split pays at every frame. The first `trials` calls of a
/// shape alternate, split first; then the way whose best of its last five times a frame is the
/// lower, the other again every `refreshEvery` calls so that a change of conditions is seen. The
/// best, not the median: a disturbance only adds time, and a way's first call (its halves first
/// read, its second thread then started afresh) runs slow, so a median of the three trials each way took a
/// disturbed and a first call for the split's speed and kept to the slower way. Speed only: both
/// ways give the same bits.
final class SplitChooser: @unchecked Sendable {
    static let shared = SplitChooser()
    static let trials = 6, refreshEvery = 16, kept = 5

    private struct Times {
        var split: [Double] = [], sideBySide: [Double] = [], calls = 0
        static func best(_ x: [Double]) -> Double { x.min()! }
    }
    private var times: [Int: Times] = [:]
    private let lock = NSLock()

    /// A layer's shape: its input width and H.
    static func key(inputs: Int, hidden: Int) -> Int { inputs << 32 | hidden }

    /// Whether the next layer of this shape runs split.
    func choose(_ key: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        var t = times[key, default: Times()]
        defer { t.calls += 1; times[key] = t }
        if t.calls < Self.trials || t.split.isEmpty || t.sideBySide.isEmpty { return t.calls % 2 == 0 }
        let faster = Times.best(t.split) <= Times.best(t.sideBySide)
        return t.calls % Self.refreshEvery == 0 ? !faster : faster
    }

    /// A layer of this shape took `seconds` a frame, split or side by side.
    func record(_ key: Int, split: Bool, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        var t = times[key, default: Times()]
        func keep(_ x: inout [Double]) { x.append(seconds); if x.count > Self.kept { x.removeFirst() } }
        if split { keep(&t.split) } else { keep(&t.sideBySide) }
        times[key] = t
    }
}

/// One direction's W_hh in two halves, the rows of units 0..<H/2 and H/2..<H of each gate, each
/// laid out as one stream (`seqlab_split_pack`), for `LSTMNetwork`'s batch-1 float inference on two
/// or more threads (`SplitRecurrence`). A batch-1 step streams W_hh, 1 MB a direction
/// for H = 256, at about 170 GB/s laid out in panels whether or not it fits the L2; a 512 KB half
/// read as one stream runs at about 250 GB/s, so both directions in turn, each split between the
/// two cores, take less time than the two side by side (docs/RESULTS.md, "What is left for float
/// batch 1"). A snapshot of the weights, like `LSTMPanelWeights`.
final class LSTMSplitRecurrentWeights: @unchecked Sendable {
    private let memory: UnsafeMutablePointer<Float>
    let halves: [UnsafeMutablePointer<Float>]

    /// nil when the layer does not split (`SplitRecurrence.splits`) or memory ran out.
    init?(hidden H: Int, weights whh: UnsafePointer<Float>) {
        let count = seqlab_split_count(Int32(H), Int32(H / 2))
        // Both halves in huge pages where the system gives them (`seqlab_split_alloc`).
        guard SplitRecurrence.splits(hidden: H), let memory = seqlab_split_alloc(2 * count) else { return nil }
        self.memory = memory
        halves = [memory, memory + count]
        for (half, packed) in halves.enumerated() { seqlab_split_pack(Int32(H), whh, Int32(half * H / 2), Int32(H / 2), packed) }
    }

    deinit { seqlab_split_free(memory) }
}

extension LSTMNetwork {
    /// Layer k's forward at batch 1 with its recurrences split between two threads
    /// (`LSTMLayer.splitBatchOneForward`) where it can run: float inference (`setPrecision`, the
    /// halves packed for the layer), two or more threads, zero initial state, no dropout, and, under
    /// the automatic policy, this process timing the split the faster for the layer's shape
    /// (`SplitChooser`, which every such call reports to). `sideBySide` runs the layer otherwise.
    func forwardLayerSplit(_ k: Int, x: UnsafePointer<S>, ldx: Int, time T: Int, batchSize B: Int, out: ScratchBuffer<S>, width: Int,
                           caches: [LSTMLayer<S>.Cache], fromZeroWithoutDropout: Bool, sideBySide: () -> Void) {
        let halves = panelLayers?[k].compactMap(\.split) ?? []
        guard B == 1 && T > 1 && halves.count == 2 && fromZeroWithoutDropout && concurrentDirections
                && SplitRecurrence.policy != .never && !trainsInBFloat16 && bfloat16Layers == nil,
              let panels = panelLayers?[k], let directions = layers[k] as? [LSTMLayer<Float>],
              let floatCaches = caches as? [LSTMLayer<Float>.Cache] else { sideBySide(); return }
        let key = SplitChooser.key(inputs: ldx, hidden: directions[0].hidden)
        let chooser = SplitRecurrence.policy == .automatic ? SplitChooser.shared : nil
        let start = DispatchTime.now().uptimeNanoseconds
        var split = false
        if chooser?.choose(key) ?? true {
            split = LSTMLayer<Float>.splitBatchOneForward(
                directions, x: UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), ldx: ldx, time: T,
                y: UnsafeMutableRawPointer(out.pointer).assumingMemoryBound(to: Float.self), ldy: width,
                caches: floatCaches, panels: panels, split: halves)
            if split { SplitRecurrence.layersRun += 1 }
        }
        if !split { sideBySide() }
        chooser?.record(key, split: split, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(T))
    }
}

extension LSTMNetwork where S == Float {
    /// The LSTM layers whose batch-1 recurrences a forward would split between two threads now
    /// (set for float inference, on two or more threads, bidirectional, the policy allowing).
    public var splitBatchOneLayers: Int {
        guard concurrentDirections && configuration.bidirectional && SplitRecurrence.policy != .never,
              let panelLayers else { return 0 }
        return panelLayers.filter { $0.allSatisfy { $0.split != nil } }.count
    }
}

extension LSTMLayer where S == Float {
    /// The batch-1 forward of a bidirectional layer's two directions (`layers`, direction d writing
    /// columns d·H..<(d + 1)·H of y) with their recurrences split: the input products of all frames first, the two
    /// directions side by side (the panel product, as `forward` makes them at batch 1), then each
    /// direction's frames with units 0..<H/2 on this thread and H/2..<H on another. The same sums
    /// in the same order as `forward`, so the same bits. false (nothing of the recurrences done)
    /// when the split cannot run; the caller then runs `forward`.
    static func splitBatchOneForward(_ layers: [LSTMLayer<Float>], x: UnsafePointer<Float>, ldx: Int, time T: Int,
                                     y: UnsafeMutablePointer<Float>, ldy: Int, caches: [Cache], panels: [LSTMPanelWeights],
                                     split: [LSTMSplitRecurrentWeights]) -> Bool {
        precondition(layers.count == 2 && caches.count == 2 && panels.count == 2 && split.count == 2 && T > 1,
                     "LSTMLayer.splitBatchOneForward: two directions at batch 1 over two or more frames")
        let H = layers[0].hidden, G = 4 * H
        concurrentlyForEach(2) { d in
            panels[d].input.multiply(m: T, x: x, ldx: ldx, into: caches[d].gates.pointer, ldc: G, accumulate: false)
        }
        // Biases (b_ih + b_hh) and peepholes held where the C side can read them during the run.
        let held = UnsafeMutablePointer<Float>.allocate(capacity: 2 * (G + 3 * H))
        defer { held.deallocate() }
        var directions: [seqlab_split_direction] = []
        for (d, layer) in layers.enumerated() {
            let bias = held + d * (G + 3 * H), peep = bias + G
            let bih = layer.biasIH.value.data, bhh = layer.biasHH.value.data
            for j in 0..<G { bias[j] = bih[j] + bhh[j] }
            if let p = layer.peephole?.value.data { peep.update(from: p, count: 3 * H) }
            let peepholes = layer.peephole != nil
            directions.append(seqlab_split_direction(
                T: Int32(T), H: Int32(H), gates: caches[d].gates.pointer, cells: caches[d].cells.pointer,
                tanhCells: caches[d].tanhCells.pointer, y: y + d * H, ldy: Int32(ldy),
                packed: (UnsafePointer(split[d].halves[0]), UnsafePointer(split[d].halves[1])), bias: UnsafePointer(bias),
                pi: peepholes ? UnsafePointer(peep) : nil, pf: peepholes ? UnsafePointer(peep + H) : nil,
                po: peepholes ? UnsafePointer(peep + 2 * H) : nil, reversed: layer.reversed ? 1 : 0))
        }
        return seqlab_lstm_split_recurrences(directions, Int32(directions.count)) == 0
    }
}
