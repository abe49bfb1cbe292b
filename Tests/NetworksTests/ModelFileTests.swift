// Networks saved as safetensors files: round trip, damaged files, and the file checked by PyTorch.
import XCTest
import Networks
import Tensors
import Formats
import TestSupport

final class ModelFileTests: XCTestCase {
    func testRoundTripThroughAFileKeepsTensorsOutputsAndMetadata() throws {
        var rng = SeededGenerator(seed: 40)
        let net = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4, 2], bidirectional: true,
                                                              peepholes: true, classes: 5), rng: &rng)
        let path = temporaryDirectory().appendingPathComponent("model.safetensors").path
        try net.save(to: path, metadata: ["seqlab.alphabet": "[\"<blank>\",\"a\"]"])
        let (loaded, metadata) = try LSTMNetwork<Float>.load(contentsOf: path)
        XCTAssertEqual(metadata["seqlab.alphabet"], "[\"<blank>\",\"a\"]")
        XCTAssertEqual(metadata["seqlab.format_version"], "1")
        XCTAssertEqual(loaded.configuration, net.configuration)
        for (a, b) in zip(loaded.parameters, net.parameters) { XCTAssertEqual(a.value, b.value, a.name) }
        let x = [Matrix(rows: 4, cols: 3, data: (0..<12).map { _ in Float(rng.normal()) })]
        XCTAssertEqual(loaded.logProbabilities(x), net.logProbabilities(x))
    }

    func testDamagedFileIsAOneLineErrorNamingIt() throws {
        var rng = SeededGenerator(seed: 41)
        let net = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: [2], classes: 3), rng: &rng)
        let path = temporaryDirectory().appendingPathComponent("m.safetensors").path
        try net.save(to: path)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 3] ^= 0x40                      // a bit of the last tensor value
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try LSTMNetwork<Float>.load(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): seqlab.checksum: tensor checksum"), "\(error)")
        }
        // A safetensors file that is not a seqlab model.
        try SafeTensorsFile(tensors: ["w": SafeTensor(floats: [1], shape: [1])]).write(to: path)
        XCTAssertThrowsError(try LSTMNetwork<Float>.load(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".contains("not a seqlab model"), "\(error)")
        }
    }

    /// The torch-check file: a seeded network without peepholes (2 bidirectional layers of 4,
    /// D 3, K 5) saved with `check.input` (T×B×D), `check.lengths` and `check.log_probs`
    /// (T×B×K, our output) added. `scripts/reference/make-lstm-fixture.py --check FILE` loads
    /// its model tensors into nn.LSTM + nn.Linear (strict) and compares the log-probabilities.
    static func torchCheckFile() -> SafeTensorsFile {
        var rng = SeededGenerator(seed: 42)
        let net = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4, 4], bidirectional: true,
                                                              peepholes: false, classes: 5), rng: &rng)
        let lengths = [5, 2, 4]
        let batch = SequenceBatch(matrices: lengths.map { t in Matrix(rows: t, cols: 3, data: (0..<(3 * t)).map { _ in Float(rng.normal()) }) })
        var file = net.savedTensors(metadata: ["seqlab.note": "torch check file, ModelFileTests.torchCheckFile"]).safeTensorsFile
        file.tensors["check.input"] = SafeTensor(floats: batch.frames.data, shape: [batch.maxLength, 3, 3])
        file.tensors["check.lengths"] = SafeTensor(floats: lengths.map(Float.init), shape: [3])
        file.tensors["check.log_probs"] = SafeTensor(floats: net.forward(batch).logProbabilities.data, shape: [batch.maxLength, 3, 5])
        return file
    }

    /// The committed check file (verified by torch, see the script) still loads and our forward
    /// still reproduces the log-probabilities in it; and this code writes the same file again.
    /// With SEQLAB_WRITE_TORCH_CHECK set, (re)writes the fixture first, for when the forward pass's
    /// rounding changes (then run the torch check of scripts/reference/make-lstm-fixture.py on it).
    func testTorchCheckedFileStillLoadsAndReproduces() throws {
        let path = packageRoot.appendingPathComponent("Tests/NetworksTests/Fixtures/lstm-seqlab-model.safetensors").path
        if ProcessInfo.processInfo.environment["SEQLAB_WRITE_TORCH_CHECK"] != nil {
            try Data(Self.torchCheckFile().serialized()).write(to: URL(fileURLWithPath: path))
        }
        var file = try SafeTensorsFile(contentsOf: path)
        let input = try file.tensor("check.input"), lengths = try file.tensor("check.lengths").floats().map { Int($0) }
        let expected = try file.tensor("check.log_probs").floats()
        for key in ["check.input", "check.lengths", "check.log_probs"] { file.tensors[key] = nil }
        let net = try LSTMNetwork<Float>(loading: ModelTensors(file, file: path), file: path)
        let batch = SequenceBatch(frames: Array2D(rows: input.shape[0] * input.shape[1], cols: input.shape[2], data: try input.floats()),
                                  lengths: lengths)
        assertClose(net.forward(batch).logProbabilities.data, expected, absolute: 1e-6)
        // Byte for byte apart from the log-probabilities, whose last bits depend on OpenBLAS's kernels
        // (OPENBLAS_CORETYPE) and the CPU's vector unit; they are compared within 1e-6 above.
        var written = Self.torchCheckFile(), committed = try SafeTensorsFile(contentsOf: path)
        written.tensors["check.log_probs"] = nil
        committed.tensors["check.log_probs"] = nil
        XCTAssertEqual(written.serialized(), committed.serialized(),
                       "regenerate Tests/NetworksTests/Fixtures/lstm-seqlab-model.safetensors from ModelFileTests.torchCheckFile() and re-run the torch check")
    }

    /// `make-lstm-fixture.py --check` on a model as `save` writes it (no check.* tensors, as a model
    /// from `train`), and on one without `seqlab.metadata_checksum` (a file written before it existed,
    /// which `load` reads): docs/MODEL.md says the script checks any peephole-free model. It checks
    /// the checksums and the strict loading and exits 0; a damaged metadata value still fails it.
    func testTorchCheckScriptTakesAModelWithoutCheckTensors() throws {
        guard (try? runPython3(["-c", "import torch, safetensors"]).status) == 0 else {
            throw XCTSkip("python3 with torch and safetensors not found: the torch check script cannot run")
        }
        let script = packageRoot.appendingPathComponent("scripts/reference/make-lstm-fixture.py").path
        var rng = SeededGenerator(seed: 45)
        let net = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: 3, hiddenSizes: [4, 4], bidirectional: true,
                                                              peepholes: false, classes: 5), rng: &rng)
        let folder = temporaryDirectory()
        let path = folder.appendingPathComponent("model.safetensors").path
        try net.save(to: path, metadata: ["seqlab.alphabet": "[\"a\",\"b\",\"c\",\"d\"]"])
        let check = try runPython3([script, "--check", path])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.output.contains("18 tensors loaded into nn.LSTM + nn.Linear (strict)"), check.output)
        XCTAssertTrue(check.output.contains("metadata checksum fnv1a64:"), check.output)

        var file = try SafeTensorsFile(contentsOf: path)
        file.metadata["seqlab.metadata_checksum"] = nil
        let older = folder.appendingPathComponent("older.safetensors").path
        try file.write(to: older)
        XCTAssertNoThrow(try LSTMNetwork<Float>.load(contentsOf: older))
        let olderCheck = try runPython3([script, "--check", older])
        XCTAssertEqual(olderCheck.status, 0, olderCheck.output)
        XCTAssertTrue(olderCheck.output.contains("metadata checksum: none stored"), olderCheck.output)

        file = try SafeTensorsFile(contentsOf: path)
        file.metadata["seqlab.alphabet"] = "[\"a\",\"b\",\"c\",\"e\"]"
        let damaged = folder.appendingPathComponent("damaged.safetensors").path
        try file.write(to: damaged)
        let damagedCheck = try runPython3([script, "--check", damaged])
        XCTAssertEqual(damagedCheck.status, 1, damagedCheck.output)
        XCTAssertTrue(damagedCheck.output.contains("MISMATCH: metadata checksum"), damagedCheck.output)
    }
}

