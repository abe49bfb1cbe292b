// SequenceNetwork: the network inside a model — an LSTM stack, an Elman layer or a Jordan network — behind one interface.
import Foundation
import Tensors

/// The recurrent cell a model is built from (`seqlab train --cell`), stored as `seqlab.cell`.
public enum RecurrentCell: String, Sendable, Codable, CaseIterable {
    /// `LSTMNetwork`: stacked (bi)directional LSTM layers (Graves 2012 ch. 4).
    case lstm
    /// `ElmanNetwork`: one Elman layer, the hidden state fed back (Elman 1990).
    case elman
    /// `JordanNetwork`: the previous output fed back (Jordan 1986), trained with teacher forcing.
    case jordan

    /// The metadata key that stores the cell; absent = lstm (models written before cells existed).
    public static let metadataKey = "seqlab.cell"
}

/// A model's network with the interface training and decoding need — forward over a padded
/// batch to log-probabilities and logits, backward from ∂L/∂logits, parameters, saved form —
/// whichever `RecurrentCell` it is built from. Elman and Jordan networks are single-layer and
/// unidirectional, with `configuration.hiddenSizes == [H]`, `bidirectional` and `peepholes` false.
///
/// A Jordan network's outputs are identity (its logits); its context is the previous output
/// when running free, or the previous *target* when `forward` is given `teacher` (teacher
/// forcing, Williams & Zipser 1989): training feeds the targets, decoding runs free.
public struct SequenceNetwork: Sendable {
    public enum Body: Sendable {
        case lstm(LSTMNetwork<Float>), elman(ElmanNetwork<Float>), jordan(JordanNetwork<Float>)
    }
    public private(set) var body: Body
    public let configuration: LSTMNetworkConfiguration

    /// A freshly initialised network (Elman and Jordan: one layer of `hiddenSizes[0]`, unidirectional).
    public init(_ configuration: LSTMNetworkConfiguration, cell: RecurrentCell, rng: inout some RandomNumberGenerator) {
        var c = configuration
        switch cell {
        case .lstm:
            body = .lstm(LSTMNetwork<Float>(c, rng: &rng))
        case .elman, .jordan:
            precondition(c.hiddenSizes.count == 1 && !c.bidirectional, "SequenceNetwork: \(cell.rawValue) networks have one unidirectional layer")
            c.peepholes = false
            body = cell == .elman
                ? .elman(ElmanNetwork(inputs: c.inputSize, hidden: c.hiddenSizes[0], classes: c.classes, rng: &rng))
                : .jordan(JordanNetwork(inputs: c.inputSize, hidden: c.hiddenSizes[0], outputs: c.classes, rng: &rng))
        }
        self.configuration = c
    }

    public init(_ network: LSTMNetwork<Float>) {
        body = .lstm(network)
        configuration = network.configuration
    }

    public var cell: RecurrentCell {
        switch body { case .lstm: .lstm; case .elman: .elman; case .jordan: .jordan }
    }

    /// The LSTM network, when the cell is an LSTM (for code that needs its streaming state).
    public var lstm: LSTMNetwork<Float>? {
        if case .lstm(let n) = body { return n } else { return nil }
    }

    public var parameters: [Parameter<Float>] {
        switch body { case .lstm(let n): n.parameters; case .elman(let n): n.parameters; case .jordan(let n): n.parameters }
    }

    /// An LSTM's two directions on two threads (see `LSTMNetwork`); no effect on other cells.
    public var concurrentDirections: Bool {
        get { if case .lstm(let n) = body { return n.concurrentDirections } else { return false } }
        set { if case .lstm(var n) = body { n.concurrentDirections = newValue; body = .lstm(n) } }
    }

    /// Mixed-precision training of an LSTM network (`LSTMNetwork.trainsInBFloat16`); false for other cells.
    public var trainsInBFloat16: Bool {
        get { if case .lstm(let n) = body { return n.trainsInBFloat16 } else { return false } }
        set { if case .lstm(var n) = body { n.trainsInBFloat16 = newValue; body = .lstm(n) } }
    }

    /// The arithmetic of an LSTM's products (`LSTMNetwork.setPrecision`); float32 for other cells.
    public var precision: ProductPrecision {
        if case .lstm(let n) = body { return n.precision } else { return .float32 }
    }

    /// Runs an LSTM network at `precision` from now on (`LSTMNetwork.setPrecision`). Elman and
    /// Jordan networks have only float32: for them it returns false unless that is asked for.
    @discardableResult
    public mutating func setPrecision(_ precision: ProductPrecision) -> Bool {
        guard case .lstm(var n) = body else { return precision == .float32 }
        n.setPrecision(precision)
        body = .lstm(n)
        return true
    }

    /// A forward pass: log-probabilities and logits ((T·B) × K) and what backward needs.
    public struct ForwardPass: Sendable {
        public let batch: SequenceBatch<Float>
        public let logProbabilities: Array2D<Float>
        public let logits: Array2D<Float>
        enum Inner: Sendable {
            case lstm(LSTMNetwork<Float>.ForwardPass), elman(ElmanNetwork<Float>.ForwardPass), jordan(JordanNetwork<Float>.ForwardPass)
        }
        let inner: Inner

        /// Sequence b's log-probabilities, lengths[b] × K.
        public func logProbabilities(ofSequence b: Int) -> Array2D<Float> { batch.unpad(logProbabilities, sequence: b) }
    }

