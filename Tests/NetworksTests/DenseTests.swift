// Dense layer: forward against plain loops, and dx, dW, db against central differences in Double.
import XCTest
@testable import Networks
import Tensors
import TestSupport

final class DenseTests: XCTestCase {
    func testForwardMatchesPlainLoopsOnOddShapes() {
        var rng = SeededGenerator(seed: 1)
        for (batch, inputs, outputs) in [(1, 1, 1), (3, 17, 5), (17, 3, 1), (2, 33, 9)] {
            let layer = Dense(inputs: inputs, outputs: outputs, rng: &rng)
            let x = Matrix(rows: batch, cols: inputs, data: (0..<(batch * inputs)).map { _ in Float(rng.normal()) })
            var expected = Matrix(rows: batch, cols: outputs)
            for r in 0..<batch {
                for j in 0..<outputs {
                    var s = Double(layer.bias.value.data[j])
                    for k in 0..<inputs { s += Double(x[r, k]) * Double(layer.weight.value[j, k]) }
                    expected[r, j] = Float(s)
                }
            }
            // Float sums of ≤ 33 unit-size products: 1e-5 absolute covers the rounding.
            assertClose(layer.forward(x), expected, absolute: 1e-5, "B=\(batch) in=\(inputs) out=\(outputs)")
        }
    }

    func testInitialisationIsSeededAndBounded() {
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        let l1 = Dense(inputs: 16, outputs: 4, rng: &a), l2 = Dense(inputs: 16, outputs: 4, rng: &b)
        XCTAssertEqual(l1.weight.value, l2.weight.value)
        XCTAssertTrue(l1.weight.value.data.allSatisfy { abs($0) <= 0.25 })
        XCTAssertEqual(l1.parameters.map(\.name), ["dense.weight", "dense.bias"])
        XCTAssertEqual(l1.bias.shape, [4])
    }

    func testGradientsMatchCentralDifferences() {
        var rng = SeededGenerator(seed: 11)
        let layer = DenseLayer<Double>(inputs: 5, outputs: 3, rng: &rng)
        var x = randomArray(4, 5, &rng)
        let w = randomArray(4, 3, &rng)
        layer.parameters.zeroGradients()
        let dx = layer.backward(x: x, dy: w)
        checkParameterGradients(layer.parameters) { weightedSum(layer.forward(x), w) }
        checkInputGradient(&x, dx) { weightedSum(layer.forward($0), w) }
    }

