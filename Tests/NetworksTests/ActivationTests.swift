// Activations and (log-)softmax: values against the textbook formulas, backward against central differences.
import XCTest
import Networks
import Tensors
import TestSupport

final class ActivationTests: XCTestCase {
    func testValuesMatchFormulas() {
        let x = Array2D<Double>([[-3, -0.5, 0, 0.7, 40, -40]])
        assertClose(Activation.tanh.forward(x).data, x.data.map { Foundation.tanh($0) }, absolute: 1e-15)
        assertClose(Activation.logistic.forward(x).data, x.data.map { 1 / (1 + Foundation.exp(-$0)) }, absolute: 1e-15)
        assertClose(Activation.relu.forward(x).data, x.data.map { max(0, $0) }, absolute: 0)
        assertClose(Activation.identity.forward(x).data, x.data, absolute: 0)
    }

    /// Float's exp-based tanh against libm's tanh in Double, over the whole useful range and beyond.
    func testFloatTanhAndLogisticAreWithinThreeTenMillionths() {
        let xs = stride(from: -30.0, through: 30.0, by: 0.001).map { $0 } + [1e-8, -1e-8, 0, 88, -88, 1e30, -1e30]
        assertClose(xs.map { Float.tanh(Float($0)) }, xs.map { Foundation.tanh(Double(Float($0))) }, absolute: 3e-7)
        XCTAssertTrue(Float.tanh(.infinity) == 1 && Float.tanh(-.infinity) == -1)
        XCTAssertTrue(Float.tanh(.nan).isNaN)
        assertClose(xs.map { Float.logistic(Float($0)) }, xs.map { 1 / (1 + Foundation.exp(-Double(Float($0)))) }, absolute: 2e-7)
    }

    /// Float's polynomial exp against libm's exp in Double: relative error below 3·10⁻⁷ in [−87, 88].
    func testFloatExpIsWithinThreeTenMillionthsRelative() {
        let xs = stride(from: -87.0, through: 88.0, by: 0.0007).map { Float($0) } + [0, 1e-9, -1e-9]
        for x in xs {
            let e = Foundation.exp(Double(x))
            XCTAssertEqual(Double(Float.exp(x)), e, accuracy: 3e-7 * e, "x = \(x)")
        }
        XCTAssertTrue(Float.exp(.nan).isNaN)
        XCTAssertTrue(Float.exp(-1000) > 0 && Float.exp(-1000) < 2e-38 && Float.exp(1000).isFinite)
    }

    func testSoftmaxIsStableAndNormalised() {
        // Large logits would overflow a naive exp; the max shift keeps them finite.
        let x = Matrix([[1000, 1001, 1002], [-5, 0, 5], [0, 0, 0]])
        let p = Softmax.softmax(x), lp = Softmax.logSoftmax(x)
        XCTAssertTrue(p.allFinite && lp.allFinite)
        for r in 0..<3 { XCTAssertEqual(p.row(r).reduce(0, +), 1, accuracy: 1e-6) }
        let e = [exp(-2.0), exp(-1.0), 1].map { $0 / (1 + exp(-1.0) + exp(-2.0)) }
        assertClose(p.row(0), e, absolute: 1e-6)
        assertClose(lp.row(2), [Float](repeating: -log(3), count: 3), absolute: 1e-6)
    }

    func testElementwiseBackwardMatchesCentralDifferences() {
        var rng = SeededGenerator(seed: 21)
        for act in Activation.allCases {
            var x = randomArray(3, 4, &rng)
            if act == .relu { x.data = x.data.map { abs($0) < 1e-3 ? 0.5 : $0 } }   // keep away from the kink
            let w = randomArray(3, 4, &rng)
            let dx = act.backward(y: act.forward(x), dy: w)
            checkInputGradient(&x, dx, name: act.rawValue) { weightedSum(act.forward($0), w) }
        }
    }

    func testSoftmaxBackwardsMatchCentralDifferences() {
        var rng = SeededGenerator(seed: 22)
        var x = randomArray(3, 5, &rng, scale: 2)
        let w = randomArray(3, 5, &rng)
        let dxs = Softmax.softmaxBackward(y: Softmax.softmax(x), dy: w)
        checkInputGradient(&x, dxs, name: "softmax") { weightedSum(Softmax.softmax($0), w) }
        let dxl = Softmax.logSoftmaxBackward(y: Softmax.logSoftmax(x), dy: w)
        checkInputGradient(&x, dxl, name: "logSoftmax") { weightedSum(Softmax.logSoftmax($0), w) }
    }
}
