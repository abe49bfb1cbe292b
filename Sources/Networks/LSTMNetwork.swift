// LSTMNetwork: stacked (bi)directional LSTM layers and a log-softmax output layer, with BPTT over a padded batch.
import Tensors

/// The architecture of an `LSTMNetwork`, saved as JSON in the model's metadata.
public struct LSTMNetworkConfiguration: Codable, Equatable, Sendable {
    /// D, the frame dimension.
    public var inputSize: Int
    /// H_k for each layer k of the stack (per direction).
    public var hiddenSizes: [Int]
    /// Two directions per layer, outputs concatenated [forward | reverse].
    public var bidirectional: Bool
    /// Peephole connections from the cell to the gates (Graves 2012 §4.5); off = `torch.nn.LSTM`.
    public var peepholes: Bool
    /// K, the number of output classes (for CTC: labels + blank).
    public var classes: Int

    public init(inputSize: Int, hiddenSizes: [Int], bidirectional: Bool = true, peepholes: Bool = true, classes: Int) {
        self.inputSize = inputSize
        self.hiddenSizes = hiddenSizes
        self.bidirectional = bidirectional
        self.peepholes = peepholes
        self.classes = classes
    }

    /// Directions per layer (1 or 2).
    public var directions: Int { bidirectional ? 2 : 1 }

    /// Input width of layer k (D for the first, directions·H_{k−1} after).
    public func layerInputs(_ k: Int) -> Int { k == 0 ? inputSize : directions * hiddenSizes[k - 1] }

    /// Width of the last LSTM layer's output (the output layer's input).
    public var topWidth: Int { hiddenSizes.isEmpty ? inputSize : directions * hiddenSizes[hiddenSizes.count - 1] }
}

/// Inverted dropout (Srivastava et al. 2014, "Dropout: a simple way to prevent neural networks
/// from overfitting", JMLR 15) on the output of every LSTM layer while training, i.e. on the
/// non-recurrent connections only (the input of the layer above and of the output layer; Zaremba
/// et al. 2014, "Recurrent neural network regularization"): each value h is replaced by
/// m·h/(1 − p) with m ~ Bernoulli(1 − p), so that the expected input of the next layer is
/// unchanged and nothing is dropped or rescaled at test time. The masks are drawn from `seed`
/// (one stream per layer), so a pass is reproducible and its backward uses the same masks.
public struct Dropout: Sendable, Equatable {
    /// p, the probability of dropping a value, in [0, 1).
    public var rate: Double
    public var seed: UInt64
    public init(rate: Double, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "Dropout: the rate must lie in [0, 1), got \(rate)")
        self.rate = rate
        self.seed = seed
    }

    /// The mask of layer k for `count` values: 0 (dropped) or 1/(1 − p) (kept).
    func mask<S: NetworkScalar>(layer k: Int, count: Int) -> ScratchBuffer<S> {
        var rng = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(k + 1))
        let m = ScratchBuffer<S>(count: count, zeroed: false)
        let kept = S(1 / (1 - rate))
        for i in 0..<count { m.pointer[i] = rng.uniform() < rate ? 0 : kept }
        return m
    }
}

/// A sequence labeller: a stack of LSTM layers (each one or two `LSTMLayer` directions,
/// Graves 2012 ch. 4, bidirectional as in §3.2.4) and a dense output layer with log-softmax,
/// giving log y_k(t), the per-frame log-probabilities that CTC consumes (Graves et al. 2006).
///
/// Shapes: input a `SequenceBatch` ((T·B) × D, time-major); the output of layer k is
/// (T·B) × (directions·H_k), forward direction in the first H_k columns; log-probabilities
/// are (T·B) × K. Padded rows of the log-probabilities are meaningless and get no gradient.
/// Tensor names and layout: docs/MODEL.md.
public struct LSTMNetwork<S: NetworkScalar>: Sendable {
    public let configuration: LSTMNetworkConfiguration
    /// layers[k][d]: layer k, direction d (0 forward, 1 reverse).
    public let layers: [[LSTMLayer<S>]]
    /// The output layer, K × topWidth, named `output.weight` / `output.bias`.
    public let output: DenseLayer<S>
    /// Run the two directions of a bidirectional layer on two threads (forward and backward).
    /// Results are identical either way; with 2+ cores and `setBLASThreads(1)` this is usually
    /// faster than threading inside the small per-step gemms. Not part of the saved model.
    public var concurrentDirections = false
    /// Each layer's and direction's weights in bfloat16 when the network runs at
    /// `ProductPrecision.bfloat16` (`setPrecision`), nil in float32. Not part of the saved model.
    var bfloat16Layers: [[LSTMBFloat16Weights]]?
    /// Each layer's and direction's weights packed for the panel product when the network runs
    /// float inference (`setPrecision(.float32)`, on CPUs with AVX2 or AVX-512), nil otherwise.
    /// Not part of the saved model.
    var panelLayers: [[LSTMPanelWeights]]?

