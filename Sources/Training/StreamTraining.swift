// StreamTraining: online truncated BPTT — a weight update at every frame — and the checks of --gradient rtrl|tbptt.
import Foundation
import Labelling
import Networks
import Tensors

extension Trainer {
    /// RTRL's per-frame cost above which training refuses it (multiply-adds of H²·N).
    public static let rtrlCostLimit = 1e7

    /// Refuses a gradient algorithm the network or task cannot use: RTRL needs a small Elman
    /// network (the cost estimate is in the message), truncated BPTT a unidirectional LSTM, a
    /// loss at every frame (framewise, predict) and a horizon ≥ 1; dropout an LSTM under BPTT.
    static func checkGradientAlgorithm(_ options: TrainingOptions, task: TrainingTask, cell: RecurrentCell,
                                       inputs: Int, frames: Int) throws {
        func refuse(_ message: String) -> InputError { InputError(file: "training options", message) }
        if let p = options.dropout, p > 0 {
            guard p < 1, p.isFinite else { throw refuse("--dropout is a probability below 1, got \(p)") }
            guard cell == .lstm else { throw refuse("--dropout drops values between LSTM layers: it needs --cell lstm") }
            guard options.gradient != .tbptt else { throw refuse("--dropout is implemented for --gradient bptt") }
        }
        switch options.gradient ?? .bptt {
        case .bptt:
            guard options.horizon == nil else { throw refuse("--horizon is the truncation of --gradient tbptt") }
        case .rtrl:
            guard cell == .elman else { throw refuse("--gradient rtrl is implemented for Elman networks: add --cell elman --unidirectional") }
            let H = options.hiddenSizes.first ?? 0, perFrame = ElmanNetwork<Float>.rtrlCostPerFrame(inputs: inputs, hidden: H)
            let weights = H * inputs + H * H + H
            guard perFrame <= rtrlCostLimit else {
                throw refuse(String(format: "RTRL carries ∂h/∂θ (%d × %d) forward: H²·N = %.3g multiply-adds per frame, against ≈%d for BPTT; "
                                    + "%d training frames make %.3g per epoch. Refused above %.0g per frame: use --gradient bptt or a smaller --hidden",
                                    H, weights, perFrame, 3 * weights, frames, perFrame * Double(frames), rtrlCostLimit))
            }
            guard options.horizon == nil else { throw refuse("--horizon is the truncation of --gradient tbptt") }
        case .tbptt:
            guard cell == .lstm, !options.bidirectional else {
                throw refuse("--gradient tbptt runs a unidirectional LSTM over the stream: use --cell lstm --unidirectional")
            }
            guard task == .framewise || task == .predict else {
                throw refuse("--gradient tbptt updates at every frame from that frame's loss: it needs --task framewise or predict")
            }
            guard let h = options.horizon, h >= 1 else { throw refuse("--gradient tbptt needs --horizon H (frames, at least 1)") }
        }
    }

    /// Online truncated BPTT over each utterance of a batch, one after the other (each a stream
    /// starting from zero state). At frame t the network runs from the state before frame
    /// t − h + 1 over frames t − h + 1…t with the current weights, the loss of frame t alone
    /// (cross-entropy of its label, or ½‖z(t) − x(t+1)‖²) is backpropagated through those h
    /// frames, the weights are updated (clipped, optimizer step), and the window's start state
    /// is advanced one frame. Returns the summed loss and the frames seen.
    func streamStep(_ objective: TaskObjective, inputs: [Matrix], utterances: [LabelledUtterance],
                    parameters: [Parameter<Float>]) throws -> (Double, Int) {
        let h = options.horizon ?? 1, K = model.network.configuration.classes
        var lossSum = 0.0, frames = 0
        for (x, u) in zip(inputs, utterances) {
            var start = 0
            var startState: LSTMNetwork<Float>.State? = nil
            for t in 0..<x.rows {
                let from = max(0, t - h + 1)
                while start < from {
                    startState = model.network.forward(SequenceBatch(matrices: [x.rows(start..<(start + 1))]), from: startState)!.finalState
                    start += 1
                }
                let (pass, _) = model.network.forward(SequenceBatch(matrices: [x.rows(from..<(t + 1))]), from: startState)!
                let last = t - from
                var dLogits = Array2D<Float>(rows: last + 1, cols: K)
                var loss = 0.0
                if objective.task == .framewise {
                    let c = u.labels[t]
                    loss = -Double(pass.logProbabilities[last, c])
                    for k in 0..<K { dLogits[last, k] = exp(pass.logProbabilities[last, k]) - (k == c ? 1 : 0) }
                } else {
                    for k in 0..<K {
                        let e = pass.logits[last, k] - u.features[t + 1, k]
                        loss += 0.5 * Double(e * e)
                        dLogits[last, k] = e
                    }
                }
                guard loss.isFinite else {
                    throw InputError(file: "training", place: u.key, "loss at frame \(t) is \(loss): lower the learning rate")
                }
                try update(pass, dLogits: dLogits, parameters: parameters)
                lossSum += loss
            }
            frames += x.rows
        }
        return (lossSum, frames)
    }
}
