// bench-networks: speed of BLSTM-CTC training and inference, and of the batch CTC loss alone.
//
// Usage:
//   bench-networks [train] [--input 40] [--hidden 256] [--layers 2] [--classes 30] [--batch 16]
//                  [--frames 200] [--label-length 20] [--steps 10] [--warmup 3] [--threads N]
//                  [--peepholes] [--libxsmm | --no-libxsmm] [--precision fp32|bf16] [--json]
//   bench-networks ctc [--batch 16] [--frames 200] [--classes 30] [--label-length 20] [--iters 200]
//                  [--warmup 20] [--threads N] [--data FILE] [--json]
//   bench-networks products [--input 40] [--hidden 256] [--layers 2] [--batch 16] [--frames 200]
//                  [--rounds 5] [--json]
//   bench-networks peak [--size 2048] [--threads N] [--rounds 7] [--json]
//
// train follows ../shared/peers/bench_blstm.py: a bidirectional LSTM (peepholes off unless
// --peepholes, since PyTorch's nn.LSTM has none) with a softmax output, N(0,1) inputs of batch ×
// frames × input, labels of length --label-length drawn from 1..<classes, trained by the batch CTC
// loss (`ctcLossBatch`) and Adam (lr 1e-3) on the same batch every step. One timed step = zero
// gradients + forward + CTC + backward + Adam; the median over --steps after --warmup steps is
// reported, then forward-only inference on the whole batch and on its first sequence alone.
// Threads follow `seqlab train`: on ≥ 2 threads the two directions run side by side with
// single-threaded BLAS; on 1 thread everything is serial. The per-frame products run on the panel
// product (AVX-512 or AVX2) when BLAS has one thread, else on libxsmm where the CPU has AVX-512
// (`perFrameProductLibrary`); --libxsmm and --no-libxsmm turn libxsmm on or off whatever the CPU
// (it runs the large products of the backward too). --precision bf16 trains in mixed precision
// (`LSTMNetwork.trainsInBFloat16`, `seqlab train --precision bf16`); inference is timed in float
// and in bfloat16 either way. --split always|never holds batch-1 float inference to the split
// recurrence or the directions side by side (`SplitRecurrence.policy`; default auto).
//
// products times, on one thread, the per-frame products of such a BLSTM's training step (each
// layer's input product and recurrent product a_t += x_t·Wᵀ, and the backward's dA_t·W_hh) by the
// panel product (CKernels' seqlab_panels_gemm) and by OpenBLAS's sgemm, each alone (the same rows
// again and again) and as in a pass (a fresh frame's rows each time, the panel product reading its
// panels in alternating order as recurrences do), beside the core's FMA rate
// (seqlab_fma_chains): how near the peak each product runs, and what a pass's memory costs it.
//
// peak times OpenBLAS's sgemm on square matrices of --size (C = A·B, float) on --threads threads, with
// the kernels OpenBLAS picks for this CPU unless OPENBLAS_CORETYPE says otherwise: the machine's
// practical matrix-product rate at the moment it runs, the yardstick of ../shared/peers/bench_sgemm.py
// (its "compute ceiling"), against which `scripts/bench train` sets the training GFLOP/s it measures
// in the same round, so that a slow spell of the machine shows as such rather than as a slow network.
//
// ctc follows ../shared/peers/bench_ctc.py: loss and gradient of batch × frames × classes
// log-softmax(N(0,1)) log-probabilities, or of the log-probabilities (float32, batch × frames ×
// classes) and labels (int32, batch × label-length) read from --data FILE.
import CBLAS
import CKernels
import Foundation
import Networks
import Tensors

/// Named integer options, flags and text options (allowed as "name="); anything else is a usage error.
struct Options {
    var values: [String: Int]
    var flags: Set<String> = []
    var texts: [String: String] = [:]
    var data: String? { texts["data"] }