    /// The arithmetic of `forward`'s LSTM products at inference (`setPrecision`).
    public var precision: ProductPrecision { bfloat16Layers == nil ? .float32 : .bfloat16 }

    /// Mixed-precision training (`ProductPrecision.bfloat16` in `seqlab train`): every `forward`
    /// rounds the LSTM weights as they are then (they change at every update) and runs its LSTM
    /// products in bfloat16, and `backward` runs its products so too (`LSTMLayer.backward`);
    /// the weights, their gradients and the optimizer stay in float. Not part of the saved model.
    public var trainsInBFloat16 = false

    /// A freshly initialised network (LSTMLayer and DenseLayer document the initialisation).
    public init(_ configuration: LSTMNetworkConfiguration, rng: inout some RandomNumberGenerator) {
        precondition(configuration.inputSize > 0 && configuration.classes > 0 && configuration.hiddenSizes.allSatisfy { $0 > 0 },
                     "LSTMNetwork: sizes must be positive, got \(configuration)")
        self.configuration = configuration
        var layers: [[LSTMLayer<S>]] = []
        for (k, h) in configuration.hiddenSizes.enumerated() {
            layers.append((0..<configuration.directions).map { d in
                LSTMLayer(inputs: configuration.layerInputs(k), hidden: h, layer: k, reversed: d == 1,
                          peepholes: configuration.peepholes, rng: &rng)
            })
        }
        self.layers = layers
        output = DenseLayer(inputs: configuration.topWidth, outputs: configuration.classes, name: "output", rng: &rng)
    }

    /// The names and shapes `parameters` will have, in the same order, computed without
    /// allocating anything (so a loader can check a file against an architecture first).
    public static func parameterShapes(_ c: LSTMNetworkConfiguration) -> [(name: String, shape: [Int])] {
        var out: [(name: String, shape: [Int])] = []
        for (k, h) in c.hiddenSizes.enumerated() {
            for d in 0..<c.directions {
                let suffix = "_l\(k)" + (d == 1 ? "_reverse" : "")
                out += [("lstm.weight_ih" + suffix, [4 * h, c.layerInputs(k)]), ("lstm.weight_hh" + suffix, [4 * h, h]),
                        ("lstm.bias_ih" + suffix, [4 * h]), ("lstm.bias_hh" + suffix, [4 * h])]
                if c.peepholes { out.append(("lstm.peephole" + suffix, [3, h])) }
            }
        }
        return out + [("output.weight", [c.classes, c.topWidth]), ("output.bias", [c.classes])]
    }

    /// All parameters in saved order: layer by layer, forward before reverse, then the output layer.
    public var parameters: [Parameter<S>] { layers.flatMap { $0.flatMap(\.parameters) } + output.parameters }

    /// The recurrent state of a unidirectional network between two chunks of a stream:
    /// for each layer k, h and s of every sequence (B × H_k each). Passing a chunk's
    /// `finalState` as the next chunk's `initialState` gives truncated BPTT (Williams & Peng
    /// 1990): the forward pass continues exactly, gradients stop at the chunk boundary.
    public struct State: Sendable, Equatable {
        public var hidden: [Array2D<S>]
        public var cells: [Array2D<S>]
        public init(hidden: [Array2D<S>], cells: [Array2D<S>]) { self.hidden = hidden; self.cells = cells }
    }

    /// Everything forward computed that backward needs, and the log-probabilities.
    public struct ForwardPass: Sendable {
        public let batch: SequenceBatch<S>
        /// log y_k(t): (T·B) × K, row t·B + b.
        public let logProbabilities: Array2D<S>
        /// z_k(t), the output layer's activations before the log-softmax, (T·B) × K: the
        /// outputs of a regression (next-value prediction) or of pooled sequence classification.
        public let logits: Array2D<S>
        /// For a unidirectional network, the state after each sequence's last real frame
        /// (the initial state for sequences of length 0); nil for a bidirectional one.
        public let finalState: State?
        let layerOutputs: [ScratchBuffer<S>]
        /// What the layer above (or the output layer) reads of layer k: its output, or the output
        /// times the dropout mask (`masks[k]`) when the pass drops; `masks` is empty otherwise.
        let layerInputsAbove: [ScratchBuffer<S>]
        let masks: [ScratchBuffer<S>]
        let caches: [[LSTMLayer<S>.Cache]]
        /// Whether the pass ran as mixed-precision training (`trainsInBFloat16`), which backward follows.
        let bfloat16Training: Bool

