// JordanNetwork: a recurrent network whose context is its own previous output, with teacher forcing and BPTT.

/// A Jordan network (Jordan 1986, "Serial order"): the previous *output* is the context,
///
///     h_t = f(W_ih·x_t + W_ch·c_t + b_h)      c_t = y_{t−1} (or the target y*_{t−1}), c_0 = 0
///     y_t = g(W_hy·h_t + b_y)
///
/// f, g are `Activation`s (g = identity for next-value prediction, logistic for binary
/// targets). With **teacher forcing** (`forward(_:teacher:)` given the targets) the context is
/// the previous *target*, so no gradient flows through time; without, `backward` is full BPTT
/// through the output feedback. Batches are time-major (`SequenceBatch`); padding outputs 0 and
/// gets no gradient. Parameters: `jordan.weight_ih` (H × in), `jordan.weight_ch` (H × K),
/// `jordan.bias_h` (H), `jordan.weight_hy` (K × H), `jordan.bias_y` (K), uniform ±1/√fan-in.
public struct JordanNetwork<S: NetworkScalar>: Sendable {
    public let inputs: Int, hidden: Int, outputs: Int
    public let hiddenActivation: Activation, outputActivation: Activation
    public let weightIH: Parameter<S>, weightCH: Parameter<S>, biasH: Parameter<S>
    public let weightHY: Parameter<S>, biasY: Parameter<S>

    public init(inputs: Int, hidden: Int, outputs: Int, hiddenActivation: Activation = .tanh,
                outputActivation: Activation = .identity, rng: inout some RandomNumberGenerator) {
        precondition(inputs > 0 && hidden > 0 && outputs > 0, "JordanNetwork needs positive sizes")
        self.inputs = inputs; self.hidden = hidden; self.outputs = outputs
        self.hiddenActivation = hiddenActivation; self.outputActivation = outputActivation
        let sh = 1 / Double(inputs + outputs).squareRoot(), sy = 1 / Double(hidden).squareRoot()
        weightIH = Parameter(name: "jordan.weight_ih", value: Array2D(rows: hidden, cols: inputs, uniformScale: sh, rng: &rng))
        weightCH = Parameter(name: "jordan.weight_ch", value: Array2D(rows: hidden, cols: outputs, uniformScale: sh, rng: &rng))
        biasH = Parameter(name: "jordan.bias_h", vector: Array2D<S>(rows: 1, cols: hidden, uniformScale: sh, rng: &rng).data)
        weightHY = Parameter(name: "jordan.weight_hy", value: Array2D(rows: outputs, cols: hidden, uniformScale: sy, rng: &rng))
        biasY = Parameter(name: "jordan.bias_y", vector: Array2D<S>(rows: 1, cols: outputs, uniformScale: sy, rng: &rng).data)
    }

    public var parameters: [Parameter<S>] { [weightIH, weightCH, biasH, weightHY, biasY] }

    /// What backward needs: the batch, contexts c ((T·B) × K), hidden h ((T·B) × H), outputs y ((T·B) × K).
    public struct ForwardPass: Sendable {
        public let batch: SequenceBatch<S>
        public let teacherForced: Bool
        public let context: Array2D<S>, hiddenStates: Array2D<S>, outputs: Array2D<S>
    }

