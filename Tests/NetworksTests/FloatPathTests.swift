// The Float path (vectorised gate loops, polynomial exp) against the Double path (libm) on odd shapes.
import CKernels
import XCTest
@testable import Networks
import Tensors
import TestSupport

final class FloatPathTests: XCTestCase {
    /// With BLAS on one thread the Float backward runs its big products by libxsmm
    /// (`WeightGradientProduct`) or BLAS and by the panel product (`InputGradientProduct`, with
    /// AVX-512) or BLAS, and the per-frame products by the
    /// panel product (`PanelMatrix`); with more, the per-frame products run by libxsmm (`SmallGemm`)
    /// or by BLAS: libxsmm forced on and off under each, every combination is checked.
    func withBLASThreads(_ counts: [Int], _ body: () -> Void) {
        let before = blasThreads()
        defer { setBLASThreads(before); SmallGemm.force(nil) }
        for n in counts {
            for libxsmm in [true, false] {
                setBLASThreads(n)
                SmallGemm.force(libxsmm)
                body()
            }
        }
    }

    func testFloatNetworkMatchesDoubleNetworkOnOddShapes() {
        withBLASThreads([1, 2]) { checkOddShapes() }
    }

    func checkOddShapes() {
        var rng = SeededGenerator(seed: 100)
        // Batches of three (libxsmm's per-frame recurrent products), of five (the input product
        // frame by frame too, LSTMLayer.perFrameInputRows) and of one (both products on the panel
        // product, or sgemv and BLAS in portable C).
        for lengths in [[9, 1, 6], [9, 1, 6, 4, 7], [8]] {
        for (inputs, hidden, peepholes) in [(1, [1], true), (3, [17], false), (5, [5, 3], true), (2, [33], true)] {
            let configuration = LSTMNetworkConfiguration(inputSize: inputs, hiddenSizes: hidden, bidirectional: true,
                                                         peepholes: peepholes, classes: 7)
            let netD = LSTMNetwork<Double>(configuration, rng: &rng)
            var seed = SeededGenerator(seed: 0)
            let netF = LSTMNetwork<Float>(configuration, rng: &seed)
            for (f, d) in zip(netF.parameters, netD.parameters) { f.value.data = d.value.data.map { Float($0) } }
            let batchD = SequenceBatch(sequences: lengths.map { randomArray($0, inputs, &rng) })
            let batchF = SequenceBatch(frames: batchD.frames.converted(to: Float.self), lengths: lengths)
            let w = randomArray(batchD.frames.rows, 7, &rng)
            netD.parameters.zeroGradients()
            netF.parameters.zeroGradients()
            let passD = netD.forward(batchD), passF = netF.forward(batchF)
            let dxD = netD.backward(passD, dLogProbabilities: w)
            let dxF = netF.backward(passF, dLogProbabilities: w.converted(to: Float.self))
            let label = "in \(inputs) hidden \(hidden) peepholes \(peepholes) lengths \(lengths)"
            // Float rounding (~6e-8 relative) through a few layers and ≤ 33-term sums: 2e-5 covers it.
            for b in 0..<lengths.count {
                assertClose(passF.logProbabilities(ofSequence: b).data, passD.logProbabilities(ofSequence: b).data,
                            absolute: 2e-5, "\(label) sequence \(b)")
            }
            assertClose(dxF.data, dxD.data, absolute: 2e-5, relative: 1e-4, "\(label) dx")
            for (f, d) in zip(netF.parameters, netD.parameters) {
                assertClose(f.gradient.data, d.gradient.data, absolute: 1e-4, relative: 1e-4, "\(label) \(f.name)")
            }
        }
        }
    }