    init(_ arguments: ArraySlice<String>, defaults: [String: Int], flags allowed: Set<String>, usage: String) {
        values = defaults
        var iterator = arguments.makeIterator()
        while let a = iterator.next() {
            guard a.hasPrefix("--") else { Options.fail("unexpected argument '\(a)'", usage) }
            let name = String(a.dropFirst(2))
            if allowed.contains(name) {
                flags.insert(name)
            } else if allowed.contains(name + "=") {
                guard let v = iterator.next() else { Options.fail("--\(name) needs a value", usage) }
                texts[name] = v
            } else if defaults.keys.contains(name) {
                guard let text = iterator.next(), let v = Int(text), v > 0 else {
                    Options.fail("--\(name) needs a positive integer", usage)
                }
                values[name] = v
            } else {
                Options.fail("unknown option '\(a)'", usage)
            }
        }
    }

    subscript(_ name: String) -> Int { values[name]! }

    static func fail(_ message: String, _ usage: String) -> Never {
        FileHandle.standardError.write("bench-networks: \(message)\n\(usage)\n".data(using: .utf8)!)
        exit(2)
    }
}

let trainUsage = "usage: bench-networks [train] [--input D] [--hidden H] [--layers L] [--classes K] [--batch B] [--frames T] [--label-length S] [--steps N] [--warmup N] [--threads N] [--peepholes] [--libxsmm | --no-libxsmm] [--precision fp32|bf16] [--split auto|always|never] [--json]"
let ctcUsage = "usage: bench-networks ctc [--batch B] [--frames T] [--classes K] [--label-length S] [--iters N] [--warmup N] [--threads N] [--data FILE] [--json]"
let productsUsage = "usage: bench-networks products [--input D] [--hidden H] [--layers L] [--batch B] [--frames T] [--rounds N] [--json]"
let peakUsage = "usage: bench-networks peak [--size N] [--threads N] [--rounds N] [--json]"
let cores = ProcessInfo.processInfo.activeProcessorCount

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// CPU time (user + system, all threads) of this process so far, in seconds: on a shared machine
/// it depends much less on other load than wall time does.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

/// Peak resident set size of this process in MB (getrusage: KB on Linux, bytes on macOS).
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / (1024 * 1024)
    #endif
}

/// Labels of length `count` drawn uniformly from 1..<classes (blank 0 excluded).
func randomLabels(_ count: Int, classes: Int, _ rng: inout SeededGenerator) -> [Int] {
    (0..<count).map { _ in 1 + Int(rng.next() % UInt64(classes - 1)) }
}

