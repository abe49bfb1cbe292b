// Activations: elementwise nonlinearities and row-wise (log-)softmax, each with its backward.
import Tensors

/// An elementwise nonlinearity y = f(x).
///
/// Each derivative is written in terms of the output y, so `backward(y:dy:)` needs only what
/// `forward` returned: tanh′ = 1 − y², σ′ = y(1 − y), ReLU′ = [y > 0], identity′ = 1.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case identity, tanh, logistic, relu

    /// f applied to one value.
    @inlinable public func apply<S: NetworkScalar>(_ x: S) -> S {
        switch self {
        case .identity: return x
        case .tanh: return S.tanh(x)
        case .logistic: return S.logistic(x)
        case .relu: return x > 0 ? x : 0
        }
    }

    /// f′ expressed through the output y = f(x).
    @inlinable public func derivative<S: NetworkScalar>(output y: S) -> S {
        switch self {
        case .identity: return 1
        case .tanh: return 1 - y * y
        case .logistic: return y * (1 - y)
        case .relu: return y > 0 ? 1 : 0
        }
    }

    /// y = f(x) elementwise.
    @_specialize(where S == Float)
    public func forward<S: NetworkScalar>(_ x: Array2D<S>) -> Array2D<S> {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = apply(p[i]) } }
        return y
    }

    /// dx = dy ⊙ f′(x), from the forward output y.
    @_specialize(where S == Float)
    public func backward<S: NetworkScalar>(y: Array2D<S>, dy: Array2D<S>) -> Array2D<S> {
        precondition(y.rows == dy.rows && y.cols == dy.cols, "Activation.backward: shapes differ")
        var dx = dy
        y.data.withUnsafeBufferPointer { yp in
            dx.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= derivative(output: yp[i]) } }
        }
        return dx
    }

    /// Float `Matrix` forms.
    public func forward(_ x: Matrix) -> Matrix { forward(Array2D(x)).matrix }
    public func backward(y: Matrix, dy: Matrix) -> Matrix { backward(y: Array2D(y), dy: Array2D(dy)).matrix }
}

/// Row-wise softmax and log-softmax (each row of a B×K array is one distribution over K classes).
///
/// log-softmax: y_k = x_k − m − log Σ_j e^(x_j − m), with m = max_j x_j, so no exponential
/// overflows. Backward (Bishop 2006, §4.3.4): softmax dx = y ⊙ (dy − ⟨dy, y⟩);
/// log-softmax dx = dy − softmax(x)·Σ_k dy_k.
public enum Softmax {
    /// log-softmax of each row.
    @_specialize(where S == Float)
    public static func logSoftmax<S: NetworkScalar>(_ x: Array2D<S>) -> Array2D<S> {
        var y = x
        let k = x.cols
        y.data.withUnsafeMutableBufferPointer { p in
            for r in 0..<x.rows {
                let row = UnsafeMutableBufferPointer(rebasing: p[(r * k)..<((r + 1) * k)])
                logSoftmaxInPlace(row)
            }
        }
        return y
    }

    /// log-softmax of one row, in place (used by the sequence model's output layer too).
    @inlinable
    static func logSoftmaxInPlace<S: NetworkScalar>(_ row: UnsafeMutableBufferPointer<S>) {
        guard var m = row.first else { return }
        for v in row where v > m { m = v }
        var sum: S = 0
        for v in row { sum += S.exp(v - m) }
        let logSum = S.log(sum)
        for i in row.indices { row[i] = (row[i] - m) - logSum }   // (x − m) first: exact for large x
    }

    /// softmax of each row.
    @_specialize(where S == Float)
    public static func softmax<S: NetworkScalar>(_ x: Array2D<S>) -> Array2D<S> {
        var y = logSoftmax(x)
        y.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = S.exp(p[i]) } }
        return y
    }

    /// Softmax backward from the output y = softmax(x): dx = y ⊙ (dy − Σ_k dy_k y_k), per row.
    @_specialize(where S == Float)
    public static func softmaxBackward<S: NetworkScalar>(y: Array2D<S>, dy: Array2D<S>) -> Array2D<S> {
        precondition(y.rows == dy.rows && y.cols == dy.cols, "softmaxBackward: shapes differ")
        var dx = dy
        let k = y.cols
        for r in 0..<y.rows {
            var dot: S = 0
            for j in 0..<k { dot += dy.data[r * k + j] * y.data[r * k + j] }
            for j in 0..<k { dx.data[r * k + j] = y.data[r * k + j] * (dy.data[r * k + j] - dot) }
        }
        return dx
    }

    /// Log-softmax backward from the output y = log-softmax(x): dx = dy − e^y · Σ_k dy_k, per row.
    @_specialize(where S == Float)
    public static func logSoftmaxBackward<S: NetworkScalar>(y: Array2D<S>, dy: Array2D<S>) -> Array2D<S> {
        precondition(y.rows == dy.rows && y.cols == dy.cols, "logSoftmaxBackward: shapes differ")
        var dx = dy
        let k = y.cols
        for r in 0..<y.rows {
            var sum: S = 0
            for j in 0..<k { sum += dy.data[r * k + j] }
            for j in 0..<k { dx.data[r * k + j] = dy.data[r * k + j] - S.exp(y.data[r * k + j]) * sum }
        }
        return dx
    }

    /// Float `Matrix` forms.
    public static func logSoftmax(_ x: Matrix) -> Matrix { logSoftmax(Array2D(x)).matrix }
    public static func softmax(_ x: Matrix) -> Matrix { softmax(Array2D(x)).matrix }
    public static func softmaxBackward(y: Matrix, dy: Matrix) -> Matrix { softmaxBackward(y: Array2D(y), dy: Array2D(dy)).matrix }
    public static func logSoftmaxBackward(y: Matrix, dy: Matrix) -> Matrix { logSoftmaxBackward(y: Array2D(y), dy: Array2D(dy)).matrix }
}