    /// Batch 1 runs both of a layer's products on the panel product whatever BLAS's threads
    /// (`RecurrentProduct`, `LSTMLayer.forward`): its layer outputs are the same bits on one and two
    /// BLAS threads, and the bits of the same sequence in a batch of four on one BLAS thread (where the
    /// panel product runs frame by frame), uni- and bidirectional, with and without peepholes.
    func testBatchOneGivesTheBatchedPanelProductsBitsOnAnyThreads() throws {
        try XCTSkipIf(!RecurrentProduct.batchOneOnPanels, "without AVX2 batch 1 runs sgemv and BLAS")
        let before = blasThreads()
        defer { setBLASThreads(before) }
        var rng = SeededGenerator(seed: 7)
        let T = 23, D = 13
        for (bidirectional, peepholes) in [(false, true), (true, false), (true, true)] {
            let configuration = LSTMNetworkConfiguration(inputSize: D, hiddenSizes: [37, 20], bidirectional: bidirectional,
                                                         peepholes: peepholes, classes: 5)
            let net = LSTMNetwork<Float>(configuration, rng: &rng)
            let x = randomArray(T, D, &rng).converted(to: Float.self)
            var four = Array2D<Float>(rows: 4 * T, cols: D)
            for t in 0..<T { for b in 0..<4 { for j in 0..<D { four[t * 4 + b, j] = x[t, j] } } }
            func outputs(_ batch: SequenceBatch<Float>, blas: Int) -> [[Float]] {
                setBLASThreads(blas)
                let pass = net.forward(batch)
                return pass.layerOutputs.enumerated().map { k, out in
                    let width = configuration.directions * configuration.hiddenSizes[k]
                    return (0..<T).flatMap { t in (0..<width).map { out.pointer[(t * batch.batchSize) * width + $0] } }
                }
            }
            let single = SequenceBatch(sequences: [x])
            let label = "bidirectional \(bidirectional) peepholes \(peepholes)"
            let oneThread = outputs(single, blas: 1)
            XCTAssertEqual(oneThread, outputs(single, blas: 2), "\(label): batch 1 on one and two BLAS threads")
            XCTAssertEqual(oneThread, outputs(SequenceBatch(frames: four, lengths: [T, T, T, T]), blas: 1),
                           "\(label): batch 1 against the first of four copies")
            XCTAssertTrue(oneThread.joined().allSatisfy { $0.isFinite && $0 != 0 }, label)
        }
    }