func runTraining(_ o: Options) throws {
    let D = o["input"], H = o["hidden"], L = o["layers"], K = o["classes"], B = o["batch"], T = o["frames"]
    let S = o["label-length"], steps = o["steps"], warmup = o["warmup"], threads = o["threads"]
    guard K >= 2, 2 * S + 1 <= T else { Options.fail("need classes ≥ 2 and 2·label-length + 1 ≤ frames", trainUsage) }
    var rng = SeededGenerator(seed: 1)
    let configuration = LSTMNetworkConfiguration(inputSize: D, hiddenSizes: [Int](repeating: H, count: L),
                                                 bidirectional: true, peepholes: o.flags.contains("peepholes"), classes: K)
    // The per-frame products by libxsmm or by the panel product whatever the CPU, for comparing the two.
    if o.flags.contains("libxsmm") && o.flags.contains("no-libxsmm") {
        Options.fail("--libxsmm and --no-libxsmm contradict each other", trainUsage)
    }
    if o.flags.contains("libxsmm") || o.flags.contains("no-libxsmm") {
        forcePerFrameProductLibrary(libxsmm: o.flags.contains("libxsmm"))
    }
    switch o.texts["split"] ?? "auto" {
    case "auto": SplitRecurrence.policy = .automatic
    case "always": SplitRecurrence.policy = .always
    case "never": SplitRecurrence.policy = .never
    default: Options.fail("--split takes auto, always or never", trainUsage)
    }
    guard let trainingPrecision = ProductPrecision(rawValue: o.texts["precision"] ?? "fp32") else {
        Options.fail("--precision takes fp32 or bf16", trainUsage)
    }
    var net = LSTMNetwork<Float>(configuration, rng: &rng)
    net.trainsInBFloat16 = trainingPrecision == .bfloat16
    // The thread policy of `seqlab train` (Trainer.useThreads).
    net.concurrentDirections = threads > 1
    setBLASThreads(threads > 1 ? 1 : threads)
    keepFreedMemory()
    let sequences = (0..<B).map { _ in Matrix(rows: T, cols: D, data: (0..<(T * D)).map { _ in Float(rng.normal()) }) }
    let labels = (0..<B).map { _ in randomLabels(S, classes: K, &rng) }
    let batch = SequenceBatch(matrices: sequences)
    let single = SequenceBatch(matrices: [sequences[0]])
    var adam = Adam(learningRate: 1e-3)
    adam.threads = threads
    let parameters = net.parameters

    /// Wall seconds of each phase of every step (zero gradients + forward, CTC, backward, Adam).
    var phaseTimes: [[Double]] = [[], [], [], []]
    /// One training step; returns the mean CTC loss of the batch.
    func step() throws -> Double {
        var mark = DispatchTime.now().uptimeNanoseconds
        func lap(_ phase: Int) {
            let now = DispatchTime.now().uptimeNanoseconds
            phaseTimes[phase].append(Double(now - mark) / 1e9)
            mark = now
        }
        parameters.zeroGradients()
        let pass = net.forward(batch)
        lap(0)
        let utterances = (0..<B).map { b in
            CTCUtterance(logProbs: pass.logProbabilities(ofSequence: b).data, frames: T, classes: K, labels: labels[b])
        }
        let result = try ctcLossBatch(utterances, threads: threads)
        // ∂loss/∂logits = y − γ (Graves et al. 2006, eq. 16), averaged over the batch; rows are time-major (t·B + b).
        var dLogits = Array2D<Float>(rows: pass.logProbabilities.rows, cols: K)
        let scale = 1 / Float(B)
        for b in 0..<B {
            let g = result.results[b].gradient
            for t in 0..<T {
                let row = (t * B + b) * K
                for k in 0..<K { dLogits.data[row + k] = g[t * K + k] * scale }
            }
        }
        lap(1)
        net.backward(pass, dLogits: dLogits, inputGradient: false)   // as PyTorch: x needs no gradient
        lap(2)
        adam.step(parameters)
        lap(3)
        return Double(result.totalLoss) / Double(B)
    }

    /// Multiply-adds of the forward gemms for `frames` frames: input and recurrent products of every
    /// direction and layer, and the output layer.
    func forwardMACs(frames: Int) -> Double {
        var macs = 0.0
        for k in 0..<L {
            macs += Double(configuration.directions * frames * 4 * H * (configuration.layerInputs(k) + H))
        }
        return macs + Double(frames * configuration.topWidth * K)
    }
    // Backward does twice the forward's products (gradients w.r.t. inputs and weights).
    let trainFLOPs = 2 * 3 * forwardMACs(frames: T * B)

    var losses: [Double] = []
    for _ in 0..<warmup { losses.append(try step()) }
    var trainTimes: [Double] = []
    phaseTimes = [[], [], [], []]
    let cpuStart = cpuSeconds()
    for _ in 0..<steps { trainTimes.append(try seconds { losses.append(try step()) }) }
    let trainCPU = (cpuSeconds() - cpuStart) / Double(steps)
    net.trainsInBFloat16 = false   // inference in float, then in bfloat16
    // Set for float inference as decode and label set it (the LSTM weights packed once).
    var inference = net
    inference.setPrecision(.float32)
    let splitLayers = inference.splitBatchOneLayers
    for _ in 0..<2 { _ = inference.forward(batch) }
    let batchStart = cpuSeconds(), batchCount = max(steps, 10)
    let batchTimes = (0..<batchCount).map { _ in seconds { _ = inference.forward(batch) } }
    let batchCPU = (cpuSeconds() - batchStart) / Double(batchCount)
    for _ in 0..<3 { _ = inference.forward(single) }
    let singleStart = cpuSeconds(), singleCount = max(2 * steps, 20)
    let splitBefore = SplitRecurrence.layersRun
    let singleTimes = (0..<singleCount).map { _ in seconds { _ = inference.forward(single) } }
    let splitShare = Double(SplitRecurrence.layersRun - splitBefore) / Double(singleCount * max(splitLayers, 1))
    let singleCPU = (cpuSeconds() - singleStart) / Double(singleCount)
    // The same inference with the LSTM products in bfloat16 (ProductPrecision.bfloat16), and how
    // far its log-probabilities move from float's.
    var reduced = net
    reduced.setPrecision(.bfloat16)
    for _ in 0..<2 { _ = reduced.forward(batch) }
    let batchTimesBF16 = (0..<batchCount).map { _ in seconds { _ = reduced.forward(batch) } }
    for _ in 0..<3 { _ = reduced.forward(single) }
    let singleTimesBF16 = (0..<singleCount).map { _ in seconds { _ = reduced.forward(single) } }
    let deviationBF16 = zip(reduced.forward(batch).logProbabilities.data, net.forward(batch).logProbabilities.data)
        .reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }

    let train = median(trainTimes), inferBatch = median(batchTimes), inferSingle = median(singleTimes)
    let inferBatchBF16 = median(batchTimesBF16), inferSingleBF16 = median(singleTimesBF16)
    let result: [(String, Double)] = [
        ("train_s", train), ("train_frames_per_s", Double(T * B) / train),
        ("train_gflops", trainFLOPs / train / 1e9),
        ("train_cpu_s", trainCPU), ("train_frames_per_cpu_s", Double(T * B) / trainCPU),
        ("infer_batch_s", inferBatch), ("infer_batch_frames_per_s", Double(T * B) / inferBatch),
        ("infer_batch_gflops", 2 * forwardMACs(frames: T * B) / inferBatch / 1e9),
        ("infer_batch_cpu_s", batchCPU),
        ("infer1_s", inferSingle), ("infer1_frames_per_s", Double(T) / inferSingle), ("infer1_cpu_s", singleCPU),
        ("infer_batch_bf16_frames_per_s", Double(T * B) / inferBatchBF16), ("infer1_bf16_frames_per_s", Double(T) / inferSingleBF16),
        ("bf16_max_log_prob_deviation", Double(deviationBF16)), ("bf16_family", Double(BFloat16Matrix.kernelFamilyID)),
        ("peak_rss_mb", peakRSSMegabytes()), ("first_loss", losses.first ?? .nan), ("last_loss", losses.last ?? .nan),
        ("parameters", Double(parameters.parameterCount())), ("threads", Double(threads)),
        ("blas_threads", Double(blasThreads())), ("concurrent_directions", net.concurrentDirections ? 1 : 0),
        ("peepholes", configuration.peepholes ? 1 : 0), ("train_bf16", trainingPrecision == .bfloat16 ? 1 : 0),
        ("train_forward_s", median(phaseTimes[0])), ("train_ctc_s", median(phaseTimes[1])),
        ("train_backward_s", median(phaseTimes[2])), ("train_adam_s", median(phaseTimes[3])),
    ] + (splitLayers > 0 ? [("infer1_split_share", splitShare)] : [])   // only where a layer can split
    if o.flags.contains("json") {
        print(json(result))
        return
    }
    print("BLSTM \(L)×\(H), input \(D), \(K) classes, peepholes \(configuration.peepholes ? "on" : "off"), batch \(B) × \(T) frames, labels of \(S), \(parameters.parameterCount()) parameters; \(threads) thread(s): BLAS \(blasThreads()), concurrent directions \(net.concurrentDirections); OpenBLAS kernels \(blasCore); per-frame products by \(perFrameProductLibrary); kernels \(KernelInstructionSet.summary)")
    print(String(format: "training%@ (forward + CTC + backward + Adam), median of %d steps after %d: %.4f s/step, %.0f frames/s, %.1f GFLOP/s of gemms; %.4f CPU s/step; loss %.2f → %.2f",
                 trainingPrecision == .bfloat16 ? " in mixed precision (LSTM products in bfloat16, \(BFloat16Matrix.kernelFamily))" : "",
                 steps, warmup, train, Double(T * B) / train, trainFLOPs / train / 1e9, trainCPU,
                 losses.first ?? .nan, losses.last ?? .nan))
    print(String(format: "  phases (medians): forward %.4f s, CTC and its gradient %.4f s, backward %.4f s, Adam %.4f s",
                 median(phaseTimes[0]), median(phaseTimes[1]), median(phaseTimes[2]), median(phaseTimes[3])))
    print(String(format: "inference batch %d: %.4f s, %.0f frames/s, %.1f GFLOP/s; batch 1: %.4f s, %.0f frames/s%@",
                 B, inferBatch, Double(T * B) / inferBatch, 2 * forwardMACs(frames: T * B) / inferBatch / 1e9,
                 inferSingle, Double(T) / inferSingle,
                 splitLayers > 0 ? String(format: " (%d of %d layers' recurrences split between two threads in %.0f%% of the passes)",
                                          splitLayers, L, 100 * splitShare) : ""))
    print(String(format: "inference in bfloat16 (%@): batch %d %.4f s, %.0f frames/s; batch 1: %.4f s, %.0f frames/s; log-probabilities within %.2g of float's",
                 BFloat16Matrix.kernelFamily, B, inferBatchBF16, Double(T * B) / inferBatchBF16,
                 inferSingleBF16, Double(T) / inferSingleBF16, Double(deviationBF16)))
    print(String(format: "peak RSS %.1f MB", peakRSSMegabytes()))
}

