// Optimizers against reference trajectories (torch.optim and a numpy RMSProp), and clipping by global norm.
import CKernels
import XCTest
import Networks
import Tensors
import TestSupport

final class OptimizerTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable {
            var kind: String
            var learningRate: Double
            var momentum: Double?
            var weightDecay: Double
            var beta1: Double?, beta2: Double?, epsilon: Double?, decay: Double?
            var centered: Bool?
            var steps: [[Double]]
        }
        var start: [Double], a: [Double], c: [Double]
        var cases: [Case]
    }

    func testTrajectoriesMatchReference() throws {
        let url = packageRoot.appendingPathComponent("Tests/NetworksTests/Fixtures/optimizers.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        for (n, c) in fixture.cases.enumerated() {
            var optimizer: any Optimizer
            switch c.kind {
            case "sgd": optimizer = SGD(learningRate: c.learningRate, momentum: c.momentum!, weightDecay: c.weightDecay)
            case "adam": optimizer = Adam(learningRate: c.learningRate, beta1: c.beta1!, beta2: c.beta2!,
                                          epsilon: c.epsilon!, weightDecay: c.weightDecay)
            case "rmsprop": optimizer = RMSProp(learningRate: c.learningRate, decay: c.decay!, epsilon: c.epsilon!,
                                                momentum: c.momentum!, centered: c.centered!, weightDecay: c.weightDecay)
            default: XCTFail("unknown kind \(c.kind)"); continue
            }
            let p = Parameter<Double>(name: "w", vector: fixture.start)
            for (t, expected) in c.steps.enumerated() {
                p.gradient.data = zip(zip(fixture.a, fixture.c), p.value.data).map { $0.0 * $1 + $0.1 }
                optimizer.step([p])
                // Same Double arithmetic in a different order: agreement to ~1e-12.
                assertClose(p.value.data, expected, absolute: 1e-10, relative: 1e-9, "case \(n) (\(c.kind)) step \(t + 1)")
            }
        }
    }

    func testFloatOptimizersMinimiseAQuadratic() {
        for var optimizer in [SGD(learningRate: 0.1, momentum: 0.9) as any Optimizer, Adam(learningRate: 0.05),
                              RMSProp(learningRate: 0.01), RMSProp.graves2013(learningRate: 0.01),
                              RMSProp.natureDQN(learningRate: 0.01)] {
            let p = Parameter<Float>(name: "w", value: Array2D(rows: 2, cols: 2, data: [3, -2, 1, 4]))
            for _ in 0..<600 {
                p.gradient.data = p.value.data.map { 2 * ($0 - 1) }      // L = Σ (w − 1)²
                optimizer.step([p])
            }
            assertClose(p.value.data, [Float](repeating: 1, count: 4), absolute: 0.05, "\(optimizer)")
        }
    }

    /// Float Adam runs in CKernels (`seqlab_adam_update`): every kernel family this CPU has gives,
    /// step after step, the bits of the documented update written out here in Swift operation by
    /// operation (lengths with vector tails; with weight decay), and so does `Adam.step`.
    func testFloatAdamKernelsGiveTheBitsOfTheUpdateWrittenOut() {
        var rng = SeededGenerator(seed: 22)
        let (b1, b2, eps, lambda, lr): (Float, Float, Float, Float, Double) = (0.9, 0.999, 1e-8, 0.01, 0.003)
        for n in [1, 15, 16, 17, 37, 1000] {
            let w0 = (0..<n).map { _ in Float(rng.normal()) }
            var reference = (w: w0, m: [Float](repeating: 0, count: n), v: [Float](repeating: 0, count: n))
            var kernels = (0...2).filter { seqlab_kernel_available(Int32($0)) != 0 }.map { _ in reference }
            var adam = Adam(learningRate: lr, beta1: Double(b1), beta2: Double(b2), epsilon: Double(eps), weightDecay: Double(lambda))
            let p = Parameter<Float>(name: "w", vector: w0)
            for t in 1...4 {
                let g = (0..<n).map { _ in Float(rng.normal()) }
                let c1 = 1 - pow(Double(b1), Double(t)), c2 = 1 - pow(Double(b2), Double(t))
                let step = Float(lr / c1), root = Float(c2.squareRoot())
                for i in 0..<n {
                    let gi = g[i] + lambda * reference.w[i]
                    reference.m[i] = b1 * reference.m[i] + (1 - b1) * gi
                    reference.v[i] = b2 * reference.v[i] + (1 - b2) * gi * gi
                    let denominator = reference.v[i].squareRoot() / root + eps
                    reference.w[i] -= step * reference.m[i] / denominator
                }
                let constants: [Float] = [b1, 1 - b1, b2, 1 - b2, lambda, step, root, eps]
                for k in kernels.indices {
                    var state = kernels[k]
                    seqlab_adam_update_with(Int32(k), n, &state.w, g, &state.m, &state.v, constants)
                    kernels[k] = state
                    XCTAssertEqual(kernels[k].w, reference.w, "family \(k), n \(n), step \(t)")
                    XCTAssertEqual(kernels[k].v, reference.v, "family \(k), n \(n), step \(t)")
                }
                p.gradient.data = g
                adam.step([p])
                XCTAssertEqual(p.value.data, reference.w, "Adam.step, n \(n), step \(t)")
            }
            XCTAssertNotEqual(reference.w, w0)
        }
    }

    /// Adam's update of a large tensor in blocks on two threads gives the bits of one thread,
    /// step after step (a tensor above `Adam.blockMinimum` and one below it).
    func testAdamOnTwoThreadsMatchesOneThread() {
        var rng = SeededGenerator(seed: 21)
        func tensors() -> [Parameter<Float>] {
            [Parameter(name: "big", value: Array2D<Float>(rows: 3, cols: Adam.blockMinimum / 2 + 7, uniformScale: 1, rng: &rng)),
             Parameter(name: "small", vector: (0..<10).map { Float($0) / 10 })]
        }
        let one = tensors(), two = tensors()
        two.copyValues(from: one)
        let start = one[0].value
        var serial = Adam(learningRate: 0.01, weightDecay: 0.001), concurrent = serial
        concurrent.threads = 2
        for _ in 0..<3 {
            let gradients = one.map { p in (0..<p.count).map { _ in Float(rng.normal()) } }
            for (p, g) in zip(one, gradients) { p.gradient.data = g }
            for (p, g) in zip(two, gradients) { p.gradient.data = g }
            serial.step(one)
            concurrent.step(two)
        }
        XCTAssertEqual(one.map(\.value), two.map(\.value))
        XCTAssertEqual(one.map { $0.slots }, two.map { $0.slots })
        XCTAssertNotEqual(one[0].value, start)
    }

    func testOptimizersKeepOnlyTheSlotsTheyUse() {
        let p = Parameter<Float>(name: "w", vector: [1, 2])
        p.gradient.data = [0.5, -0.5]
        var plain = RMSProp(learningRate: 0.1)
        plain.step([p])
        XCTAssertEqual(Set(p.slots.keys), ["rmsprop.meanSquare"])
        var graves = RMSProp.graves2013()
        graves.step([p])
        XCTAssertEqual(Set(p.slots.keys), ["rmsprop.meanSquare", "rmsprop.mean", "rmsprop.delta"])
        var adam = Adam()
        adam.step([p])
        XCTAssertEqual(adam.stepCount, 1)
        XCTAssertTrue(p.slots.keys.contains("adam.m") && p.slots.keys.contains("adam.v"))
    }

    func testClipGradientNormScalesOnlyAboveTheLimit() {
        let a = Parameter<Float>(name: "a", vector: [0, 0]), b = Parameter<Float>(name: "b", vector: [0])
        a.gradient.data = [3, 0]
        b.gradient.data = [4]
        let params = [a, b]
        XCTAssertEqual(params.clipGradientNorm(maxNorm: 10), 5, accuracy: 1e-6)
        XCTAssertEqual(a.gradient.data, [3, 0])
        XCTAssertEqual(params.clipGradientNorm(maxNorm: 1), 5, accuracy: 1e-6)
        assertClose(a.gradient.data + b.gradient.data, [0.6, 0, 0.8], absolute: 1e-6)
        XCTAssertEqual(params.gradientNorm(), 1, accuracy: 1e-6)
        params.zeroGradients()
        XCTAssertEqual(params.gradientNorm(), 0)
    }

    /// The global norm over tensors of lengths around the eight running sums' stride (and a long
    /// one) equals the norm summed in Double.
    func testGradientNormMatchesDoubleOverOddLengths() {
        var rng = SeededGenerator(seed: 23)
        let params = [1, 7, 8, 9, 16, 1003, 40_000].enumerated().map { i, n in
            let p = Parameter<Float>(name: "p\(i)", vector: [Float](repeating: 0, count: n))
            p.gradient.data = (0..<n).map { _ in Float(rng.normal()) * (i == 3 ? 100 : 1) }
            return p
        }
        var exact = 0.0
        for p in params { for v in p.gradient.data { exact += Double(v) * Double(v) } }
        XCTAssertEqual(params.gradientNorm(), exact.squareRoot(), accuracy: exact.squareRoot() * 1e-6)
    }
}