        /// Sequence b's log-probabilities, lengths[b] × K.
        public func logProbabilities(ofSequence b: Int) -> Array2D<S> { batch.unpad(logProbabilities, sequence: b) }
    }

    /// Runs the network over a batch, from zero state or (unidirectional networks only) from
    /// `initialState`, e.g. the previous chunk's `finalState`; `dropout` (training only) drops
    /// values of every LSTM layer's output on their way up (see `Dropout`).
    ///
    /// `keepingTrainingState: false` (inference: decode, label) gives the same log-probabilities,
    /// logits and final state, bit for bit, but lets each layer's caches (gates, cells) and output
    /// go as soon as the layer above has its input, instead of keeping every layer's for `backward`,
    /// which such a pass cannot run.
    @_specialize(where S == Float)
    public func forward(_ batch: SequenceBatch<S>, initialState: State? = nil, dropout: Dropout? = nil,
                        keepingTrainingState: Bool = true) -> ForwardPass {
        precondition(keepingTrainingState || dropout == nil, "LSTMNetwork.forward: dropout is for training")
        precondition(batch.dimension == configuration.inputSize,
                     "LSTMNetwork.forward: frames have \(batch.dimension) dimensions, the network expects \(configuration.inputSize)")
        let T = batch.maxLength, B = batch.batchSize, rows = T * B
        if let initialState {
            precondition(!configuration.bidirectional, "LSTMNetwork.forward: an initial state needs a unidirectional network")
            precondition(initialState.hidden.count == layers.count && initialState.cells.count == layers.count
                         && zip(initialState.hidden + initialState.cells, configuration.hiddenSizes + configuration.hiddenSizes)
                            .allSatisfy { $0.rows == B && $0.cols == $1 },
                         "LSTMNetwork.forward: initial state must hold B × H_k arrays for every layer")
        }
        var outputs: [ScratchBuffer<S>] = [], caches: [[LSTMLayer<S>.Cache]] = []
        var above: [ScratchBuffer<S>] = [], masks: [ScratchBuffer<S>] = []
        let dropout = dropout.flatMap { $0.rate > 0 ? $0 : nil }
        // Without training state the final state is taken from each layer before its caches go.
        var finalState: State? = nil
        if !configuration.bidirectional {
            finalState = initialState ?? State(hidden: configuration.hiddenSizes.map { Array2D(rows: B, cols: $0) },
                                               cells: configuration.hiddenSizes.map { Array2D(rows: B, cols: $0) })
        }
        batch.frames.data.withUnsafeBufferPointer { input in
            for (k, directions) in layers.enumerated() {
                let width = configuration.directions * configuration.hiddenSizes[k]
                let out = ScratchBuffer<S>(count: rows * width, zeroed: false)   // every row written
                let x = k == 0 ? input.baseAddress! : UnsafePointer(above.last!.pointer)   // layer k − 1's
                let ldx = configuration.layerInputs(k)
                let layerCaches = directions.map { LSTMLayer<S>.Cache(rows: rows, hidden: $0.hidden) }
                if let initialState {
                    let h = ScratchBuffer<S>(count: B * directions[0].hidden), c = ScratchBuffer<S>(count: B * directions[0].hidden)
                    h.pointer.update(from: initialState.hidden[k].data, count: h.count)
                    c.pointer.update(from: initialState.cells[k].data, count: c.count)
                    layerCaches[0].initialHidden = h
                    layerCaches[0].initialCells = c
                }
                // Float inference at batch 1 on two or more threads may split the recurrences between two
                // threads (`forwardLayerSplit`); otherwise the directions, side by side, write disjoint
                // column blocks of `out` and their own caches.
                forwardLayerSplit(k, x: x, ldx: ldx, time: T, batchSize: B, out: out, width: width, caches: layerCaches,
                                  fromZeroWithoutDropout: initialState == nil && dropout == nil) {
                    forEachDirection(directions.count) { d in
                        let reduced = trainsInBFloat16 ? (directions[d] as? LSTMLayer<Float>)?.bfloat16Weights() : bfloat16Layers?[k][d]
                        directions[d].forward(x: x, ldx: ldx, time: T, lengths: batch.lengths, y: out.pointer + d * directions[d].hidden,
                                              ldy: width, cache: layerCaches[d], bfloat16: reduced, panels: panelLayers?[k][d])
                    }
                }
                if !keepingTrainingState {
                    if finalState != nil { takeFinalState(&finalState!, layer: k, of: batch, output: out, cells: layerCaches[0].cells) }
                    above = [out]   // layer k + 1 reads only this; layer k − 1's output and layer k's caches go
                    continue
                }
                outputs.append(out)
                caches.append(layerCaches)
                if let dropout {
                    let mask: ScratchBuffer<S> = dropout.mask(layer: k, count: rows * width)
                    let dropped = ScratchBuffer<S>(count: rows * width, zeroed: false)
                    for i in 0..<(rows * width) { dropped.pointer[i] = out.pointer[i] * mask.pointer[i] }
                    above.append(dropped)
                    masks.append(mask)
                } else {
                    above.append(out)
                }
            }
        }
        // The output layer and the log-softmax, in row blocks (`forEachPart`).
        let K = configuration.classes, width = configuration.topWidth
        var rawLogits = Array2D<S>(rows: rows, cols: K), logits = Array2D<S>(rows: rows, cols: K)
        withTop(above, batch) { top in
        rawLogits.data.withUnsafeMutableBufferPointer { rawPointer in
        logits.data.withUnsafeMutableBufferPointer { logPointer in
            let raw = rawPointer.baseAddress!, log = logPointer.baseAddress!
            forEachPart(rows) { part in
                let block = LSTMNetwork.block(part, of: rows)
                output.forward(x: top + block.lowerBound * width, ldx: width, rows: block.count, y: raw + block.lowerBound * K)
                (log + block.lowerBound * K).update(from: raw + block.lowerBound * K, count: block.count * K)
                for r in block { Softmax.logSoftmaxInPlace(UnsafeMutableBufferPointer(start: log + r * K, count: K)) }
            }
        }}}
        if keepingTrainingState && finalState != nil {
            for k in configuration.hiddenSizes.indices {
                takeFinalState(&finalState!, layer: k, of: batch, output: outputs[k], cells: caches[k][0].cells)
            }
        }
        return ForwardPass(batch: batch, logProbabilities: logits, logits: rawLogits, finalState: finalState, layerOutputs: outputs,
                           layerInputsAbove: above, masks: masks, caches: caches, bfloat16Training: trainsInBFloat16)
    }