func runCTC(_ o: Options) throws {
    let B = o["batch"], T = o["frames"], K = o["classes"], S = o["label-length"], threads = o["threads"]
    var logProbs = [Float](repeating: 0, count: B * T * K)
    var labels: [[Int]] = []
    if let path = o.data {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, "cannot read the file")
        }
        let expected = 4 * (B * T * K + B * S)
        guard bytes.count == expected else {
            throw InputError(file: path, place: "byte 0", "expected \(expected) bytes (float32 \(B)×\(T)×\(K) log-probabilities, int32 \(B)×\(S) labels), found \(bytes.count)")
        }
        bytes.withUnsafeBytes { raw in
            for i in 0..<(B * T * K) { logProbs[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            let offset = 4 * B * T * K
            labels = (0..<B).map { b in
                (0..<S).map { s in Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * (b * S + s), as: Int32.self))) }
            }
        }
    } else {
        var rng = SeededGenerator(seed: 7)
        for r in 0..<(B * T) {
            let row = (0..<K).map { _ in Float(rng.normal()) }
            let m = row.max()!
            let lse = m + logf(row.reduce(0) { $0 + expf($1 - m) })
            for k in 0..<K { logProbs[r * K + k] = row[k] - lse }
        }
        labels = (0..<B).map { _ in randomLabels(S, classes: K, &rng) }
    }
    let utterances = (0..<B).map { b in
        CTCUtterance(logProbs: Array(logProbs[(b * T * K)..<((b + 1) * T * K)]), frames: T, classes: K, labels: labels[b])
    }
    var sumLoss = 0.0
    for _ in 0..<o["warmup"] { sumLoss = Double(try ctcLossBatch(utterances, threads: threads).totalLoss) }
    let times = try (0..<o["iters"]).map { _ in try seconds { _ = try ctcLossBatch(utterances, threads: threads) } }
    let sorted = times.sorted(), md = median(times)
    let result: [(String, Double)] = [
        ("fwdbwd_s", md), ("fwdbwd_q1_s", sorted[sorted.count / 4]), ("fwdbwd_q3_s", sorted[(3 * sorted.count) / 4]),
        ("frames_per_s", Double(B * T) / md), ("sum_loss", sumLoss), ("threads", Double(threads)),
        ("peak_rss_mb", peakRSSMegabytes()),
    ]
    if o.flags.contains("json") {
        print(json(result))
        return
    }
    print(String(format: "ctcLossBatch (loss + gradient), %d × %d frames, %d classes, labels of %d, %d thread(s): median %.3f ms (q1–q3 %.3f–%.3f), %.0f frames/s, sum of losses %.3f",
                 B, T, K, S, threads, md * 1e3, sorted[sorted.count / 4] * 1e3, sorted[(3 * sorted.count) / 4] * 1e3,
                 Double(B * T) / md, sumLoss))
}

