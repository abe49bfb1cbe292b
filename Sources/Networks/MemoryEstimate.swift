// MemoryEstimate: bytes a network's forward pass and training step hold per frame, for refusing inputs that cannot fit.

/// Working memory of `LSTMNetwork` per frame (per row of a `SequenceBatch`, padding included),
/// counted from the buffers `forward` and `backward` allocate (Float, 4 bytes):
///
/// - forward: the batch's frames and their copy (2D), per layer k and direction the output H_k and
///   the cache of gates 4H_k, cells H_k and tanh(cells) H_k (7H_k together), the top layer's copy,
///   and the logits, log-probabilities and their unpadded copy (3K);
/// - a training step adds the backward pass's gradients, which it allocates layer by layer while
///   the forward buffers are still held: half as much again at its peak (measured: a 10,926-frame
///   utterance through 2×96 bidirectional units peaks at 212 MB against 304 MB estimated), and the
///   CTC gradient (2K).
///
/// A bidirectional network needs the whole utterance at once, so the forward memory grows with
/// its length T: about T × `inferenceBytesPerFrame` (12 kB a frame for 2×96 bidirectional units on
/// 40 features: 4.3 GB per hour of speech at 100 frames a second).
extension LSTMNetworkConfiguration {
    /// Floats the forward pass keeps per frame.
    private var forwardFloatsPerFrame: Int {
        2 * inputSize + hiddenSizes.reduce(0) { $0 + directions * 7 * $1 } + topWidth + 3 * classes
    }

    /// Bytes the forward pass (inference) holds per frame.
    public var inferenceBytesPerFrame: Int { 4 * forwardFloatsPerFrame }

    /// Bytes one training step (forward, CTC, backward) holds per frame of the padded batch.
    public var trainingBytesPerFrame: Int { 4 * (3 * forwardFloatsPerFrame / 2 + 2 * classes) }

    /// Weights of the network: LSTM layers (input, recurrent, two biases, peepholes) and output layer.
    public var parameterCount: Int {
        var n = 0
        for (k, h) in hiddenSizes.enumerated() {
            n += directions * (4 * h * (layerInputs(k) + h) + 8 * h + (peepholes ? 3 * h : 0))
        }
        return n + classes * (topWidth + 1)
    }
}