    /// Runs the network; with `teacher` ((T·B) × K targets, time-major) the context is the previous target.
    @_specialize(where S == Float)
    public func forward(_ batch: SequenceBatch<S>, teacher: Array2D<S>? = nil) -> ForwardPass {
        let T = batch.maxLength, B = batch.batchSize, H = hidden, K = outputs
        precondition(batch.dimension == inputs, "JordanNetwork.forward: frames have \(batch.dimension) dimensions, expected \(inputs)")
        if let teacher { precondition(teacher.rows == T * B && teacher.cols == K, "JordanNetwork.forward: teacher must be (T·B) × \(K)") }
        var context = Array2D<S>(rows: T * B, cols: K), h = Array2D<S>(rows: T * B, cols: H), y = Array2D<S>(rows: T * B, cols: K)
        // Input part of every hidden pre-activation at once: x·W_ihᵀ.
        let projected = batch.frames.multiplied(by: weightIH.value, transposeOther: true)
        for t in 0..<T {
            for b in 0..<B where t > 0 && batch.isActive(time: t, sequence: b) {
                for k in 0..<K { context[t * B + b, k] = teacher?[(t - 1) * B + b, k] ?? y[(t - 1) * B + b, k] }
            }
            let c = context.rows((t * B)..<((t + 1) * B)).multiplied(by: weightCH.value, transposeOther: true)
            for b in 0..<B where batch.isActive(time: t, sequence: b) {
                let r = t * B + b
                for j in 0..<H { h[r, j] = hiddenActivation.apply(projected[r, j] + c[b, j] + biasH.value.data[j]) }
                for k in 0..<K {
                    var a = biasY.value.data[k]
                    for j in 0..<H { a += weightHY.value[k, j] * h[r, j] }
                    y[r, k] = outputActivation.apply(a)
                }
            }
        }
        return ForwardPass(batch: batch, teacherForced: teacher != nil, context: context, hiddenStates: h, outputs: y)
    }

    /// Backward from dY = ∂L/∂y ((T·B) × K): adds the parameter gradients, returns ∂L/∂x.
    /// Through time only without teacher forcing (the context is then the network's own output).
    @_specialize(where S == Float)
    @discardableResult
    public func backward(_ pass: ForwardPass, dOutputs: Array2D<S>) -> Array2D<S> {
        let batch = pass.batch, T = batch.maxLength, B = batch.batchSize, H = hidden, K = outputs
        precondition(dOutputs.rows == T * B && dOutputs.cols == K, "JordanNetwork.backward: gradient must be (T·B) × \(K)")
        var deltaH = Array2D<S>(rows: T * B, cols: H)          // ∂L/∂(hidden pre-activation)
        var fromNext = Array2D<S>(rows: B, cols: K)             // ∂L/∂y_t through c_{t+1}
        for t in stride(from: T - 1, through: 0, by: -1) {
            for b in 0..<B where batch.isActive(time: t, sequence: b) {
                let r = t * B + b
                var dh = [S](repeating: 0, count: H)
                for k in 0..<K {
                    let dy = dOutputs[r, k] + (pass.teacherForced ? 0 : fromNext[b, k])
                    let delta = dy * outputActivation.derivative(output: pass.outputs[r, k])
                    biasY.gradient.data[k] += delta
                    for j in 0..<H {
                        weightHY.gradient[k, j] += delta * pass.hiddenStates[r, j]
                        dh[j] += delta * weightHY.value[k, j]
                    }
                }
                for j in 0..<H { deltaH[r, j] = dh[j] * hiddenActivation.derivative(output: pass.hiddenStates[r, j]) }
            }
            // ∂L/∂c_t = W_chᵀ·δh_t, which is ∂L/∂y_{t−1} through the feedback.
            let dc = deltaH.rows((t * B)..<((t + 1) * B)).multiplied(by: weightCH.value)
            for b in 0..<B { for k in 0..<K { fromNext[b, k] = dc[b, k] } }
        }
        let dWih = deltaH.multiplied(by: batch.frames, transposeSelf: true)
        let dWch = deltaH.multiplied(by: pass.context, transposeSelf: true)
        for i in 0..<dWih.count { weightIH.gradient.data[i] += dWih.data[i] }
        for i in 0..<dWch.count { weightCH.gradient.data[i] += dWch.data[i] }
        for r in 0..<(T * B) { for j in 0..<H { biasH.gradient.data[j] += deltaH[r, j] } }
        return deltaH.multiplied(by: weightIH.value)
    }
}