/// The per-frame products of a BLSTM step on one thread: panel product and sgemm, alone and as in a pass.
func runProducts(_ o: Options) {
    let D = o["input"], H = o["hidden"], L = o["layers"], B = o["batch"], T = o["frames"], rounds = o["rounds"]
    setBLASThreads(1)
    var rng = SeededGenerator(seed: 3)
    // The core's multiply-add rate: 20 × lanes flops a round of seqlab_fma_chains.
    let chainRounds = 20_000_000, lanes = Int(seqlab_fma_lanes())
    _ = seqlab_fma_chains(chainRounds / 10)
    let peak = median((0..<rounds).map { _ in Double(20 * lanes * chainRounds) / seconds { _ = seqlab_fma_chains(chainRounds) } / 1e9 })
    // (name, outputs n, depth k) of every distinct product, in the order a step meets them.
    var shapes: [(name: String, n: Int, k: Int)] = []
    for layer in 0..<L {
        let inputs = layer == 0 ? D : 2 * H
        shapes.append(("layer \(layer + 1) input, \(B) × \(inputs) · \(inputs) × \(4 * H)", 4 * H, inputs))
    }
    shapes.append(("recurrent, \(B) × \(H) · \(H) × \(4 * H)", 4 * H, H))
    shapes.append(("backward dA_t·W_hh, \(B) × \(4 * H) · \(4 * H) × \(H)", H, 4 * H))
    var seen = Set<[Int]>()
    shapes = shapes.filter { seen.insert([$0.n, $0.k]).inserted }
    var result: [(String, Double)] = [("fma_gflops", peak), ("batch", Double(B)), ("frames", Double(T))]
    if !o.flags.contains("json") {
        print("per-frame products of a BLSTM step (input \(D), \(L)×\(H), batch \(B), \(T) frames), one thread; OpenBLAS kernels \(blasCore), panel product \(["portable C", "AVX2", "AVX-512"][Int(seqlab_panels_family_id())]); training on one thread here runs them by \(perFrameProductLibrary)")
        print(String(format: "FMA rate of one core (ten chains of %d-wide float FMAs), median of %d: %.1f GFLOP/s", lanes, rounds, peak))
        print("product                                   panel alone        panel in a pass    sgemm alone        sgemm in a pass")
    }
    for (index, shape) in shapes.enumerated() {
        let n = shape.n, k = shape.k, rows = T * B
        let w = (0..<(n * k)).map { _ in Float(rng.normal()) * 0.05 }
        let x = (0..<(rows * k)).map { _ in Float(rng.normal()) }
        var c = [Float](repeating: 0, count: rows * n)
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: seqlab_panels_count(Int32(n), Int32(k)))
        defer { packed.deallocate() }
        w.withUnsafeBufferPointer { seqlab_panels_pack(Int32(n), Int32(k), $0.baseAddress!, k, 1, packed) }
        let flops = 2 * Double(B * n * k)
        /// Median over rounds of the mean time of T products, frame t's rows at offset (alone ? 0 : t).
        func time(alone: Bool, panels: Bool) -> Double {
            x.withUnsafeBufferPointer { xp in
            c.withUnsafeMutableBufferPointer { cp in
            w.withUnsafeBufferPointer { wp in
                let x0 = xp.baseAddress!, c0 = cp.baseAddress!, w0 = wp.baseAddress!
                func run(_ t: Int) {
                    let xt = x0 + (alone ? 0 : t * B * k), ct = c0 + (alone ? 0 : t * B * n)
                    if panels {
                        seqlab_panels_gemm(Int32(B), Int32(n), Int32(k), xt, Int32(k), packed, ct, Int32(n), 1, alone ? 0 : Int32(t % 2))
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(B), Int32(n), Int32(k), 1, xt, Int32(k),
                                    w0, Int32(k), 1, ct, Int32(n))
                    }
                }
                for t in 0..<min(T, 20) { run(t) }
                return median((0..<rounds).map { _ in seconds { for t in 0..<T { run(t) } } / Double(T) })
            }}}
        }
        let times = [time(alone: true, panels: true), time(alone: false, panels: true),
                     time(alone: true, panels: false), time(alone: false, panels: false)]
        let keys = ["panel_alone", "panel_pass", "sgemm_alone", "sgemm_pass"]
        for (key, t) in zip(keys, times) {
            result.append(("p\(index)_\(key)_us", t * 1e6))
            result.append(("p\(index)_\(key)_gflops", flops / t / 1e9))
        }
        result.append(("p\(index)_n", Double(n)))
        result.append(("p\(index)_k", Double(k)))
        if !o.flags.contains("json") {
            let cells = times.map { String(format: "%7.1f µs %5.1f GF/s", $0 * 1e6, flops / $0 / 1e9) }
            print(shape.name.padding(toLength: 42, withPad: " ", startingAt: 0) + cells.joined(separator: "  "))
        }
    }
    if o.flags.contains("json") { print(json(result)) }
}