    /// Copies layer k's hidden output and cells at each sequence's last real frame into `state`
    /// (a sequence of length 0 keeps the state it started from).
    private func takeFinalState(_ state: inout State, layer k: Int, of batch: SequenceBatch<S>,
                                output: ScratchBuffer<S>, cells: ScratchBuffer<S>) {
        let h = configuration.hiddenSizes[k], B = batch.batchSize
        for b in 0..<B where batch.lengths[b] > 0 {
            let r = (batch.lengths[b] - 1) * B + b
            for j in 0..<h {
                state.hidden[k][b, j] = output.pointer[r * h + j]
                state.cells[k][b, j] = cells.pointer[r * h + j]
            }
        }
    }

    /// Backward from ∂L/∂(log-probabilities), (T·B) × K. Adds every parameter's gradient
    /// and returns ∂L/∂(input frames), (T·B) × D (zero on padding).
    @_specialize(where S == Float)
    @discardableResult
    public func backward(_ pass: ForwardPass, dLogProbabilities: Array2D<S>) -> Array2D<S> {
        backward(pass, dLogits: Softmax.logSoftmaxBackward(y: pass.logProbabilities, dy: dLogProbabilities))
    }

    /// Backward from ∂L/∂(logits), the output layer's input to the log-softmax, (T·B) × K —
    /// the form a CTC loss usually gives (y − posterior). Returns ∂L/∂(input frames).
    @discardableResult
    public func backward(_ pass: ForwardPass, dLogits: Array2D<S>) -> Array2D<S> {
        backward(pass, dLogits: dLogits, inputGradient: true)!
    }