    /// The raw-row entry points the sequence network splits between threads (y and dx by row
    /// blocks, dW by column blocks of x, read at a row stride wider than the layer's input) give
    /// what the whole-batch forward and backward give, to the last bits BLAS may sum in another
    /// order for a block's shape (with some CPUs' kernels they are equal bit for bit, not with all).
    func testRowAndColumnBlocksEqualTheWholeBatch() {
        var rng = SeededGenerator(seed: 13)
        let (rows, inputs, outputs, ldx) = (37, 9, 4, 11)
        let whole = DenseLayer<Double>(inputs: inputs, outputs: outputs, rng: &rng), blocks = whole.copy()
        let wide = randomArray(rows, ldx, &rng), dy = randomArray(rows, outputs, &rng)
        var x = Array2D<Double>(rows: rows, cols: inputs)
        for r in 0..<rows { for c in 0..<inputs { x[r, c] = wide[r, c] } }
        let y = whole.forward(x)
        let dx = whole.backward(x: x, dy: dy)
        var yBlocks = Array2D<Double>(rows: rows, cols: outputs), dxBlocks = Array2D<Double>(rows: rows, cols: ldx)
        wide.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { dyp in
        yBlocks.data.withUnsafeMutableBufferPointer { yp in
        dxBlocks.data.withUnsafeMutableBufferPointer { dxp in
        blocks.weight.gradient.data.withUnsafeMutableBufferPointer { dW in
            for (rowBlock, columnBlock) in [(0..<15, 0..<4), (15..<rows, 4..<inputs)] {
                blocks.forward(x: xp.baseAddress! + rowBlock.lowerBound * ldx, ldx: ldx, rows: rowBlock.count,
                               y: yp.baseAddress! + rowBlock.lowerBound * outputs)
                blocks.inputGradient(dy: dyp.baseAddress! + rowBlock.lowerBound * outputs, rows: rowBlock.count,
                                     dx: dxp.baseAddress! + rowBlock.lowerBound * ldx, lddx: ldx)
                blocks.addWeightGradient(x: xp.baseAddress!, ldx: ldx, dy: dyp.baseAddress!, rows: rows,
                                         columns: columnBlock, into: dW.baseAddress!)
            }
            blocks.addBiasGradient(dy: dyp.baseAddress!, rows: rows)
        }}}}}
        // Double sums of 9 to 37 terms of order 1: 1e-13.
        assertClose(yBlocks.data, y.data, absolute: 1e-13)
        for r in 0..<rows { for c in 0..<inputs { XCTAssertEqual(dxBlocks[r, c], dx[r, c], accuracy: 1e-13) } }
        assertClose(blocks.weight.gradient.data, whole.weight.gradient.data, absolute: 1e-13)
        XCTAssertEqual(blocks.bias.gradient, whole.bias.gradient)
        XCTAssertNotEqual(whole.weight.gradient, Array2D(rows: outputs, cols: inputs))
    }

    /// Float batches of 16 rows or more with BLAS on one thread run the backward's products on
    /// the panel product (dx) and libxsmm (dW) where they run: the raw-row entry points in row and
    /// column blocks against Double loops, libxsmm forced on and off, dW added to what was there.
    func testFloatBlocksOfManyRowsMatchDoubleLoops() {
        let threads = blasThreads()
        defer { setBLASThreads(threads); SmallGemm.force(nil) }
        setBLASThreads(1)
        var rng = SeededGenerator(seed: 14)
        let (rows, inputs, outputs, ldx) = (900, 37, 30, 41)
        let wide = (0..<(rows * ldx)).map { i in i % ldx < inputs ? Float.random(in: -1...1, using: &rng) : .nan }
        let dy = (0..<(rows * outputs)).map { _ in Float.random(in: -1...1, using: &rng) }
        for libxsmm in [true, false] {
            SmallGemm.force(libxsmm)
            let layer = Dense(inputs: inputs, outputs: outputs, rng: &rng)
            let dW0 = (0..<(outputs * inputs)).map { _ in Float.random(in: -1...1, using: &rng) }
            layer.weight.gradient.data = dW0
            var dx = [Float](repeating: .nan, count: rows * ldx)
            wide.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dyp in
            dx.withUnsafeMutableBufferPointer { dxp in
            layer.weight.gradient.data.withUnsafeMutableBufferPointer { dW in
                for (rowBlock, columnBlock) in [(0..<416, 0..<20), (416..<rows, 20..<inputs)] {
                    layer.inputGradient(dy: dyp.baseAddress! + rowBlock.lowerBound * outputs, rows: rowBlock.count,
                                        dx: dxp.baseAddress! + rowBlock.lowerBound * ldx, lddx: ldx)
                    layer.addWeightGradient(x: xp.baseAddress!, ldx: ldx, dy: dyp.baseAddress!, rows: rows,
                                            columns: columnBlock, into: dW.baseAddress!)
                }
            }}}}
            let w = layer.weight.value.data
            for r in 0..<rows {
                for i in 0..<inputs {
                    var sum = 0.0, magnitude = 0.0
                    for j in 0..<outputs { let t = Double(dy[r * outputs + j]) * Double(w[j * inputs + i]); sum += t; magnitude += abs(t) }
                    XCTAssertEqual(Double(dx[r * ldx + i]), sum, accuracy: magnitude * Double(outputs + 1) * 0x1p-24 + 1e-30,
                                   "libxsmm \(libxsmm): dx (\(r), \(i))")
                }
                for i in inputs..<ldx { XCTAssertTrue(dx[r * ldx + i].isNaN, "dx beyond the inputs is left alone") }
            }
            for j in 0..<outputs {
                for i in 0..<inputs {
                    var sum = Double(dW0[j * inputs + i]), magnitude = abs(sum)
                    for r in 0..<rows { let t = Double(dy[r * outputs + j]) * Double(wide[r * ldx + i]); sum += t; magnitude += abs(t) }
                    XCTAssertEqual(Double(layer.weight.gradient.data[j * inputs + i]), sum,
                                   accuracy: magnitude * Double(rows + 1) * 0x1p-24, "libxsmm \(libxsmm): dW (\(j), \(i))")
                }
            }
        }
    }

    func testBackwardAccumulatesAndCopyIsIndependent() {
        var rng = SeededGenerator(seed: 12)
        let layer = DenseLayer<Double>(inputs: 3, outputs: 2, rng: &rng)
        let x = randomArray(2, 3, &rng), dy = randomArray(2, 2, &rng)
        layer.backward(x: x, dy: dy)
        let once = layer.weight.gradient
        layer.backward(x: x, dy: dy)
        assertClose(layer.weight.gradient.data, once.data.map { 2 * $0 }, absolute: 1e-12)
        let copy = layer.copy()
        copy.weight.value.data[0] += 1
        XCTAssertNotEqual(copy.weight.value, layer.weight.value)
        layer.parameters.copyValues(from: copy.parameters)
        XCTAssertEqual(copy.weight.value, layer.weight.value)
    }

    func testTwoLayerNetworkWithActivationChecksOut() {
        // dense → tanh → dense → log-softmax, the chain a classifier or Q-network uses.
        var rng = SeededGenerator(seed: 13)
        let l1 = DenseLayer<Double>(inputs: 4, outputs: 6, name: "l1", rng: &rng)
        let l2 = DenseLayer<Double>(inputs: 6, outputs: 3, name: "l2", rng: &rng)
        var x = randomArray(5, 4, &rng)
        let w = randomArray(5, 3, &rng)
        func loss(_ x: Array2D<Double>) -> Double {
            weightedSum(Softmax.logSoftmax(l2.forward(Activation.tanh.forward(l1.forward(x)))), w)
        }
        let a1 = l1.forward(x), h = Activation.tanh.forward(a1), y = Softmax.logSoftmax(l2.forward(h))
        let dz = Softmax.logSoftmaxBackward(y: y, dy: w)
        let dh = l2.backward(x: h, dy: dz)
        let dx = l1.backward(x: x, dy: Activation.tanh.backward(y: h, dy: dh))
        checkParameterGradients(l1.parameters + l2.parameters) { loss(x) }
        checkInputGradient(&x, dx, loss)
    }
}