    /// Float inference at batch 1 on two threads splits each bidirectional layer's recurrences
    /// between two threads where H is a multiple of 32 (`LSTMSplitRecurrentWeights`, policy
    /// `.always`; with every kernel family, so SEQLAB_ISA runs check the AVX2 and portable ones): the layer outputs, cell states, gate activations and
    /// log-probabilities are the bits of the directions side by side, and of the same sequence in
    /// a batch of four, with and without peepholes, on a pool thread and (the pool held by an enclosing
    /// call) both halves on the calling thread; a layer of 48 units runs unsplit beside one of 32.
    func testSplitBatchOneRecurrenceGivesTheSameBits() throws {
        try XCTSkipIf(!RecurrentProduct.batchOneOnPanels, "without AVX2 float inference packs nothing to split")
        defer { SplitRecurrence.policy = .automatic }
        XCTAssertFalse(SplitRecurrence.splits(hidden: 128), "automatic: a 256 KB W_hh stays in the L2, unsplit")
        XCTAssertEqual(SplitRecurrence.splits(hidden: 256), seqlab_kernel_family_id() == 2 && seqlab_l2_bytes() <= 1 << 20,
                       "automatic: 1 MB splits with a 1 MB L2 and the AVX-512 kernel")
        XCTAssertFalse(SplitRecurrence.splits(hidden: 250), "250 units do not split")
        var rng = SeededGenerator(seed: 13)
        let T = 29, D = 9
        for (hidden, peepholes) in [([32, 64], true), ([64], false), ([48, 32], true)] {
            let configuration = LSTMNetworkConfiguration(inputSize: D, hiddenSizes: hidden, bidirectional: true,
                                                         peepholes: peepholes, classes: 6)
            var net = LSTMNetwork<Float>(configuration, rng: &rng)
            SplitRecurrence.policy = .always   // the halves are packed only where the policy splits
            net.setPrecision(.float32)
            net.concurrentDirections = true
            let x = randomArray(T, D, &rng).converted(to: Float.self)
            var four = Array2D<Float>(rows: 4 * T, cols: D)
            for t in 0..<T { for b in 0..<4 { for j in 0..<D { four[t * 4 + b, j] = x[t, j] } } }
            /// Layer outputs, cell states, tanh of them, gate activations (first sequence) and log-probabilities.
            func run(_ batch: SequenceBatch<Float>, split: Bool) -> (values: [[Float]], layersSplit: Int) {
                SplitRecurrence.policy = split ? .always : .never
                let before = SplitRecurrence.layersRun
                let pass = net.forward(batch)
                let B = batch.batchSize
                var values: [[Float]] = []
                for (k, out) in pass.layerOutputs.enumerated() {
                    let H = hidden[k], width = 2 * H
                    values.append((0..<T).flatMap { t in (0..<width).map { out.pointer[t * B * width + $0] } })
                    for cache in pass.caches[k] {
                        values.append((0..<T).flatMap { t in (0..<H).map { cache.cells.pointer[t * B * H + $0] } })
                        values.append((0..<T).flatMap { t in (0..<H).map { cache.tanhCells.pointer[t * B * H + $0] } })
                        values.append((0..<T).flatMap { t in (0..<(4 * H)).map { cache.gates.pointer[t * B * 4 * H + $0] } })
                    }
                }
                values.append(pass.logProbabilities(ofSequence: 0).data)
                return (values, SplitRecurrence.layersRun - before)
            }
            let single = SequenceBatch(sequences: [x])
            let label = "hidden \(hidden) peepholes \(peepholes)"
            let split = run(single, split: true), sideBySide = run(single, split: false)
            // Inside a call that holds the thread pool, the calling thread runs both halves.
            var heldPool: (values: [[Float]], layersSplit: Int)?
            concurrentlyForEach(1) { _ in heldPool = run(single, split: true) }
            XCTAssertEqual(split.layersSplit, hidden.filter { $0 % 32 == 0 }.count, label)
            XCTAssertEqual(heldPool?.layersSplit, split.layersSplit, label)
            XCTAssertEqual(sideBySide.layersSplit, 0, label)
            XCTAssertEqual(split.values.count, sideBySide.values.count, label)
            for (i, (a, b)) in zip(split.values, sideBySide.values).enumerated() {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(label): array \(i), split against side by side")
                XCTAssertEqual(heldPool?.values[i].map(\.bitPattern), b.map(\.bitPattern), "\(label): array \(i), split off the pool")
            }
            // Against the first of four copies on one BLAS thread (the panel product frame by frame):
            // the layer outputs (arrays 0 and 7 of each layer's 7), as testBatchOneGivesTheBatchedPanelProductsBitsOnAnyThreads.
            let blas = blasThreads()
            setBLASThreads(1)
            let batched = run(SequenceBatch(frames: four, lengths: [T, T, T, T]), split: true)
            setBLASThreads(blas)
            XCTAssertEqual(batched.layersSplit, 0, label)
            for k in hidden.indices {
                XCTAssertEqual(split.values[7 * k].map(\.bitPattern), batched.values[7 * k].map(\.bitPattern),
                               "\(label): layer \(k) against a batch of four")
            }
            XCTAssertTrue(split.values.joined().allSatisfy(\.isFinite), label)
        }
    }

