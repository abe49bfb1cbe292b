// ElmanNetwork: one Elman layer and a log-softmax output layer, the simple-RNN twin of LSTMNetwork.

/// A simple recurrent sequence labeller: an `ElmanLayer` (Elman 1990) followed by a dense output
/// layer with log-softmax, giving log y_k(t) for every frame like `LSTMNetwork`. It exists to
/// compare the two on long time lags (Hochreiter & Schmidhuber 1997; Graves 2012 §4.6): the same
/// training loop and the same `InputInfluence` measurement run over either.
public struct ElmanNetwork<S: NetworkScalar>: Sendable {
    public let recurrent: ElmanLayer<S>
    /// K × H, named `output.weight` / `output.bias`.
    public let output: DenseLayer<S>

    public init(inputs: Int, hidden: Int, classes: Int, rng: inout some RandomNumberGenerator) {
        recurrent = ElmanLayer(inputs: inputs, hidden: hidden, rng: &rng)
        output = DenseLayer(inputs: hidden, outputs: classes, name: "output", rng: &rng)
    }

    public var inputSize: Int { recurrent.inputs }
    public var classes: Int { output.outputs }

    /// W_ih, W_hh, b_ih, b_hh, then the output layer's weight and bias.
    public var parameters: [Parameter<S>] { recurrent.parameters + output.parameters }

    /// What backward needs, and log y_k(t), (T·B) × K (padded rows meaningless).
    public struct ForwardPass: Sendable {
        public let batch: SequenceBatch<S>
        public let hidden: Array2D<S>
        public let logProbabilities: Array2D<S>
        /// The output layer's activations before the log-softmax, (T·B) × K.
        public let logits: Array2D<S>
    }

    public func forward(_ batch: SequenceBatch<S>) -> ForwardPass {
        let h = recurrent.forward(batch), z = output.forward(h)
        return ForwardPass(batch: batch, hidden: h, logProbabilities: Softmax.logSoftmax(z), logits: z)
    }

    /// Backward from ∂L/∂(log-probabilities); adds the parameter gradients and returns ∂L/∂(input frames).
    @discardableResult
    public func backward(_ pass: ForwardPass, dLogProbabilities: Array2D<S>) -> Array2D<S> {
        backward(pass, dLogits: Softmax.logSoftmaxBackward(y: pass.logProbabilities, dy: dLogProbabilities))
    }

    /// Backward from ∂L/∂(logits), the output layer's activations; adds the parameter gradients
    /// and returns ∂L/∂(input frames).
    @discardableResult
    public func backward(_ pass: ForwardPass, dLogits: Array2D<S>) -> Array2D<S> {
        let batch = pass.batch, B = batch.batchSize
        var dz = dLogits
        for t in 0..<batch.maxLength { for b in 0..<B where !batch.isActive(time: t, sequence: b) {
            for k in 0..<dz.cols { dz[t * B + b, k] = 0 }
        } }
        let dh = output.backward(x: pass.hidden, dy: dz)
        return recurrent.backward(batch, h: pass.hidden, dh: dh)
    }

    /// ∂ log y(t) / ∂ x(t′) norms (or ∂ z(t) / ∂ x(t′) of the outputs z, by `target`) for every
    /// frame t′ (see `InputInfluence.normsByFrame`).
    public func influenceByFrame(sequence x: Array2D<S>, frame t: Int, outputClass: Int? = nil,
                                 of target: InfluenceTarget = .logProbabilities) -> [Double] {
        InputInfluence.normsByFrame(sequence: x, frame: t, classes: classes, outputClass: outputClass, inputGradient: inputGradient(of: target))
    }

    /// The influence profile at the last frame (see `InfluenceProfile`); accumulates parameter gradients.
    public func influence(length: Int, maxLag: Int, samples: Int, seed: UInt64, outputClass: Int? = nil,
                          of target: InfluenceTarget = .logProbabilities) -> InfluenceProfile {
        InputInfluence.profile(inputSize: inputSize, classes: classes, length: length, maxLag: maxLag, samples: samples,
                               seed: seed, outputClass: outputClass, inputGradient: inputGradient(of: target))
    }

    private func inputGradient(of target: InfluenceTarget) -> (SequenceBatch<S>, Array2D<S>) -> Array2D<S> {
        switch target {
        case .logProbabilities: return { backward(forward($0), dLogProbabilities: $1) }
        case .outputs: return { backward(forward($0), dLogits: $1) }
        }
    }
}
