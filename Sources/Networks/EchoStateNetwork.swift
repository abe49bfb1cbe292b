// EchoStateNetwork: a fixed random reservoir scaled to a spectral radius, and a linear readout fitted by ridge regression.
import Foundation
import Tensors

/// The hyperparameters of an echo state network, with the names of Lukoševičius 2012 §3.2;
/// stored as JSON under `seqlab.architecture` in a saved model (docs/MODEL.md).
public struct EchoStateConfiguration: Codable, Sendable, Equatable {
    /// D, the input frame size.
    public var inputSize: Int
    /// N, the number of reservoir units (at most 4096).
    public var reservoirSize: Int
    /// K, the number of readout outputs (classes for classification, values for regression).
    public var outputSize: Int
    /// ρ, the spectral radius W is scaled to; below 1 for the echo state property on most inputs.
    public var spectralRadius: Double = 0.9
    /// W_in's entries are uniform in ±inputScale.
    public var inputScale: Double = 1
    /// b's entries are uniform in ±biasScale.
    public var biasScale: Double = 0
    /// a ∈ (0, 1], the leak rate: 1 is the plain tanh reservoir, small a a slow one (guide §3.2.6).
    public var leakRate: Double = 1
    /// The fraction of W's entries that are non-zero (1: dense); each entry independently.
    public var connectivity: Double = 1
    /// λ ≥ 0, the ridge penalty of the readout (guide §4.1).
    public var ridge: Double = 1e-6
    /// Frames at the start of every sequence left out of a framewise readout fit (guide §4.1).
    public var washout: Int = 0
    /// The seed of W_in, W and b.
    public var seed: UInt64 = 1

    public init(inputSize: Int, reservoirSize: Int, outputSize: Int, spectralRadius: Double = 0.9, inputScale: Double = 1,
                biasScale: Double = 0, leakRate: Double = 1, connectivity: Double = 1, ridge: Double = 1e-6,
                washout: Int = 0, seed: UInt64 = 1) {
        self.inputSize = inputSize
        self.reservoirSize = reservoirSize
        self.outputSize = outputSize
        self.spectralRadius = spectralRadius
        self.inputScale = inputScale
        self.biasScale = biasScale
        self.leakRate = leakRate
        self.connectivity = connectivity
        self.ridge = ridge
        self.washout = washout
        self.seed = seed
    }

    /// Checks every field's range; `source` names where the configuration came from in the error.
    public func validate(source: String = "echo state configuration") throws {
        func check(_ ok: Bool, _ field: String, _ expected: String, _ got: CustomStringConvertible) throws {
            if !ok { throw InputError(file: source, place: field, "expected \(expected), got \(got)") }
        }
        try check((1...65536).contains(inputSize), "inputSize", "1…65536", inputSize)
        // W's spectral radius is computed exactly (dgeev, O(N³): about a minute at N = 4096).
        try check((1...4096).contains(reservoirSize), "reservoirSize", "1…4096", reservoirSize)
        try check((1...65536).contains(outputSize), "outputSize", "1…65536", outputSize)
        try check(spectralRadius.isFinite && spectralRadius >= 0, "spectralRadius", "a finite ρ ≥ 0", spectralRadius)
        try check(inputScale.isFinite && inputScale >= 0, "inputScale", "a finite scale ≥ 0", inputScale)
        try check(biasScale.isFinite && biasScale >= 0, "biasScale", "a finite scale ≥ 0", biasScale)
        try check(leakRate > 0 && leakRate <= 1, "leakRate", "a in (0, 1]", leakRate)
        try check(connectivity > 0 && connectivity <= 1, "connectivity", "a fraction in (0, 1]", connectivity)
        try check(ridge.isFinite && ridge >= 0, "ridge", "a finite λ ≥ 0", ridge)
        try check(washout >= 0, "washout", "a frame count ≥ 0", washout)
    }
}

/// An echo state network (Jaeger 2001, "The echo state approach to analysing and training
/// recurrent neural networks"; Lukoševičius 2012, "A practical guide to applying echo state
/// networks"): a fixed random recurrent reservoir and a trained linear readout.
///
///     x(t) = (1 − a)·x(t−1) + a·tanh(W_in·u(t) + W·x(t−1) + b),   x(−1) = 0   (guide eq. 2–3)
///     y(t) = W_out·[1; u(t); x(t)]                                             (guide eq. 4)
///
/// Shapes: u(t) D, x(t) N, W_in N × D, W N × N, b N, W_out K × (1 + D + N). W is drawn sparse
/// (each entry non-zero with probability `connectivity`, uniform in ±1) and rescaled to spectral
/// radius ρ (exactly, through `Eigenvalues`); W_in and b are uniform in ±inputScale, ±biasScale.
/// Only W_out is trained, by ridge regression on the states (`RidgeRegression`): a linear solve,
/// so there is no gradient to check; its check is the normal-equations residual. Batches use the
/// time-major layout of `SequenceBatch`; the state is held over padding frames, so the final state
/// of sequence b is x(lengths[b] − 1).
public struct EchoStateNetwork: Sendable {
    public let configuration: EchoStateConfiguration
    /// W_in, N × D.
    public let inputWeights: Array2D<Float>
    /// W, N × N, already scaled to ρ.
    public let reservoirWeights: Array2D<Float>
    /// b, N.
    public let bias: [Float]
    /// W_out, K × (1 + D + N): columns bias, inputs, reservoir units. Zero until fitted.
    public var readout: Array2D<Float>