final class CheckpointTests: XCTestCase {
    /// Training resumed from a checkpoint continues exactly as uninterrupted training does.
    func testResumedTrainingMatchesUninterruptedTraining() throws {
        var rng = SeededGenerator(seed: 44)
        let configuration = LSTMNetworkConfiguration(inputSize: 2, hiddenSizes: [3], bidirectional: true, peepholes: true, classes: 3)
        let net = LSTMNetwork<Float>(configuration, rng: &rng)
        let batch = SequenceBatch(matrices: [Matrix(rows: 4, cols: 2, data: (0..<8).map { _ in Float(rng.normal()) })])
        let w = Array2D<Float>(rows: 4, cols: 3, data: (0..<12).map { _ in Float(rng.normal()) })
        func train(_ net: LSTMNetwork<Float>, _ adam: inout Adam, steps: Int) {
            for _ in 0..<steps {
                net.parameters.zeroGradients()
                net.backward(net.forward(batch), dLogProbabilities: w)
                adam.step(net.parameters)
            }
        }
        var adam = Adam(learningRate: 0.01)
        train(net, &adam, steps: 3)
        let path = temporaryDirectory().appendingPathComponent("checkpoint.safetensors").path
        try net.save(to: path, metadata: ["train.adam_step": "\(adam.stepCount)"], optimizerState: true)
        train(net, &adam, steps: 2)

        let (resumed, metadata) = try LSTMNetwork<Float>.load(contentsOf: path)
        XCTAssertFalse(resumed.parameters[0].slots.isEmpty)
        var resumedAdam = Adam(learningRate: 0.01)
        resumedAdam.stepCount = Int(metadata["train.adam_step"]!)!
        train(resumed, &resumedAdam, steps: 2)
        for (a, b) in zip(resumed.parameters, net.parameters) { XCTAssertEqual(a.value, b.value, a.name) }

        // The model part alone (no optimizer tensors) still loads, and has the same checksum.
        let file = try SafeTensorsFile(contentsOf: path)
        XCTAssertTrue(file.tensors.keys.contains("optimizer/adam.m/output.bias"))
        let modelOnly = try ModelTensors(SafeTensorsFile(tensors: file.tensors.filter { !$0.key.hasPrefix("optimizer/") }, metadata: file.metadata), file: "m")
        XCTAssertNoThrow(try LSTMNetwork<Float>(loading: modelOnly, file: "m"))
        var bad = file
        bad.tensors["optimizer/adam.m/lstm.nothing"] = SafeTensor(floats: [0], shape: [1])
        XCTAssertThrowsError(try LSTMNetwork<Float>(loading: ModelTensors(bad, file: "c"), file: "c")) {
            XCTAssertEqual("\($0)", "c: tensor \"optimizer/adam.m/lstm.nothing\": optimizer state for unknown parameter \"lstm.nothing\"")
        }
    }
}
