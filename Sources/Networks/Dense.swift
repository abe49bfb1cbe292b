// Dense: the affine layer y = x·Wᵀ + b over a batch, forward and backward side by side.
import Tensors

/// A fully connected (affine) layer, y = x·Wᵀ + b, applied to each row of a batch.
///
/// Shapes: x is B×in, W is out×in (PyTorch `nn.Linear.weight` layout), b has `out`
/// elements, y is B×out. Initialisation: W and b uniform in ±1/√in (PyTorch's default for
/// `nn.Linear`). Parameters are named `<name>.weight` and `<name>.bias`.
///
/// `forward` is pure (it caches nothing); `backward` takes the same input `x` back together
/// with ∂L/∂y, *adds* ∂L/∂W and ∂L/∂b into the parameters' gradients, and returns ∂L/∂x.
///
/// A two-layer Q-network trained with RMSProp, in Float:
///
///     var rng = SeededGenerator(seed: 1)
///     let l1 = Dense(inputs: 4, outputs: 32, name: "q.l1", rng: &rng)
///     let l2 = Dense(inputs: 32, outputs: 4, name: "q.l2", rng: &rng)
///     var rmsprop = RMSProp.natureDQN()
///     let h = Activation.relu.forward(l1.forward(x))        // x: B×4 Matrix
///     let q = l2.forward(h)                                  // B×4
///     let params = l1.parameters + l2.parameters
///     params.zeroGradients()
///     let dh = l2.backward(x: h, dy: dq)                     // dq = ∂L/∂q, B×4
///     l1.backward(x: x, dy: Activation.relu.backward(y: h, dy: dh))
///     params.clipGradientNorm(maxNorm: 10)
///     rmsprop.step(params)
///     let target = [l1.copy(), l2.copy()]                    // frozen copies; refresh with copyValues(from:)
public struct DenseLayer<S: NetworkScalar>: Sendable {
    public let inputs: Int
    public let outputs: Int
    /// Name prefix of the parameters.
    public let name: String
    /// W, outputs × inputs.
    public let weight: Parameter<S>
    /// b, outputs.
    public let bias: Parameter<S>

    /// A layer with weights drawn uniformly from ±1/√inputs.
    public init(inputs: Int, outputs: Int, name: String = "dense", rng: inout some RandomNumberGenerator) {
        precondition(inputs > 0 && outputs > 0, "Dense layer needs positive sizes, got \(inputs)→\(outputs)")
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
        let scale = 1 / Double(inputs).squareRoot()
        weight = Parameter(name: name + ".weight",
                           value: Array2D(rows: outputs, cols: inputs, uniformScale: scale, rng: &rng))
        bias = Parameter(name: name + ".bias",
                         vector: Array2D<S>(rows: 1, cols: outputs, uniformScale: scale, rng: &rng).data)
    }

    /// The parameters in a fixed order: weight, bias.
    public var parameters: [Parameter<S>] { [weight, bias] }

