// Echo state network: eigenvalues and ridge readout against numpy, the echo state property, learning, save/load.
import XCTest
import Formats
import Networks
import Tensors
import TestSupport

final class EchoStateTests: XCTestCase {
    func fixture() throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: packageRoot.appendingPathComponent("Tests/NetworksTests/Fixtures/esn-numpy.safetensors").path)
    }

    func square(_ f: SafeTensorsFile, _ name: String) throws -> Array2D<Double> {
        let t = try f.tensor(name)
        return Array2D(rows: t.shape[0], cols: t.shape[1], data: try t.doubles())
    }

    /// Normalised root mean square error sqrt(mean (ŷ − y)² / var y).
    func nrmse(_ predicted: [Float], _ target: [Float]) -> Double {
        let mean = target.reduce(0.0) { $0 + Double($1) } / Double(target.count)
        let variance = target.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(target.count)
        let mse = zip(predicted, target).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) } / Double(target.count)
        return (mse / variance).squareRoot()
    }

    func one(_ values: [Float]) -> SequenceBatch<Float> { SequenceBatch(sequences: [Array2D(rows: values.count, cols: 1, data: values)]) }

    // MARK: eigenvalues and scaling (numpy fixture)

    /// dgeev's eigenvalue moduli equal numpy.linalg.eigvals' (dense, sparse, complex-only spectra);
    /// 1e-9 relative: both are backward stable on these well-conditioned matrices.
    func testEigenvalueModuliMatchNumpy() throws {
        let f = try fixture()
        for name in ["dense5", "sparse40", "rotation"] {
            let moduli = try Eigenvalues.of(try square(f, "eig." + name)).map { hypot($0.re, $0.im) }.sorted(by: >)
            assertClose(moduli, try f.tensor("eig.\(name).moduli").doubles(), absolute: 1e-12, relative: 1e-9, name)
        }
        XCTAssertThrowsError(try Eigenvalues.of(Array2D<Double>(rows: 2, cols: 3)))
        XCTAssertThrowsError(try Eigenvalues.of(Array2D<Double>(rows: 1, cols: 1, data: [.nan])))
    }

    /// Our scaling of a raw sparse reservoir is numpy's (float32 rounding: 1e-6), and numpy
    /// measures the scaled matrix's spectral radius at ρ = 0.95 to 1e-3 (as do we).
    func testScaledReservoirHasTheChosenSpectralRadiusByNumpy() throws {
        let f = try fixture()
        let raw = Array2D<Float>(try f.tensor("reservoir.raw").matrix())
        let ours = try EchoStateNetwork.scaled(raw, toSpectralRadius: 0.95)
        assertClose(ours.data, try f.tensor("reservoir.scaled").floats(), absolute: 1e-6)
        XCTAssertEqual(try f.tensor("reservoir.scaled.radius").doubles()[0], 0.95, accuracy: 1e-3)
        XCTAssertEqual(try Eigenvalues.spectralRadius(ours), 0.95, accuracy: 1e-3)
        XCTAssertThrowsError(try EchoStateNetwork.scaled(Array2D<Float>([[0, 1], [0, 0]]), toSpectralRadius: 0.9),
                             "a nilpotent matrix cannot be scaled")
    }

    /// Generated reservoirs, dense and sparse, below and above 1, have ρ(W) = ρ to 1e-3.
    func testGeneratedReservoirHasTheChosenSpectralRadius() throws {
        for (rho, connectivity) in [(0.5, 1.0), (0.9, 0.1), (1.25, 0.3)] {
            let esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 2, reservoirSize: 50, outputSize: 1,
                                                                  spectralRadius: rho, connectivity: connectivity, seed: 3))
            XCTAssertEqual(try Eigenvalues.spectralRadius(esn.reservoirWeights), rho, accuracy: 1e-3)
            let nonZero = Double(esn.reservoirWeights.data.filter { $0 != 0 }.count) / 2500
            XCTAssertEqual(nonZero, connectivity, accuracy: 0.05, "connectivity")
        }
    }

    // MARK: ridge readout (numpy fixture)

    /// The Cholesky solve of (XᵀX + λI)W = XᵀY equals numpy.linalg.solve (λ = 0.5) and lstsq (λ = 0),
    /// both in Double (1e-9 relative); the plain Cholesky oracle agrees, and the normal-equations
    /// residual — the readout's stand-in for a gradient check — is at rounding level.
    func testRidgeSolutionMatchesNumpy() throws {
        let f = try fixture()
        let x = try square(f, "ridge.x"), y = try square(f, "ridge.y"), lambda = try f.tensor("ridge.lambda").doubles()[0]
        var regression = RidgeRegression(features: 7, outputs: 3)
        regression.add(x, y, rows: Array(0..<25))   // in two chunks: the accumulation is a sum over rows
        regression.add(x, y, rows: Array(25..<40))
        XCTAssertEqual(regression.rowCount, 40)
        let w = try regression.solve(ridge: lambda)
        assertClose(w.data, try f.tensor("ridge.w").doubles(), absolute: 1e-12, relative: 1e-9, "λ = \(lambda)")
        assertClose(try regression.solvePlainly(ridge: lambda).data, w.data, absolute: 1e-12, relative: 1e-9, "plain Cholesky")
        XCTAssertLessThan(regression.residual(w, ridge: lambda), 1e-12)
        assertClose(try regression.solve(ridge: 0).data, try f.tensor("ridge.w0").doubles(), absolute: 1e-12, relative: 1e-9, "λ = 0")
        // A perturbed solution has a visible residual (the check can fail).
        var off = w
        off[2, 1] += 1e-3
        XCTAssertGreaterThan(regression.residual(off, ridge: lambda), 1e-6)
    }

    func testRidgeWithoutPenaltyOnTooFewRowsThrows() {
        var regression = RidgeRegression(features: 4, outputs: 1)
        regression.add(Array2D<Double>([[1, 2, 3, 4], [1, 0, 1, 0]]), Array2D<Double>([[1], [2]]))
        XCTAssertThrowsError(try regression.solve(ridge: 0))
        XCTAssertThrowsError(try regression.solvePlainly(ridge: 0))
        XCTAssertNoThrow(try regression.solve(ridge: 1e-3))
    }

    // MARK: the reservoir

    /// One leaky step by hand in Double, x(t) = (1 − a)x(t−1) + a·tanh(W_in u + W x(t−1) + b),
    /// against `run` on a padded batch (Float rounding: 1e-5); padding holds the final state.
    func testLeakyUpdateMatchesTheEquation() throws {
        let config = EchoStateConfiguration(inputSize: 2, reservoirSize: 3, outputSize: 1, spectralRadius: 0.8,
                                            inputScale: 0.7, biasScale: 0.3, leakRate: 0.3, seed: 9)
        let esn = try EchoStateNetwork(config)
        var rng = SeededGenerator(seed: 10)
        let sequences = [4, 2, 3].map { Array2D<Float>(rows: $0, cols: 2, uniformScale: 1, rng: &rng) }
        let batch = SequenceBatch(sequences: sequences)
        let (states, final) = esn.run(batch)
        let wIn = esn.inputWeights.converted(to: Double.self), w = esn.reservoirWeights.converted(to: Double.self)
        for (b, u) in sequences.enumerated() {
            var x = [Double](repeating: 0, count: 3)
            for t in 0..<u.rows {
                x = (0..<3).map { i in
                    var s = Double(esn.bias[i])
                    for j in 0..<2 { s += wIn[i, j] * Double(u[t, j]) }
                    for j in 0..<3 { s += w[i, j] * x[j] }
                    return 0.7 * x[i] + 0.3 * tanh(s)
                }
                assertClose((0..<3).map { states[t * 3 + b, $0] }, x, absolute: 1e-5, "sequence \(b) frame \(t)")
            }
            assertClose((0..<3).map { final[b, $0] }, x, absolute: 1e-5, "final state of sequence \(b)")
        }
    }

    /// The echo state property (Jaeger 2001, def. 1): with ρ < 1, two different initial states
    /// driven by the same input converge; the distance starts large and ends below 1e-5.
    func testTwoInitialStatesConvergeUnderTheSameInput() throws {
        let esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 1, reservoirSize: 60, outputSize: 1,
                                                              spectralRadius: 0.8, connectivity: 0.2, seed: 4))
        var rng = SeededGenerator(seed: 5)
        let input = one((0..<300).map { _ in Float(rng.uniform() - 0.5) })
        let start = Array2D<Float>(rows: 1, cols: 60, uniformScale: 1, rng: &rng)
        let a = esn.run(input).states, b = esn.run(input, initialState: start).states
        func distance(_ t: Int) -> Double {
            (0..<60).reduce(0.0) { $0 + Double((a[t, $1] - b[t, $1]) * (a[t, $1] - b[t, $1])) }.squareRoot()
        }
        XCTAssertGreaterThan(distance(0), 0.5)
        XCTAssertLessThan(distance(299), 1e-5)
        XCTAssertLessThan(distance(150), distance(50))
    }

    // MARK: learning

    /// Delayed recall y(t) = u(t − 5) of i.i.d. uniform input: a 100-unit reservoir recalls it on
    /// fresh input with NRMSE below 0.1 (0.041 when written; an untrained, zero readout has NRMSE ≥ 1).
    func testLearnsDelayedRecall() throws {
        var esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 1, reservoirSize: 100, outputSize: 1, spectralRadius: 0.9,
                                                              inputScale: 0.5, connectivity: 0.1, ridge: 1e-6, washout: 50, seed: 6))
        var rng = SeededGenerator(seed: 7)
        func task(_ length: Int) -> (SequenceBatch<Float>, [Float]) {
            let u = (0..<length).map { _ in Float(rng.uniform() - 0.5) }
            return (one(u), (0..<length).map { $0 >= 5 ? u[$0 - 5] : 0 })
        }
        let (train, trainTargets) = task(2000), (test, testTargets) = task(1000)
        XCTAssertGreaterThanOrEqual(nrmse(Array(esn.outputs(test).data[50...]), Array(testTargets[50...])), 1)
        let residual = try esn.fit(train, targets: Array2D(rows: 2000, cols: 1, data: trainTargets))
        XCTAssertLessThan(residual, 1e-9, "normal equations")
        let error = nrmse(Array(esn.outputs(test).data[50...]), Array(testTargets[50...]))
        XCTAssertLessThan(error, 0.1)
    }

    /// NARMA-10 (Atiya & Parlos 2000; Jaeger 2003): one-step prediction from u(t) with a 200-unit
    /// reservoir, test NRMSE below 0.5 (0.21 when written; the literature reports ≈ 0.2–0.4 at this size; predicting
    /// the mean gives 1).
    func testLearnsNARMA10() throws {
        var esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 1, reservoirSize: 200, outputSize: 1, spectralRadius: 0.95,
                                                              inputScale: 0.5, biasScale: 0.2, connectivity: 0.05, ridge: 1e-7,
                                                              washout: 100, seed: 8))
        var rng = SeededGenerator(seed: 9)
        func narma(_ length: Int) -> (SequenceBatch<Float>, [Float]) {
            let u = (0..<length).map { _ in 0.5 * rng.uniform() }
            var y = [Double](repeating: 0, count: length)
            for t in 9..<(length - 1) {
                let sum = y[(t - 9)...t].reduce(0, +)
                y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * sum + 1.5 * u[t - 9] * u[t] + 0.1
            }
            return (one(u.map { Float($0) }), y.map { Float($0) })
        }
        let (train, trainTargets) = narma(3000), (test, testTargets) = narma(1500)
        try esn.fit(train, targets: Array2D(rows: 3000, cols: 1, data: trainTargets))
        let error = nrmse(Array(esn.outputs(test).data[100...]), Array(testTargets[100...]))
        XCTAssertLessThan(error, 0.5)
    }

    // MARK: configuration and files

    func testConfigurationOutOfRangeIsRefused() {
        for bad in [EchoStateConfiguration(inputSize: 1, reservoirSize: 10, outputSize: 1, leakRate: 0),
                    EchoStateConfiguration(inputSize: 1, reservoirSize: 0, outputSize: 1),
                    EchoStateConfiguration(inputSize: 1, reservoirSize: 10, outputSize: 1, connectivity: 1.5),
                    EchoStateConfiguration(inputSize: 1, reservoirSize: 10, outputSize: 1, ridge: -1)] {
            XCTAssertThrowsError(try EchoStateNetwork(bad)) { XCTAssertTrue($0 is InputError, "\($0)") }
        }
    }

    /// Save, load: the same weights and the same outputs bit for bit; damage and wrong kinds are refused.
    func testSaveAndLoadRoundTrip() throws {
        var esn = try EchoStateNetwork(EchoStateConfiguration(inputSize: 2, reservoirSize: 20, outputSize: 3, leakRate: 0.5,
                                                              connectivity: 0.3, washout: 3, seed: 11))
        var rng = SeededGenerator(seed: 12)
        let batch = SequenceBatch(sequences: [30, 17].map { Array2D<Float>(rows: $0, cols: 2, uniformScale: 1, rng: &rng) })
        try esn.fit(batch, targets: Array2D(rows: batch.frames.rows, cols: 3, uniformScale: 1, rng: &rng))
        let path = temporaryDirectory().appendingPathComponent("esn.safetensors").path
        try esn.save(to: path, metadata: ["note": "test"])
        let (loaded, metadata) = try EchoStateNetwork.load(contentsOf: path)
        XCTAssertEqual(loaded.configuration, esn.configuration)
        XCTAssertEqual(metadata["note"], "test")
        XCTAssertEqual(metadata["seqlab.network"], "echo-state")
        XCTAssertEqual(loaded.outputs(batch).data, esn.outputs(batch).data)

        var damaged = esn.savedTensors()
        damaged.tensors["esn.bias"]!.values[0] += 1
        XCTAssertThrowsError(try EchoStateNetwork(loading: damaged, file: "x.safetensors")) {
            XCTAssertEqual(($0 as? InputError)?.place, "seqlab.checksum")
        }
        XCTAssertThrowsError(try LSTMNetwork<Float>(loading: esn.savedTensors(), file: "esn.safetensors")) {
            XCTAssertEqual(($0 as? InputError)?.place, "seqlab.network", "an LSTM loader names the network kind")
        }
        let lstm = packageRoot.appendingPathComponent("Tests/NetworksTests/Fixtures/lstm-seqlab-model.safetensors").path
        XCTAssertThrowsError(try EchoStateNetwork.load(contentsOf: lstm)) {
            XCTAssertEqual(($0 as? InputError)?.place, "seqlab.network")
        }
    }
}