    /// 1 + D + N, the length of the readout's input [1; u; x].
    public var featureCount: Int { 1 + configuration.inputSize + configuration.reservoirSize }

    /// A new network with W_in, W and b drawn from `configuration.seed` and a zero readout.
    /// - Throws: `InputError` for a configuration out of range; `LinearAlgebraError` when the drawn
    ///   W has spectral radius 0 (too sparse to be rescaled: raise the connectivity).
    public init(_ configuration: EchoStateConfiguration) throws {
        try configuration.validate()
        let n = configuration.reservoirSize, d = configuration.inputSize
        var rng = SeededGenerator(seed: configuration.seed)
        let input = Array2D<Float>(rows: n, cols: d, uniformScale: configuration.inputScale, rng: &rng)
        var w = Array2D<Float>(rows: n, cols: n)
        for i in 0..<w.count where configuration.connectivity >= 1 || rng.uniform() < configuration.connectivity {
            w.data[i] = Float(2 * rng.uniform() - 1)
        }
        let b = (0..<n).map { _ in Float((2 * rng.uniform() - 1) * configuration.biasScale) }
        try self.init(configuration: configuration, inputWeights: input,
                      reservoirWeights: try Self.scaled(w, toSpectralRadius: configuration.spectralRadius), bias: b,
                      readout: Array2D(rows: configuration.outputSize, cols: 1 + d + n))
    }

    /// A network from given weights (a loaded model, or a reservoir made elsewhere); shapes are checked.
    public init(configuration: EchoStateConfiguration, inputWeights: Array2D<Float>, reservoirWeights: Array2D<Float>,
                bias: [Float], readout: Array2D<Float>) throws {
        try configuration.validate()
        let n = configuration.reservoirSize, d = configuration.inputSize, k = configuration.outputSize
        func check(_ name: String, _ shape: (Int, Int), _ expected: (Int, Int)) throws {
            guard shape == expected else {
                throw InputError(file: "echo state network", place: name, "shape \(shape.0)×\(shape.1), expected \(expected.0)×\(expected.1)")
            }
        }
        try check("input weights", (inputWeights.rows, inputWeights.cols), (n, d))
        try check("reservoir weights", (reservoirWeights.rows, reservoirWeights.cols), (n, n))
        try check("bias", (bias.count, 1), (n, 1))
        try check("readout", (readout.rows, readout.cols), (k, 1 + d + n))
        self.configuration = configuration
        self.inputWeights = inputWeights
        self.reservoirWeights = reservoirWeights
        self.bias = bias
        self.readout = readout
    }

    /// `w` multiplied by ρ / ρ(w), so that its spectral radius is ρ (Jaeger 2001 §3).
    /// - Throws: `LinearAlgebraError` when ρ(w) is 0 (a nilpotent, e.g. too sparse, matrix).
    public static func scaled(_ w: Array2D<Float>, toSpectralRadius rho: Double) throws -> Array2D<Float> {
        let current = try Eigenvalues.spectralRadius(w)
        guard current > 0 else {
            throw LinearAlgebraError("the random reservoir has spectral radius 0 and cannot be scaled to \(rho); raise the connectivity")
        }
        let factor = rho / current
        return Array2D(rows: w.rows, cols: w.cols, data: w.data.map { Float(Double($0) * factor) })
    }

    /// The reservoir states x(t) of every frame, (T·B) × N time-major (zero on padding), and each
    /// sequence's final state, B × N. `initialState` (B × N) replaces x(−1) = 0.
    public func run(_ batch: SequenceBatch<Float>, initialState: Array2D<Float>? = nil) -> (states: Array2D<Float>, final: Array2D<Float>) {
        let n = configuration.reservoirSize, B = batch.batchSize, T = batch.maxLength
        precondition(batch.dimension == configuration.inputSize, "echo state network: frames have \(batch.dimension) values, expected \(configuration.inputSize)")
        precondition(initialState.map { $0.rows == B && $0.cols == n } ?? true, "echo state network: initial state must be \(B)×\(n)")
        let a = Float(configuration.leakRate)
        // W_in·u(t) + b for all frames at once, (T·B) × N.
        var pre = batch.frames.multiplied(by: inputWeights, transposeOther: true)
        for r in 0..<pre.rows { for j in 0..<n { pre.data[r * n + j] += bias[j] } }
        var states = Array2D<Float>(rows: T * B, cols: n)
        var x = initialState ?? Array2D<Float>(rows: B, cols: n)   // x(t−1), B × N
        for t in 0..<T {
            let recurrent = x.multiplied(by: reservoirWeights, transposeOther: true)   // B × N: (W·x(t−1))ᵀ
            for b in 0..<B where batch.isActive(time: t, sequence: b) {
                let row = t * B + b
                for j in 0..<n {
                    let h = Float.tanh(pre.data[row * n + j] + recurrent.data[b * n + j])
                    let v = (1 - a) * x.data[b * n + j] + a * h
                    x.data[b * n + j] = v
                    states.data[row * n + j] = v
                }
            }
        }
        return (states, x)
    }

