// TrainingOptions: every setting of a CTC training run, with its documented default.
import Features
import Networks

/// Which update rule trains the network.
public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    /// Stochastic gradient descent with (optional) momentum.
    case sgd
    /// RMSProp: moving average of squared gradients (the lecture's eq. 13–14), optional momentum.
    case rmsprop
    /// Adam (Kingma & Ba 2015).
    case adam
}

/// How the gradient of the recurrent weights is computed (`seqlab train --gradient`).
public enum GradientAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Backpropagation through time over each whole minibatch (the default).
    case bptt
    /// Real-time recurrent learning (Williams & Zipser 1989, `RTRL`): the same gradient as BPTT,
    /// carried forward in time; Elman networks only, and only small ones (O(H²·N) per frame).
    case rtrl
    /// Truncated BPTT, online (Williams & Peng 1990, BPTT(h)): at every frame of an utterance
    /// the weights are updated from that frame's loss backpropagated over the last `horizon`
    /// frames, the state before them carried forward; unidirectional LSTMs, framewise and
    /// predict tasks (a loss at every frame).
    case tbptt
}

/// The settings of one training run. The CLI maps its flags onto these; the defaults are the
/// ones documented here.
public struct TrainingOptions: Sendable, Codable, Equatable {
    /// LSTM widths, one per layer (per direction when bidirectional). Default: two layers of 128.
    public var hiddenSizes: [Int] = [128, 128]
    /// Bidirectional layers (Graves 2012 §3.2.4). Default true.
    public var bidirectional = true
    /// Peephole weights from the cell to the gates (Graves 2012 §4.1). Default true.
    public var peepholes = true
    /// Passes over the training set at most. Default 20.
    public var epochs = 20
    /// Utterances per minibatch. Default 16.
    public var batchSize = 16
    public var optimizer: OptimizerKind = .adam
    /// Step size. Default 1e-3 (Adam); SGD usually wants 1e-4…1e-2 per utterance-mean loss.
    public var learningRate = 1e-3
    /// Momentum for SGD and RMSProp. Default 0.9.
    public var momentum = 0.9
    /// Clip the global gradient norm to this (Pascanu et al. 2013); 0 turns clipping off. Default 5.
    public var clipNorm = 5.0
    /// L2 weight decay λ (g ← g + λw). Default 0.
    public var weightDecay = 0.0
    /// Standard deviation of Gaussian noise added to every input value while training (Graves 2012 §3.3.2.2). Default 0.
    public var inputNoise = 0.0
    /// Dropout rate p between LSTM layers and before the output layer while training (`Dropout`);
    /// nil (the default, and checkpoints written before the option existed) = none.
    public var dropout: Double? = nil
    /// SpecAugment-style masking while training (Park et al. 2019): this many time masks of up to
    /// `timeMaskWidth` frames and frequency masks of up to `frequencyMaskWidth` dimensions per utterance. Default 0 (off).
    public var timeMasks = 0
    public var timeMaskWidth = 10
    public var frequencyMasks = 0
    public var frequencyMaskWidth = 4
    /// Random rotation, slant and scale of pen features per utterance and epoch (`PenDistortion`);
    /// only for a stroke front end. nil (the default, and checkpoints written before the option
    /// existed) = none.
    public var penDistortion: PenDistortion? = nil
    /// Stop when the validation label error rate (ties, and rates of 100% or more: loss;
    /// `Trainer.improves`) has not improved for this many epochs. Default 6.
    public var patience = 6
    /// Halve the learning rate after every second epoch in a row without improvement. Default true.
    public var halveOnPlateau = true
    /// Exponential decay: after every epoch the learning rate is multiplied by this factor in (0, 1]
    /// (η_e = η_0·γ^e, on top of any halving), a schedule that depends on the epoch alone and not
    /// on how the validation error happens to move. nil (the default, and checkpoints written
    /// before the option existed) = none.
    public var learningRateDecay: Double? = nil
    /// Seed of every random choice (initialisation, shuffling, noise, masks). Default 1.
    public var seed: UInt64 = 1
    /// Threads for matrix products and the CTC loss. Default: all cores.
    public var threads = 1
    /// The gradient algorithm; nil (checkpoints written before the option existed) = bptt.
    public var gradient: GradientAlgorithm? = nil
    /// Frames backpropagated through per update with `tbptt` (h of BPTT(h)).
    public var horizon: Int? = nil
    /// The arithmetic of an LSTM network's matrix products: bfloat16 for mixed-precision training
    /// (`LSTMNetwork.trainsInBFloat16`); nil (the default, and checkpoints written before the
    /// option existed) = float32.
    public var precision: ProductPrecision? = nil

    public init() {}

    /// The optimizer these options describe, at learning rate `rate`.
    public func makeOptimizer(learningRate rate: Double) -> TrainingOptimizer {
        switch optimizer {
        case .sgd: return .sgd(SGD(learningRate: rate, momentum: momentum, weightDecay: weightDecay))
        case .rmsprop: return .rmsprop(RMSProp(learningRate: rate, momentum: momentum, weightDecay: weightDecay))
        case .adam:
            var adam = Adam(learningRate: rate, weightDecay: weightDecay)
            adam.threads = threads
            return .adam(adam)
        }
    }
}

/// One of the optimizers, with the scalar state a checkpoint must keep (Adam's step count).
public enum TrainingOptimizer: Sendable {
    case sgd(SGD), rmsprop(RMSProp), adam(Adam)

    /// One update of `parameters` from their gradients.
    public mutating func step(_ parameters: [Parameter<Float>]) {
        switch self {
        case .sgd(var o): o.step(parameters); self = .sgd(o)
        case .rmsprop(var o): o.step(parameters); self = .rmsprop(o)
        case .adam(var o): o.step(parameters); self = .adam(o)
        }
    }

    /// The current step size.
    public var learningRate: Double {
        get {
            switch self { case .sgd(let o): o.learningRate; case .rmsprop(let o): o.learningRate; case .adam(let o): o.learningRate }
        }
        set {
            switch self {
            case .sgd(var o): o.learningRate = newValue; self = .sgd(o)
            case .rmsprop(var o): o.learningRate = newValue; self = .rmsprop(o)
            case .adam(var o): o.learningRate = newValue; self = .adam(o)
            }
        }
    }

    /// Updates taken so far (Adam's bias correction depends on it; 0 for the others).
    public var stepCount: Int {
        get { if case .adam(let o) = self { return o.stepCount } else { return 0 } }
        set { if case .adam(var o) = self { o.stepCount = newValue; self = .adam(o) } }
    }
}