/// The machine's practical matrix-product rate: OpenBLAS's sgemm of two square matrices on all threads,
/// 2n³ flops a call, the median over --rounds calls after two warm-up calls.
func runPeak(_ o: Options) {
    let n = o["size"], threads = o["threads"], rounds = o["rounds"]
    setBLASThreads(threads)
    var rng = SeededGenerator(seed: 5)
    let a = (0..<(n * n)).map { _ in Float(rng.normal()) }
    let b = (0..<(n * n)).map { _ in Float(rng.normal()) }
    var c = [Float](repeating: 0, count: n * n)
    let times: [Double] = a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                func call() {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, ap.baseAddress!, Int32(n),
                                bp.baseAddress!, Int32(n), 0, cp.baseAddress!, Int32(n))
                }
                call(); call()
                return (0..<rounds).map { _ in seconds { call() } }
            }
        }
    }
    let rates = times.map { 2 * Double(n) * Double(n) * Double(n) / $0 / 1e9 }.sorted()
    let result: [(String, Double)] = [("size", Double(n)), ("threads", Double(threads)), ("sgemm_gflops", median(rates)),
                                      ("sgemm_gflops_min", rates.first!), ("sgemm_gflops_max", rates.last!)]
    if o.flags.contains("json") {
        print(json(result))
    } else {
        print("OpenBLAS sgemm \(n) × \(n) · \(n) × \(n), \(threads) thread(s), kernels \(blasCore): "
              + String(format: "median %.1f GFLOP/s over %d calls (%.1f–%.1f)", median(rates), rounds, rates.first!, rates.last!))
    }
}

