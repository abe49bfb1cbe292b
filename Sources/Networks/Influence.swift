// Influence: ‖∂ log y(t) / ∂ x(t − k)‖, how strongly the output at one frame depends on each earlier input.
import Tensors

/// The measured input influence of a recurrent network, averaged over random input sequences:
/// for lag k = 0…maxLag, the mean over samples of the Frobenius norm of the Jacobian
///
///     J_k = ∂ log y(t) / ∂ x(t − k)      (K × D; one row when a single class is chosen),
///
/// taken at the last frame t = T − 1 of each sequence. This is the "input influence" picture of
/// the vanishing-gradient problem (Hochreiter 1991; Bengio, Simard & Frasconi 1994; Graves 2012
/// §4.6, fig. 4.1 and 4.4): through a simple recurrent layer the influence decays exponentially
/// with k, an LSTM can hold it.
///
/// Why the last frame: every input is then in the past, and a bidirectional network's reverse
/// direction at t = T − 1 has seen only x(T − 1), so at k ≥ 1 a one-layer bidirectional network
/// measures its forward direction (deeper stacks also route past inputs through lower reverse
/// layers). Lags k > t have no input frame and report 0.
public struct InfluenceProfile: Sendable, Equatable {
    /// T, the length of each random input sequence.
    public let length: Int
    /// N, the number of sequences averaged.
    public let samples: Int
    /// The output class differentiated, or nil for the whole log-probability vector.
    public let outputClass: Int?
    /// meanNorms[k]: the mean over samples of ‖J_k‖ for k = 0…maxLag.
    public let meanNorms: [Double]

    public init(length: Int, samples: Int, outputClass: Int?, meanNorms: [Double]) {
        self.length = length
        self.samples = samples
        self.outputClass = outputClass
        self.meanNorms = meanNorms
    }

    /// meanNorms[k] / meanNorms[0] (all 0 when the influence at k = 0 is 0).
    public var relative: [Double] {
        guard let first = meanNorms.first, first > 0 else { return meanNorms.map { _ in 0 } }
        return meanNorms.map { $0 / first }
    }
}

/// What the influence Jacobian differentiates at the output frame: the log-probabilities of a
/// classifying network (softmax over its outputs), or the output layer's values themselves, as a
/// network trained to predict values (the next input frame, with an identity output) gives them.
public enum InfluenceTarget: String, Sendable, CaseIterable {
    case logProbabilities, outputs
}

/// Jacobian norms of per-frame outputs with respect to input frames, for any network that can
/// backpropagate output gradients to its inputs.
public enum InputInfluence {
    /// For one input sequence x (T × D) and an output frame t, the Frobenius norm of
    /// ∂ out(t) / ∂ x(t′) for every frame t′ = 0…T−1, where out(t) is the whole output vector
    /// (`classes` entries) or its entry `outputClass`.
    ///
    /// `inputGradient(batch, dOutputs)` must run the network over the batch and return
    /// ∂L/∂(input frames), (T·B) × D, for L = Σ dOutputs ⊙ outputs. The Jacobian's rows come from
    /// one batch of copies of x, copy j seeded with a one-hot gradient on class j at frame t.
    public static func normsByFrame<S: NetworkScalar>(sequence x: Array2D<S>, frame t: Int, classes: Int, outputClass: Int? = nil,
                                                      inputGradient: (SequenceBatch<S>, Array2D<S>) -> Array2D<S>) -> [Double] {
        let T = x.rows, D = x.cols
        precondition(t >= 0 && t < T, "InputInfluence: frame \(t) outside a sequence of \(T) frames")
        precondition(outputClass.map { $0 >= 0 && $0 < classes } ?? true, "InputInfluence: class \(outputClass!) of \(classes)")
        let rowsOfJacobian = outputClass.map { [$0] } ?? Array(0..<classes)
        let B = rowsOfJacobian.count
        let batch = SequenceBatch(sequences: [Array2D<S>](repeating: x, count: B))
        var seed = Array2D<S>(rows: T * B, cols: classes)
        for (b, j) in rowsOfJacobian.enumerated() { seed[t * B + b, j] = 1 }
        let dx = inputGradient(batch, seed)
        precondition(dx.rows == T * B && dx.cols == D, "InputInfluence: input gradient is \(dx.rows)×\(dx.cols), expected \(T * B)×\(D)")
        return (0..<T).map { frame in
            var sum = 0.0
            for b in 0..<B { for d in 0..<D { let g = Double(dx[frame * B + b, d]); sum += g * g } }
            return sum.squareRoot()
        }
    }

    /// The influence profile at the last frame over `samples` seeded standard-normal sequences
    /// of `length` frames, for lags 0…maxLag (see `InfluenceProfile`).
    public static func profile<S: NetworkScalar>(inputSize: Int, classes: Int, length: Int, maxLag: Int, samples: Int,
                                                 seed: UInt64, outputClass: Int? = nil,
                                                 inputGradient: (SequenceBatch<S>, Array2D<S>) -> Array2D<S>) -> InfluenceProfile {
        precondition(length > 0 && maxLag >= 0 && samples > 0, "InputInfluence: length, samples must be positive and maxLag non-negative")
        var rng = SeededGenerator(seed: seed)
        var sums = [Double](repeating: 0, count: maxLag + 1)
        for _ in 0..<samples {
            var x = Array2D<S>(rows: length, cols: inputSize)
            for i in 0..<x.count { x.data[i] = S(rng.normal()) }
            let byFrame = normsByFrame(sequence: x, frame: length - 1, classes: classes, outputClass: outputClass,
                                       inputGradient: inputGradient)
            for k in 0...maxLag where k < length { sums[k] += byFrame[length - 1 - k] }
        }
        return InfluenceProfile(length: length, samples: samples, outputClass: outputClass,
                                meanNorms: sums.map { $0 / Double(samples) })
    }
}

extension LSTMNetwork {
    /// ∂ log y(t) / ∂ x(t′) norms (or ∂ z(t) / ∂ x(t′) of the outputs z, by `target`) for every
    /// frame t′ (see `InputInfluence.normsByFrame`).
    public func influenceByFrame(sequence x: Array2D<S>, frame t: Int, outputClass: Int? = nil,
                                 of target: InfluenceTarget = .logProbabilities) -> [Double] {
        InputInfluence.normsByFrame(sequence: x, frame: t, classes: configuration.classes, outputClass: outputClass,
                                    inputGradient: inputGradient(of: target))
    }

    /// The influence profile of this network at the last frame (see `InfluenceProfile`).
    /// Parameter gradients are accumulated as a side effect; zero them before training on.
    public func influence(length: Int, maxLag: Int, samples: Int, seed: UInt64, outputClass: Int? = nil,
                          of target: InfluenceTarget = .logProbabilities) -> InfluenceProfile {
        InputInfluence.profile(inputSize: configuration.inputSize, classes: configuration.classes, length: length, maxLag: maxLag,
                               samples: samples, seed: seed, outputClass: outputClass, inputGradient: inputGradient(of: target))
    }

    private func inputGradient(of target: InfluenceTarget) -> (SequenceBatch<S>, Array2D<S>) -> Array2D<S> {
        switch target {
        case .logProbabilities: return { backward(forward($0), dLogProbabilities: $1) }
        case .outputs: return { backward(forward($0), dLogits: $1) }
        }
    }
}
