// Central-difference gradient checking in Double, shared by the layer tests.
import XCTest
import Networks
import Tensors

/// Central difference (f(w + h) − f(w − h)) / 2h, where `set` puts a value into the element
/// w (initially `value`) that `loss` reads; the element is restored afterwards.
///
/// With h = 1e-6 in Double the truncation error is O(h²·f‴) ≈ 1e-12 and the rounding error
/// O(ε·|f|/h) ≈ 1e-10 for |f| ~ 1, so analytic and numeric gradients agree to about 1e-7
/// relative; the checks use 1e-6 absolute + 1e-5 relative.
func centralDifference(at value: Double, h: Double = 1e-6, set: (Double) -> Void, _ loss: () -> Double) -> Double {
    set(value + h)
    let up = loss()
    set(value - h)
    let down = loss()
    set(value)
    return (up - down) / (2 * h)
}

/// A few distinct seeded indices in 0..<count (all of them when count ≤ n).
func sampleIndices(_ count: Int, _ n: Int, _ rng: inout SeededGenerator) -> [Int] {
    if count <= n { return Array(0..<count) }
    var chosen = Set<Int>()
    while chosen.count < n { chosen.insert(Int(rng.next() % UInt64(count))) }
    return chosen.sorted()
}

/// Checks ∂loss/∂p for every element of every parameter (or `samples` seeded elements of each,
/// for a large one) against central differences. `loss` must recompute the forward pass from the
/// parameters' current values.
func checkParameterGradients(_ parameters: [Parameter<Double>], samples: Int = .max, seed: UInt64 = 99,
                             absolute: Double = 1e-6, relative: Double = 1e-5,
                             _ loss: () -> Double, file: StaticString = #filePath, line: UInt = #line) {
    var rng = SeededGenerator(seed: seed)
    for p in parameters {
        for i in sampleIndices(p.count, samples, &rng) {
            let numeric = centralDifference(at: p.value.data[i], set: { p.value.data[i] = $0 }, loss)
            let analytic = p.gradient.data[i]
            XCTAssertEqual(analytic, numeric, accuracy: absolute + relative * abs(numeric),
                           "\(p.name)[\(i)]: analytic \(analytic), numeric \(numeric)", file: file, line: line)
        }
    }
}

/// Checks ∂loss/∂x for every element of an input array (or `samples` seeded elements) against
/// central differences.
func checkInputGradient(_ x: inout Array2D<Double>, _ dx: Array2D<Double>, samples: Int = .max, seed: UInt64 = 5,
                        absolute: Double = 1e-6, relative: Double = 1e-5, name: String = "x",
                        _ loss: (Array2D<Double>) -> Double, file: StaticString = #filePath, line: UInt = #line) {
    var rng = SeededGenerator(seed: seed)
    for i in sampleIndices(x.count, samples, &rng) {
        var probe = x
        let numeric = centralDifference(at: x.data[i], set: { probe.data[i] = $0 }) { loss(probe) }
        XCTAssertEqual(dx.data[i], numeric, accuracy: absolute + relative * abs(numeric),
                       "\(name)[\(i)]: analytic \(dx.data[i]), numeric \(numeric)", file: file, line: line)
    }
}

/// Seeded normal samples as an array.
func randomArray(_ rows: Int, _ cols: Int, _ rng: inout SeededGenerator, scale: Double = 1) -> Array2D<Double> {
    Array2D(rows: rows, cols: cols, data: (0..<(rows * cols)).map { _ in rng.normal() * scale })
}

/// Σ (a ⊙ w): the simple linear loss whose gradient with respect to a is w.
func weightedSum(_ a: Array2D<Double>, _ w: Array2D<Double>) -> Double {
    zip(a.data, w.data).reduce(0) { $0 + $1.0 * $1.1 }
}