/// OpenBLAS's kernel family for this CPU (OPENBLAS_CORETYPE overrides it), e.g. "Haswell", "SkylakeX".
let blasCore = openblas_get_corename().map { String(cString: $0) } ?? "unknown"

/// One JSON object per line, keys in the given order, plus the BLAS kernel name.
func json(_ pairs: [(String, Double)]) -> String {
    "{" + pairs.map { "\"\($0.0)\": \($0.1.isFinite ? String($0.1) : "null")" }.joined(separator: ", ") + ", \"blas_core\": \"\(blasCore)\", \"small_products\": \"\(perFrameProductLibrary)\"}"
}

var arguments = CommandLine.arguments.dropFirst()
if let problem = KernelInstructionSet.problem {
    FileHandle.standardError.write(Data("bench-networks: \(problem)\n".utf8))
    exit(2)
}
let mode = arguments.first.map { $0.hasPrefix("--") ? "train" : $0 } ?? "train"
if mode != "train" || arguments.first == "train" { arguments = arguments.dropFirst() }
do {
    switch mode {
    case "train":
        try runTraining(Options(arguments, defaults: ["input": 40, "hidden": 256, "layers": 2, "classes": 30, "batch": 16, "frames": 200,
                                                     "label-length": 20, "steps": 10, "warmup": 3, "threads": cores],
                                flags: ["peepholes", "json", "libxsmm", "no-libxsmm", "precision=", "split="], usage: trainUsage))
    case "ctc":
        try runCTC(Options(arguments, defaults: ["batch": 16, "frames": 200, "classes": 30, "label-length": 20, "iters": 200,
                                                "warmup": 20, "threads": cores],
                           flags: ["json", "data="], usage: ctcUsage))
    case "products":
        runProducts(Options(arguments, defaults: ["input": 40, "hidden": 256, "layers": 2, "batch": 16, "frames": 200, "rounds": 5],
                            flags: ["json"], usage: productsUsage))
    case "peak":
        runPeak(Options(arguments, defaults: ["size": 2048, "threads": cores, "rounds": 7], flags: ["json"], usage: peakUsage))
    default:
        Options.fail("unknown mode '\(mode)'", trainUsage + "\n" + ctcUsage + "\n" + productsUsage + "\n" + peakUsage)
    }
} catch {
    FileHandle.standardError.write("bench-networks: \(error)\n".data(using: .utf8)!)
    exit(1)
}