    /// The same, computing ∂L/∂(input frames) only when `inputGradient` (else returning nil):
    /// training needs only the parameter gradients, and leaving out the first layer's
    /// dA·W_ih saves one (T·B) × 4H × D gemm per direction.
    @_specialize(where S == Float)
    @discardableResult
    public func backward(_ pass: ForwardPass, dLogits: Array2D<S>, inputGradient: Bool) -> Array2D<S>? {
        let batch = pass.batch, T = batch.maxLength, B = batch.batchSize, rows = T * B, K = configuration.classes
        precondition(pass.caches.count == layers.count, "LSTMNetwork.backward: the pass ran with keepingTrainingState: false")
        precondition(bfloat16Layers == nil || pass.bfloat16Training,
                     "LSTMNetwork.backward: the network runs at bfloat16 precision, an inference setting; train in float32 or with trainsInBFloat16")
        precondition(panelLayers == nil,
                     "LSTMNetwork.backward: the network is set for inference (setPrecision), its weights packed as they were; train a network that is not")
        precondition(dLogits.rows == rows && dLogits.cols == K,
                     "LSTMNetwork.backward: gradient is \(dLogits.rows)×\(dLogits.cols), expected \(rows)×\(K)")
        var dz = dLogits
        for t in 0..<T { for b in 0..<B where t >= batch.lengths[b] {
            for j in 0..<K { dz.data[(t * B + b) * K + j] = 0 }      // padding: no gradient
        } }
        // The output layer's backward in parts (`forEachPart`): dTop by row blocks, dW by column
        // blocks of its input, the bias in the first part.
        let width = configuration.topWidth
        var dTop = Array2D<S>(rows: rows, cols: width)
        withTop(pass.layerInputsAbove, batch) { top in
        dz.data.withUnsafeBufferPointer { dzPointer in
        dTop.data.withUnsafeMutableBufferPointer { dTopPointer in
        output.weight.gradient.data.withUnsafeMutableBufferPointer { dWPointer in
            let dzp = dzPointer.baseAddress!, dtp = dTopPointer.baseAddress!, dW = dWPointer.baseAddress!
            forEachPart(rows) { part in
                let block = LSTMNetwork.block(part, of: rows), columns = LSTMNetwork.block(part, of: width)
                output.inputGradient(dy: dzp + block.lowerBound * K, rows: block.count, dx: dtp + block.lowerBound * width, lddx: width)
                output.addWeightGradient(x: top, ldx: width, dy: dzp, rows: rows, columns: columns, into: dW)
                if part == 0 { output.addBiasGradient(dy: dzp, rows: rows) }
            }
        }}}}
        guard !layers.isEmpty else { return inputGradient ? dTop : nil }
        if let mask = pass.masks.last {   // ∂L/∂h = ∂L/∂(dropped h) · mask
            for i in 0..<dTop.data.count { dTop.data[i] *= mask.pointer[i] }
        }
        var dInput = Array2D<S>(rows: inputGradient ? rows : 0, cols: configuration.inputSize)
        batch.frames.data.withUnsafeBufferPointer { input in
        dInput.data.withUnsafeMutableBufferPointer { dInputPointer in
        dTop.data.withUnsafeMutableBufferPointer { dTopPointer in
            var dy = dTopPointer.baseAddress!            // ∂L/∂(output of layer k)
            var dyOwner: ScratchBuffer<S>? = nil          // keeps the current dy alive
            for k in stride(from: layers.count - 1, through: 0, by: -1) {
                let width = configuration.directions * configuration.hiddenSizes[k]
                let x = k == 0 ? input.baseAddress! : UnsafePointer(pass.layerInputsAbove[k - 1].pointer)
                let ldx = configuration.layerInputs(k)
                let dxOwner = k == 0 ? nil : ScratchBuffer<S>(count: rows * ldx, zeroed: false)   // written by direction 0
                // nil: the first layer's input gradient, not wanted.
                let dx = dxOwner?.pointer ?? (inputGradient ? dInputPointer.baseAddress! : nil)
                // Each direction writes its own parameter gradients; the reverse direction's dx goes
                // to its own buffer and is added afterwards, so serial and concurrent runs sum alike.
                let directions = layers[k]
                let separate = directions.count > 1 && dx != nil ? ScratchBuffer<S>(count: rows * ldx, zeroed: false) : nil
                let dyLayer = dy
                forEachDirection(directions.count) { d in
                    let offset = d * directions[d].hidden
                    let target = d > 0 ? separate?.pointer : dx
                    directions[d].backward(x: x, ldx: ldx, time: T, lengths: batch.lengths,
                                           y: pass.layerOutputs[k].pointer + offset, ldy: width,
                                           dy: dyLayer + offset, lddy: width, dx: target, lddx: ldx,
                                           accumulate: false, cache: pass.caches[k][d], bfloat16: pass.bfloat16Training)
                }
                if let separate, let dx { for i in 0..<(rows * ldx) { dx[i] += separate.pointer[i] } }
                if let dxOwner, !pass.masks.isEmpty {   // through layer k − 1's dropout mask
                    let mask = pass.masks[k - 1]
                    for i in 0..<(rows * ldx) { dxOwner.pointer[i] *= mask.pointer[i] }
                }
                dyOwner = dxOwner
                if let dxOwner { dy = dxOwner.pointer }
            }
            withExtendedLifetime(dyOwner) {}
        }}}
        return inputGradient ? dInput : nil
    }