    /// The readout inputs [1; u(t); x(t)] of every frame, (T·B) × (1 + D + N) (zero on padding).
    public func design(_ batch: SequenceBatch<Float>, states: Array2D<Float>) -> Array2D<Float> {
        let d = configuration.inputSize, n = configuration.reservoirSize, p = featureCount, B = batch.batchSize
        precondition(states.rows == batch.frames.rows && states.cols == n, "design: states do not match the batch")
        var out = Array2D<Float>(rows: states.rows, cols: p)
        for t in 0..<batch.maxLength {
            for b in 0..<B where batch.isActive(time: t, sequence: b) {
                let r = t * B + b
                out.data[r * p] = 1
                for i in 0..<d { out.data[r * p + 1 + i] = batch.frames.data[r * d + i] }
                for j in 0..<n { out.data[r * p + 1 + d + j] = states.data[r * n + j] }
            }
        }
        return out
    }

    /// The readout inputs [1; u; x] at each sequence's last frame, B × (1 + D + N).
    public func finalDesign(_ batch: SequenceBatch<Float>) -> Array2D<Float> {
        let (states, _) = run(batch)
        let all = design(batch, states: states), p = featureCount, B = batch.batchSize
        var out = Array2D<Float>(rows: B, cols: p)
        for b in 0..<B where batch.lengths[b] > 0 {
            let r = (batch.lengths[b] - 1) * B + b
            for j in 0..<p { out.data[b * p + j] = all.data[r * p + j] }
        }
        return out
    }

    /// y(t) for every frame, (T·B) × K (zero on padding).
    public func outputs(_ batch: SequenceBatch<Float>) -> Array2D<Float> {
        design(batch, states: run(batch).states).multiplied(by: readout, transposeOther: true)
    }

    /// y at each sequence's last frame, B × K (sequence classification).
    public func finalOutputs(_ batch: SequenceBatch<Float>) -> Array2D<Float> {
        finalDesign(batch).multiplied(by: readout, transposeOther: true)
    }

    /// Fits W_out to framewise `targets` ((T·B) × K, time-major like the batch) over every real
    /// frame with t ≥ washout. Returns the normal equations' relative residual (≈ 0 when solved).
    /// - Throws: `LinearAlgebraError` when no frame is left after the washout or the system is singular.
    @discardableResult
    public mutating func fit(_ batch: SequenceBatch<Float>, targets: Array2D<Float>) throws -> Double {
        precondition(targets.rows == batch.frames.rows, "fit: targets have \(targets.rows) rows, the batch \(batch.frames.rows)")
        let B = batch.batchSize
        let rows = (configuration.washout..<max(configuration.washout, batch.maxLength)).flatMap { t in
            (0..<B).filter { batch.isActive(time: t, sequence: $0) }.map { t * B + $0 }
        }
        return try fit(design: design(batch, states: run(batch).states), targets: targets, rows: rows)
    }

    /// Fits W_out to one target row per sequence (B × K) from each sequence's final [1; u; x].
    @discardableResult
    public mutating func fitFinal(_ batch: SequenceBatch<Float>, targets: Array2D<Float>) throws -> Double {
        try fit(design: finalDesign(batch), targets: targets, rows: nil)
    }

    /// Fits W_out by ridge regression to `design` rows (all when nil) and their `targets` rows.
    @discardableResult
    public mutating func fit(design: Array2D<Float>, targets: Array2D<Float>, rows: [Int]?) throws -> Double {
        precondition(targets.cols == configuration.outputSize, "fit: targets have \(targets.cols) columns, expected K = \(configuration.outputSize)")
        var regression = RidgeRegression(features: featureCount, outputs: configuration.outputSize)
        regression.add(design, targets, rows: rows)
        guard regression.rowCount > 0 else { throw LinearAlgebraError("fit: no frames left after a washout of \(configuration.washout)") }
        let w = try regression.solve(ridge: configuration.ridge)   // P × K
        setReadout(ridgeSolution: w)
        return regression.residual(w, ridge: configuration.ridge)
    }

    /// Sets W_out = Wᵀ from a `RidgeRegression` solution W, (1 + D + N) × K.
    public mutating func setReadout(ridgeSolution w: Array2D<Double>) {
        precondition(w.rows == featureCount && w.cols == configuration.outputSize,
                     "readout: solution is \(w.rows)×\(w.cols), expected \(featureCount)×\(configuration.outputSize)")
        readout = Array2D(rows: w.cols, cols: w.rows, data: (0..<w.count).map { i in Float(w[i % w.rows, i / w.rows]) })
    }
}
