// QNetwork: the DQN's two-layer MLP over grid images, its clipped TD loss and gradient, and its safetensors form.
import Formats
import Networks
import Tensors

/// Q(s,·) = W₂·relu(W₁·x + b₁) + b₂ over a grid image x (GridImage), built from Networks' `DenseLayer`s.
///
/// Shapes: x is B×(4·rows·cols), hidden B×H, Q B×4 (actions up, right, down, left). Saved as
/// safetensors with tensors `hidden.weight` (H×in), `hidden.bias` (H), `output.weight` (4×H),
/// `output.bias` (4) and metadata naming the architecture and the map size.
public struct QNetwork<S: NetworkScalar>: Sendable {
    public var hidden: DenseLayer<S>
    public var output: DenseLayer<S>

    public init(inputs: Int, hiddenUnits: Int, rng: inout some RandomNumberGenerator) {
        hidden = DenseLayer(inputs: inputs, outputs: hiddenUnits, name: "hidden", rng: &rng)
        output = DenseLayer(inputs: hiddenUnits, outputs: 4, name: "output", rng: &rng)
    }

    public init(hidden: DenseLayer<S>, output: DenseLayer<S>) {
        self.hidden = hidden
        self.output = output
    }

    public var inputs: Int { hidden.inputs }
    public var hiddenUnits: Int { hidden.outputs }
    /// The parameters in a fixed order: hidden.weight, hidden.bias, output.weight, output.bias.
    public var parameters: [Parameter<S>] { hidden.parameters + output.parameters }

    /// Q-values for a batch (B×4), with the hidden activations (B×H) the backward pass needs.
    public func forward(_ x: Array2D<S>) -> (q: Array2D<S>, h: Array2D<S>) {
        let h = Activation.relu.forward(hidden.forward(x))
        return (output.forward(h), h)
    }

    /// Q-values for a batch (B×4).
    public func callAsFunction(_ x: Array2D<S>) -> Array2D<S> { forward(x).q }

    /// The DQN loss with error clipping (Mnih et al. 2015): the Huber loss with δ = `clip`,
    ///
    ///     L = (1/B) Σ_j huber(Q(x_j, a_j) − y_j),  huber(e) = e²/2 if |e| ≤ δ, else δ(|e| − δ/2),
    ///
    /// whose derivative is the TD error clipped to [−δ, δ]. Adds ∂L/∂θ into the parameters' gradients
    /// and returns L. x is B×in, `actions` and `targets` have B entries.
    @discardableResult
    public func accumulateLossGradient(_ x: Array2D<S>, actions: [Int], targets: [S], clip: S) -> Double {
        let (q, h) = forward(x)
        let batch = x.rows
        var dq = Array2D<S>(rows: batch, cols: 4)
        var loss = 0.0
        for j in 0..<batch {
            let e = q[j, actions[j]] - targets[j]
            if abs(e) <= clip {
                loss += Double(e * e / 2)
                dq[j, actions[j]] = e / S(batch)
            } else {
                loss += Double(clip * (abs(e) - clip / 2))
                dq[j, actions[j]] = (e > 0 ? clip : -clip) / S(batch)
            }
        }
        let dh = Activation.relu.backward(y: h, dy: output.backward(x: h, dy: dq))
        hidden.backward(x: x, dy: dh)
        return loss / Double(batch)
    }

    /// An independent copy (the target network Q̂).
    public func copy() -> QNetwork { QNetwork(hidden: hidden.copy(), output: output.copy()) }

    /// Sets this network's weights to `source`'s (θ⁻ ← θ).
    public func copyWeights(from source: QNetwork) { parameters.copyValues(from: source.parameters) }
}

extension QNetwork where S == Float {
    /// The network as a safetensors file; `metadata` is added to the architecture keys, and the
    /// whole metadata sealed with its checksum (`SafeTensorsFile.sealed()`).
    public func safeTensors(rows: Int, cols: Int, metadata: [String: String] = [:]) -> SafeTensorsFile {
        var meta = metadata
        meta["architecture"] = "dqn-mlp"
        meta["format_version"] = "1"
        meta["inputs"] = String(inputs)
        meta["hidden_units"] = String(hiddenUnits)
        meta["grid_rows"] = String(rows)
        meta["grid_cols"] = String(cols)
        meta["channels"] = "walls,terminals,rewards,agent"
        meta["actions"] = "up,right,down,left"
        return parameters.safeTensorsFile(metadata: meta)
    }

    /// Reads a network written by `safeTensors(rows:cols:)`; checks the architecture, the shapes and
    /// that every weight is finite.
    /// Returns the network and the grid size it was trained for.
    public static func load(_ file: SafeTensorsFile, path: String) throws -> (network: QNetwork, rows: Int, cols: Int) {
        guard file.metadata["architecture"] == "dqn-mlp" else {
            throw InputError(file: path, place: "metadata", "expected architecture 'dqn-mlp' (a model from 'seqlab grid learn --algorithm dqn'), found '\(InputError.quoted(file.metadata["architecture"] ?? "none"))'")
        }
        guard let rows = Int(file.metadata["grid_rows"] ?? ""), let cols = Int(file.metadata["grid_cols"] ?? ""),
              let hiddenUnits = Int(file.metadata["hidden_units"] ?? ""), rows > 0, cols > 0, hiddenUnits > 0 else {
            throw InputError(file: path, place: "metadata", "expected positive grid_rows, grid_cols and hidden_units")
        }
        let inputs = GridImage.channels * rows * cols
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            let t = try file.tensor(name, file: path)
            guard t.shape == shape else {
                throw InputError(file: path, place: "tensor \(name)", "expected shape \(shape), found \(t.shape)")
            }
            let values: [Float]
            do { values = try t.floats() } catch { throw InputError(file: path, place: "tensor \(name)", "\(error)") }
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw InputError(file: path, place: "tensor \(name)",
                                 "expected finite weights, found \(values[i]) at index \(i) (the training that wrote it diverged)")
            }
            return values
        }
        let hidden = DenseLayer<Float>(inputs: inputs, outputs: hiddenUnits,
                                       weight: Array2D(rows: hiddenUnits, cols: inputs, data: try tensor("hidden.weight", [hiddenUnits, inputs])),
                                       bias: try tensor("hidden.bias", [hiddenUnits]), name: "hidden")
        let output = DenseLayer<Float>(inputs: hiddenUnits, outputs: 4,
                                       weight: Array2D(rows: 4, cols: hiddenUnits, data: try tensor("output.weight", [4, hiddenUnits])),
                                       bias: try tensor("output.bias", [4]), name: "output")
        return (QNetwork(hidden: hidden, output: output), rows, cols)
    }
}

/// The greedy policy of a Q-network on a map: argmax_a Q(image(s), a) for every decision state.
public func greedyPolicy<S: NetworkScalar>(_ network: QNetwork<S>, map: GridMap) -> [Int] {
    let image = GridImage(map)
    let states = (0..<map.cellCount).filter { map.isDecision($0) }
    var policy = [Int](repeating: -1, count: map.cellCount)
    guard !states.isEmpty else { return policy }
    let q = network(image.batch(states, as: S.self))
    for (i, s) in states.enumerated() {
        var best = 0
        for a in 1..<4 where q[i, a] > q[i, best] { best = a }
        policy[s] = best
    }
    return policy
}