    /// The output layer's work is done in `parts` parts whatever the threads, so that a
    /// serial and a concurrent run compute the same sums in the same blocks.
    private static var parts: Int { 2 }

    /// Part `part` of 0..<count split into `parts` nearly equal blocks.
    private static func block(_ part: Int, of count: Int) -> Range<Int> { blockRange(part, of: count, parts: parts) }

    /// Runs body(0..<parts) for the output layer's blocks of `rows` rows, concurrently when
    /// `concurrentDirections` and there are rows enough for it to pay.
    private func forEachPart(_ rows: Int, _ body: (Int) -> Void) {
        if rows >= 64 { forEachDirection(LSTMNetwork.parts, body) } else { for part in 0..<LSTMNetwork.parts { body(part) } }
    }

    /// The output layer's input, (T·B) × topWidth: the top LSTM layer's output (after dropout)
    /// or, with no LSTM layers, the frames.
    private func withTop<R>(_ above: [ScratchBuffer<S>], _ batch: SequenceBatch<S>, _ body: (UnsafePointer<S>) -> R) -> R {
        if let last = above.last { return body(last.pointer) }
        return batch.frames.data.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Runs body(0..<count), on concurrent threads when `concurrentDirections`.
    private func forEachDirection(_ count: Int, _ body: (Int) -> Void) {
        if concurrentDirections && count > 1 {
            concurrentlyForEach(count, body)   // the directions touch disjoint memory (see the callers)
        } else {
            for d in 0..<count { body(d) }
        }
    }

    /// An independent copy with the same values (fresh gradients, no optimizer state).
    public func copy() -> LSTMNetwork<S> {
        var rng = SeededGenerator(seed: 0)
        let twin = LSTMNetwork(configuration, rng: &rng)
        twin.parameters.copyValues(from: parameters)
        var copy = twin
        copy.concurrentDirections = concurrentDirections
        copy.trainsInBFloat16 = trainsInBFloat16
        copy.bfloat16Layers = bfloat16Layers   // the same values, so the same rounded weights
        copy.panelLayers = panelLayers         // and the same packed ones
        return copy
    }
}

extension LSTMNetwork where S == Float {
    /// Sets the network for inference: `forward` runs at `precision` from now on, on every LSTM
    /// layer's W_ih and W_hh as they are now, rounded to bfloat16 and packed, or (float32, with AVX2
    /// or AVX-512) packed for the panel product, so that a pass need not pack them again. Call it
    /// again after changing the weights; `backward` refuses a network so set, and its copies.
    public mutating func setPrecision(_ precision: ProductPrecision) {
        bfloat16Layers = precision == .float32 ? nil : layers.map { $0.map { $0.bfloat16Weights() } }
        panelLayers = precision == .float32 && RecurrentProduct.batchOneOnPanels ? layers.map { $0.map { $0.panelWeights() } } : nil
    }

    /// Per-utterance log-probabilities (each T_b × K) for feature matrices (each T_b × D).
    public func logProbabilities(_ sequences: [Matrix]) -> [Matrix] {
        let pass = forward(SequenceBatch(matrices: sequences), keepingTrainingState: false)
        return (0..<sequences.count).map { pass.logProbabilities(ofSequence: $0).matrix }
    }

    /// Per-utterance logits (each T_b × K, before the log-softmax) for feature matrices.
    public func logits(_ sequences: [Matrix]) -> [Matrix] {
        let pass = forward(SequenceBatch(matrices: sequences), keepingTrainingState: false)
        return (0..<sequences.count).map { pass.batch.unpad(pass.logits, sequence: $0).matrix }
    }
}