    /// The automatic policy's chooser: split and side by side in turn for the first `trials` calls,
    /// then the lower best of the last five times, the other every `refreshEvery` calls; shapes apart.
    func testSplitChooserRunsBothWaysThenTheFasterAndRefreshes() {
        let chooser = SplitChooser(), wide = SplitChooser.key(inputs: 512, hidden: 256), first = SplitChooser.key(inputs: 40, hidden: 256)
        XCTAssertNotEqual(wide, first)
        var trial: [Bool] = []
        for i in 0..<SplitChooser.trials {
            let split = chooser.choose(wide)
            trial.append(split)
            // Split slower; the side-by-side way's one slow call (a disturbance) does not count.
            chooser.record(wide, split: split, seconds: split ? 2e-5 : (i == 1 ? 9e-5 : 1e-5))
        }
        XCTAssertEqual(trial, (0..<SplitChooser.trials).map { $0 % 2 == 0 })
        XCTAssertTrue(chooser.choose(first), "another shape starts afresh")
        let calls = SplitChooser.trials..<(3 * SplitChooser.refreshEvery + 1)
        let picks = calls.map { _ in chooser.choose(wide) }
        XCTAssertEqual(zip(calls, picks).filter(\.1).map(\.0), [SplitChooser.refreshEvery, 2 * SplitChooser.refreshEvery, 3 * SplitChooser.refreshEvery],
                       "side by side, the faster, but at every refresh")
        // Split measured faster: its best drops below side by side's, and it is chosen.
        chooser.record(wide, split: true, seconds: 4e-6)
        XCTAssertEqual((0..<5).map { _ in chooser.choose(wide) }, [true, true, true, true, true])
        // Split slower five times over: its fast time leaves the window, and side by side is chosen again.
        for _ in 0..<5 { chooser.record(wide, split: true, seconds: 3e-5) }
        XCTAssertFalse(chooser.choose(wide))
    }

    /// The chooser's trials as a process saw them (times a frame, µs): the split's first call slow
    /// and its third disturbed, 8.76, 6.60 and 9.71 against side by side's
    /// 7.96, 7.86 and 7.75; the split, at 6.4–6.6 from then on, is the faster way.
    func testSplitChooserIsNotMisledBySlowTrials() {
        let chooser = SplitChooser(), key = SplitChooser.key(inputs: 40, hidden: 256)
        let times = [8.76, 7.96, 6.60, 7.86, 9.71, 7.75]
        for t in times { chooser.record(key, split: chooser.choose(key), seconds: t * 1e-6) }
        let picks = (SplitChooser.trials..<SplitChooser.refreshEvery).map { _ in chooser.choose(key) }
        XCTAssertEqual(picks, picks.map { _ in true })
    }

    /// A network set for float inference (`setPrecision(.float32)`) packs its LSTM weights once
    /// (`LSTMPanelWeights`) and gives the bits of one that packs them every pass, at batch 1, 3 and
    /// 5 (the input product frame by frame), on one and two BLAS threads; after its weights change,
    /// setting it again follows them.
    func testPackedForInferenceGivesTheSameBits() throws {
        try XCTSkipIf(!RecurrentProduct.batchOneOnPanels, "without AVX2 there is nothing to pack")
        let before = blasThreads()
        defer { setBLASThreads(before) }
        var rng = SeededGenerator(seed: 11)
        // 4H of 76 and 96 outputs: the batch-1 step on the panel product; of 64 and 128: where a
        // vector kernel runs, on W_hh packed as one stream (`StreamMatrix`).
        for hiddenSizes in [[16, 32], [19, 24]] {
            let configuration = LSTMNetworkConfiguration(inputSize: 6, hiddenSizes: hiddenSizes, bidirectional: true, peepholes: true, classes: 4)
            let net = LSTMNetwork<Float>(configuration, rng: &rng)
            var packed = net.copy()
            packed.setPrecision(.float32)
            XCTAssertNotNil(packed.panelLayers)
            XCTAssertEqual(packed.precision, .float32)
            let streams = packed.panelLayers!.joined().filter { $0.recurrentStream != nil }.count
            XCTAssertEqual(streams, hiddenSizes == [16, 32] && seqlab_kernel_family_id() >= 1 ? 4 : 0, "\(hiddenSizes)")
            for lengths in [[17], [9, 17, 4], [5, 17, 12, 1, 8]] {
                let batch = SequenceBatch(sequences: lengths.map { randomArray($0, 6, &rng).converted(to: Float.self) })
                for threads in [1, 2] {
                    setBLASThreads(threads)
                    XCTAssertEqual(packed.forward(batch).logProbabilities.data, net.forward(batch).logProbabilities.data,
                                   "\(hiddenSizes), lengths \(lengths), \(threads) BLAS threads")
                }
            }
        }
        let configuration = LSTMNetworkConfiguration(inputSize: 6, hiddenSizes: [16, 24], bidirectional: true, peepholes: true, classes: 4)
        var packed = LSTMNetwork<Float>(configuration, rng: &rng)
        packed.setPrecision(.float32)
        for p in packed.parameters { p.value.data = p.value.data.map { $0 * 0.5 } }
        let batch = SequenceBatch(sequences: [randomArray(12, 6, &rng).converted(to: Float.self)])
        let stale = packed.forward(batch).logProbabilities.data
        packed.setPrecision(.float32)
        let fresh = packed.forward(batch).logProbabilities.data
        XCTAssertNotEqual(stale, fresh, "the packed weights are those of setPrecision's time")
        var plain = packed.copy()
        plain.panelLayers = nil
        XCTAssertEqual(fresh, plain.forward(batch).logProbabilities.data)
    }