    /// y = x·Wᵀ + b. x is B×inputs, y is B×outputs.
    @_specialize(where S == Float)
    public func forward(_ x: Array2D<S>) -> Array2D<S> {
        precondition(x.cols == inputs, "Dense.forward: input has \(x.cols) columns, layer expects \(inputs)")
        var y = Array2D<S>(rows: x.rows, cols: outputs)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                forward(x: xp.baseAddress!, ldx: inputs, rows: x.rows, y: yp.baseAddress!)
            }
        }
        return y
    }

    /// Given the input x (B×in) of `forward` and dy = ∂L/∂y (B×out): dW += dyᵀ·x, db += Σ_rows dy;
    /// returns dx = dy·W (B×in).
    @_specialize(where S == Float)
    @discardableResult
    public func backward(x: Array2D<S>, dy: Array2D<S>) -> Array2D<S> {
        precondition(x.cols == inputs && dy.cols == outputs && x.rows == dy.rows,
                     "Dense.backward: x \(x.rows)×\(x.cols), dy \(dy.rows)×\(dy.cols), layer \(inputs)→\(outputs)")
        let batch = x.rows
        var dx = Array2D<S>(rows: batch, cols: inputs)
        x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
                weight.gradient.data.withUnsafeMutableBufferPointer { dwp in
                    addWeightGradient(x: xp.baseAddress!, ldx: inputs, dy: dyp.baseAddress!, rows: batch, columns: 0..<inputs,
                                      into: dwp.baseAddress!)
                }
                addBiasGradient(dy: dyp.baseAddress!, rows: batch)
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    inputGradient(dy: dyp.baseAddress!, rows: batch, dx: dxp.baseAddress!, lddx: inputs)
                }
            }
        }
        return dx
    }

    // The same on raw rows, so that a caller can split a batch between threads: by rows for y and
    // dx, by columns of x (columns of dW) for the weight gradient; no two parts write the same memory.

    /// y (rows × outputs, contiguous) = x (rows × inputs, row stride ldx) · Wᵀ + b.
    @_specialize(where S == Float)
    func forward(x: UnsafePointer<S>, ldx: Int, rows: Int, y: UnsafeMutablePointer<S>) {
        guard rows > 0 else { return }
        bias.value.data.withUnsafeBufferPointer { b in
            for r in 0..<rows { (y + r * outputs).update(from: b.baseAddress!, count: outputs) }
        }
        weight.value.data.withUnsafeBufferPointer { wp in
            // y (rows×out) += x (rows×in) · Wᵀ (in×out); for Float by libxsmm on Wᵀ or by the panel
            // product (`RecurrentProduct`: an output layer's few columns, 3,200 × 256 · 256 × 30, in
            // 0.23 ms against OpenBLAS's 0.35 ms on an AVX-512 machine, one thread).
            if S.self == Float.self, rows >= 16 {
                let product = RecurrentProduct(weights: UnsafeRawPointer(wp.baseAddress!).assumingMemoryBound(to: Float.self),
                                               outputs: outputs, inputs: inputs, rows: rows, ldh: ldx)
                product.add(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                            into: UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self))
            } else {
                S.gemm(.none, .transposed, m: rows, n: outputs, k: inputs, alpha: 1, x, lda: ldx,
                       wp.baseAddress!, ldb: inputs, beta: 1, y, ldc: outputs)
            }
        }
    }

    /// dx (rows × inputs, row stride lddx) = dy (rows × outputs, contiguous) · W: for Float batches
    /// of 16 rows or more with BLAS on one thread, by the panel product (`InputGradientProduct`,
    /// AVX-512) where it runs, else by BLAS.
    @_specialize(where S == Float)
    func inputGradient(dy: UnsafePointer<S>, rows: Int, dx: UnsafeMutablePointer<S>, lddx: Int) {
        guard rows > 0 else { return }
        weight.value.data.withUnsafeBufferPointer { wp in
            if runsLSTMProducts(rows: rows),
               let product = InputGradientProduct(weights: floats(wp.baseAddress!), outputs: outputs, inputs: inputs) {
                product.run(dA: floats(dy), ldA: outputs, rows: rows, into: floats(dx), lddx: lddx, accumulate: false)
            } else {
                S.gemm(.none, .none, m: rows, n: inputs, k: outputs, alpha: 1, dy, lda: outputs,
                       wp.baseAddress!, ldb: inputs, beta: 0, dx, ldc: lddx)
            }
        }
    }

    /// dW[:, columns] += dyᵀ (out × rows) · x[:, columns] (rows × columns; x's row stride ldx), dW
    /// being this layer's weight gradient (outputs × inputs), whose storage the caller hands in
    /// once for all parts. For Float batches of 16 rows or more with BLAS on one thread, by libxsmm
    /// reading dy transposed (`WeightGradientProduct`) where it runs, else by BLAS.
    @_specialize(where S == Float)
    func addWeightGradient(x: UnsafePointer<S>, ldx: Int, dy: UnsafePointer<S>, rows: Int, columns: Range<Int>,
                           into dW: UnsafeMutablePointer<S>) {
        guard rows > 0, !columns.isEmpty else { return }
        if runsLSTMProducts(rows: rows),
           let product = WeightGradientProduct(columns: columns.count, outputs: outputs, ldx: ldx, ldA: outputs, rows: rows,
                                               ldW: inputs) {
            product.run(x: floats(x + columns.lowerBound), dA: floats(dy), into: floats(dW + columns.lowerBound))
        } else {
            S.gemm(.transposed, .none, m: outputs, n: columns.count, k: rows, alpha: 1, dy, lda: outputs,
                   x + columns.lowerBound, ldb: ldx, beta: 1, dW + columns.lowerBound, ldc: inputs)
        }
    }

    /// Whether the backward's products run on the LSTM layers' own (`InputGradientProduct`,
    /// `WeightGradientProduct`) where those run: Float batches of 16 rows or more with BLAS on one
    /// thread.
    private func runsLSTMProducts(rows: Int) -> Bool { S.self == Float.self && rows >= 16 && blasThreads() == 1 }

    /// db += Σ_rows dy (dy rows × outputs, contiguous).
    @_specialize(where S == Float)
    func addBiasGradient(dy: UnsafePointer<S>, rows: Int) {
        bias.gradient.data.withUnsafeMutableBufferPointer { dbp in
            for r in 0..<rows { for j in 0..<outputs { dbp[j] += dy[r * outputs + j] } }
        }
    }

    /// An independent copy (its own parameters, same values, zero gradients, no optimizer state).
    public func copy() -> DenseLayer<S> {
        DenseLayer(inputs: inputs, outputs: outputs, weight: weight.value, bias: bias.value.data, name: name)
    }

    /// A layer with given weights (outputs × inputs) and bias.
    public init(inputs: Int, outputs: Int, weight w: Array2D<S>, bias b: [S], name: String = "dense") {
        precondition(w.rows == outputs && w.cols == inputs && b.count == outputs, "Dense: weight/bias shapes do not match \(inputs)→\(outputs)")
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
        weight = Parameter(name: name + ".weight", value: w)
        bias = Parameter(name: name + ".bias", vector: b)
    }
}

/// The Float dense layer used for training: `Dense(inputs: 4, outputs: 2, rng: &rng)`.
public typealias Dense = DenseLayer<Float>

extension DenseLayer where S == Float {
    /// y = x·Wᵀ + b on a `Matrix` batch (B×inputs → B×outputs).
    public func forward(_ x: Matrix) -> Matrix { forward(Array2D(x)).matrix }

    /// Backward on `Matrix` arguments: accumulates dW, db and returns dx (B×inputs).
    @discardableResult
    public func backward(x: Matrix, dy: Matrix) -> Matrix { backward(x: Array2D(x), dy: Array2D(dy)).matrix }
}