    /// Runs the network; `teacher` ((T·B) × K, time-major) is the Jordan network's teacher
    /// forcing (the previous target as context) and must be nil for the other cells; `dropout`
    /// (training an LSTM only) drops values between the layers (`Dropout`).
    public func forward(_ batch: SequenceBatch<Float>, teacher: Array2D<Float>? = nil, dropout: Dropout? = nil) -> ForwardPass {
        precondition(dropout == nil || cell == .lstm, "SequenceNetwork.forward: dropout is implemented for LSTM networks")
        switch body {
        case .lstm(let n):
            precondition(teacher == nil, "SequenceNetwork.forward: only a Jordan network is teacher-forced")
            let p = n.forward(batch, dropout: dropout)
            return ForwardPass(batch: batch, logProbabilities: p.logProbabilities, logits: p.logits, inner: .lstm(p))
        case .elman(let n):
            precondition(teacher == nil, "SequenceNetwork.forward: only a Jordan network is teacher-forced")
            let p = n.forward(batch)
            return ForwardPass(batch: batch, logProbabilities: p.logProbabilities, logits: p.logits, inner: .elman(p))
        case .jordan(let n):
            let p = n.forward(batch, teacher: teacher)
            return ForwardPass(batch: batch, logProbabilities: Softmax.logSoftmax(p.outputs), logits: p.outputs, inner: .jordan(p))
        }
    }

    /// A unidirectional LSTM's forward pass from `state` (nil = zero), with its final state:
    /// the step of truncated BPTT over a stream (see `LSTMNetwork.State`). Nil for other networks.
    public func forward(_ batch: SequenceBatch<Float>, from state: LSTMNetwork<Float>.State?) -> (pass: ForwardPass, finalState: LSTMNetwork<Float>.State)? {
        guard case .lstm(let n) = body, !configuration.bidirectional else { return nil }
        let p = n.forward(batch, initialState: state)
        return (ForwardPass(batch: batch, logProbabilities: p.logProbabilities, logits: p.logits, inner: .lstm(p)), p.finalState!)
    }

    /// Backward from ∂L/∂logits ((T·B) × K): adds every parameter's gradient.
    public func backward(_ pass: ForwardPass, dLogits: Array2D<Float>) {
        switch (body, pass.inner) {
        case (.lstm(let n), .lstm(let p)): n.backward(p, dLogits: dLogits, inputGradient: false)
        case (.elman(let n), .elman(let p)): n.backward(p, dLogits: dLogits)
        case (.jordan(let n), .jordan(let p)): n.backward(p, dOutputs: dLogits)
        default: preconditionFailure("SequenceNetwork.backward: the pass comes from another network")
        }
    }

    /// Backward from ∂L/∂logits with the recurrent gradient computed by RTRL instead of BPTT
    /// (the same gradient; `ElmanNetwork.backwardRTRL`). Elman networks only.
    public func backwardRTRL(_ pass: ForwardPass, dLogits: Array2D<Float>) {
        guard case .elman(let n) = body, case .elman(let p) = pass.inner else {
            preconditionFailure("SequenceNetwork.backwardRTRL: RTRL is implemented for Elman networks")
        }
        n.backwardRTRL(p, dLogits: dLogits)
    }

    /// Per-utterance log-probabilities (each T_b × K), running free; an LSTM keeps no training
    /// state for them (`LSTMNetwork.logProbabilities`).
    public func logProbabilities(_ sequences: [Matrix]) -> [Matrix] {
        if case .lstm(let n) = body { return n.logProbabilities(sequences) }
        let pass = forward(SequenceBatch(matrices: sequences))
        return (0..<sequences.count).map { pass.logProbabilities(ofSequence: $0).matrix }
    }

    /// Per-utterance logits (each T_b × K), running free; an LSTM keeps no training state for them.
    public func logits(_ sequences: [Matrix]) -> [Matrix] {
        if case .lstm(let n) = body { return n.logits(sequences) }
        let pass = forward(SequenceBatch(matrices: sequences))
        return (0..<sequences.count).map { pass.batch.unpad(pass.logits, sequence: $0).matrix }
    }

    /// The input-influence profile (`InputInfluence`) of an LSTM or Elman network; nil for a
    /// Jordan network, whose output feedback the measurement does not model.
    public func influence(length: Int, maxLag: Int, samples: Int, seed: UInt64, outputClass: Int? = nil,
                          of target: InfluenceTarget = .logProbabilities) -> InfluenceProfile? {
        switch body {
        case .lstm(let n): n.influence(length: length, maxLag: maxLag, samples: samples, seed: seed, outputClass: outputClass, of: target)
        case .elman(let n): n.influence(length: length, maxLag: maxLag, samples: samples, seed: seed, outputClass: outputClass, of: target)
        case .jordan: nil
        }
    }

    /// A one-line description, e.g. `LSTM 64×64 bidirectional, peepholes` or `Elman 32`.
    public var describedArchitecture: String {
        let c = configuration, widths = c.hiddenSizes.map(String.init).joined(separator: "×")
        switch cell {
        case .lstm: return "LSTM \(widths)\(c.bidirectional ? " bidirectional" : "")\(c.peepholes ? ", peepholes" : "")"
        case .elman: return "Elman \(widths)"
        case .jordan: return "Jordan \(widths) (teacher-forced)"
        }
    }
}