    /// Long batches, whose weight gradient Float multiplies in blocks of 400 frames and a remainder
    /// (`WeightGradientProduct`, BLAS on one thread), unidirectional from a given initial state
    /// (whose h is H_prev at the first frame) and bidirectional with padding: Float's gradients
    /// equal Double's.
    func testLongBatchesAndAnInitialStateMatchDouble() {
        withBLASThreads([1, 2]) { checkLongBatches() }
    }

    func checkLongBatches() {
        var rng = SeededGenerator(seed: 101)
        for (lengths, bidirectional) in [([120, 37, 90, 120], false), ([150, 3, 77], true)] {
            let configuration = LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [6, 5], bidirectional: bidirectional,
                                                         peepholes: true, classes: 4)
            let netD = LSTMNetwork<Double>(configuration, rng: &rng)
            var seed = SeededGenerator(seed: 0)
            let netF = LSTMNetwork<Float>(configuration, rng: &seed)
            for (f, d) in zip(netF.parameters, netD.parameters) { f.value.data = d.value.data.map { Float($0) } }
            let batchD = SequenceBatch(sequences: lengths.map { randomArray($0, 3, &rng) })
            let batchF = SequenceBatch(frames: batchD.frames.converted(to: Float.self), lengths: lengths)
            var stateD: LSTMNetwork<Double>.State? = nil, stateF: LSTMNetwork<Float>.State? = nil
            if !bidirectional {
                let hidden = configuration.hiddenSizes.map { randomArray(lengths.count, $0, &rng, scale: 0.8) }
                let cells = configuration.hiddenSizes.map { randomArray(lengths.count, $0, &rng) }
                stateD = LSTMNetwork<Double>.State(hidden: hidden, cells: cells)
                stateF = LSTMNetwork<Float>.State(hidden: hidden.map { $0.converted(to: Float.self) },
                                                  cells: cells.map { $0.converted(to: Float.self) })
            }
            let w = randomArray(batchD.frames.rows, 4, &rng)
            netD.parameters.zeroGradients()
            netF.parameters.zeroGradients()
            let dxD = netD.backward(netD.forward(batchD, initialState: stateD), dLogProbabilities: w)
            let dxF = netF.backward(netF.forward(batchF, initialState: stateF), dLogProbabilities: w.converted(to: Float.self))
            let label = "lengths \(lengths), bidirectional \(bidirectional)"
            XCTAssertGreaterThan(batchD.frames.rows, WeightGradientProduct.frameBlock)
            assertClose(dxF.data, dxD.data, absolute: 2e-5, relative: 1e-4, "\(label) dx")
            for (f, d) in zip(netF.parameters, netD.parameters) {
                // Sums over up to 480 frames: 2e-4.
                assertClose(f.gradient.data, d.gradient.data, absolute: 2e-4, relative: 2e-4, "\(label) \(f.name)")
            }
        }
    }
}
