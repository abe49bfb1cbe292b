// RTRLBackward: an Elman network's parameter gradients from ∂L/∂logits with RTRL in place of BPTT, and what that costs.

extension ElmanNetwork {
    /// Adds the same parameter gradients as `backward(_:dLogits:)`, but computes the recurrent
    /// layer's by real-time recurrent learning (`RTRL`, Williams & Zipser 1989): for each
    /// sequence the sensitivities P_t = ∂h_t/∂θ are carried forward frame by frame and
    /// (∂L/∂h_t)ᵀ·P_t is added as soon as frame t is seen. The output layer's gradients and
    /// ∂L/∂h_t = W_outᵀ·∂L/∂z_t are the usual ones. No input gradient (RTRL does not give it).
    @_specialize(where S == Float)
    public func backwardRTRL(_ pass: ForwardPass, dLogits: Array2D<S>) {
        let batch = pass.batch, B = batch.batchSize, H = recurrent.hidden, D = recurrent.inputs
        var dz = dLogits
        for t in 0..<batch.maxLength { for b in 0..<B where !batch.isActive(time: t, sequence: b) {
            for k in 0..<dz.cols { dz[t * B + b, k] = 0 }
        } }
        let dh = output.backward(x: pass.hidden, dy: dz)
        for b in 0..<B {
            var rtrl = RTRL(layer: recurrent)
            for t in 0..<batch.lengths[b] {
                let r = t * B + b
                _ = rtrl.step(Array(batch.frames.data[(r * D)..<((r + 1) * D)]))
                rtrl.accumulate(dh: Array(dh.data[(r * H)..<((r + 1) * H)]))
            }
        }
    }

    /// Multiply-adds per frame of RTRL's sensitivity update, H²·N with N = H·D + H² + H (the
    /// layer's weights, the shared bias counted once), against BPTT's few N.
    public static func rtrlCostPerFrame(inputs D: Int, hidden H: Int) -> Double {
        let n = Double(H * D + H * H + H)
        return Double(H) * Double(H) * n
    }
}
