// Saving and loading an LSTMNetwork as tensors + metadata: round trip, and clear errors for damaged models.
import XCTest
import Networks
import Tensors
import TestSupport

final class ModelTensorsTests: XCTestCase {
    func makeNetwork(peepholes: Bool = true) -> LSTMNetwork<Float> {
        var rng = SeededGenerator(seed: 31)
        return LSTMNetwork(LSTMNetworkConfiguration(inputSize: 4, hiddenSizes: [3, 2], bidirectional: true,
                                                    peepholes: peepholes, classes: 5), rng: &rng)
    }

    func testRoundTripRestoresEveryTensorAndOutput() throws {
        let net = makeNetwork()
        let saved = net.savedTensors(metadata: ["seqlab.alphabet": "a b c", "seqlab.format_version": "ignored"])
        XCTAssertEqual(saved.metadata["seqlab.format_version"], "1")
        XCTAssertEqual(saved.metadata["seqlab.alphabet"], "a b c")
        XCTAssertEqual(Set(saved.tensors.keys), Set(net.parameters.map(\.name)))
        XCTAssertTrue(saved.tensors.keys.contains("lstm.peephole_l1_reverse"))
        let loaded = try LSTMNetwork<Float>(loading: saved, file: "m.safetensors")
        XCTAssertEqual(loaded.configuration, net.configuration)
        for (a, b) in zip(loaded.parameters, net.parameters) { XCTAssertEqual(a.value, b.value, a.name) }
        var rng = SeededGenerator(seed: 2)
        let x = [Matrix(rows: 3, cols: 4, data: (0..<12).map { _ in Float(rng.normal()) })]
        XCTAssertEqual(loaded.logProbabilities(x), net.logProbabilities(x))
    }

    func testChecksumChangesWithAnyValueAndNameAndIsVerified() throws {
        let saved = makeNetwork().savedTensors()
        var damaged = saved
        damaged.tensors["output.bias"]!.values[2] += 1e-3
        XCTAssertNotEqual(damaged.checksum(), saved.checksum())
        XCTAssertThrowsError(try LSTMNetwork<Float>(loading: damaged, file: "m.safetensors")) { error in
            XCTAssertTrue("\(error)".hasPrefix("m.safetensors: seqlab.checksum: tensor checksum fnv1a64:"), "\(error)")
        }
        var renamed = saved
        renamed.tensors["output.biaz"] = renamed.tensors.removeValue(forKey: "output.bias")
        XCTAssertNotEqual(renamed.checksum(), saved.checksum())
        XCTAssertEqual(ModelTensors(tensors: [:], metadata: [:]).checksum(), "fnv1a64:cbf29ce484222325")  // FNV offset basis
    }

    func testWrongArchitectureOrShapeOrVersionIsAClearError() {
        let saved = makeNetwork().savedTensors()
        func message(_ m: ModelTensors) -> String {
            do { _ = try LSTMNetwork<Float>(loading: m, file: "f"); return "no error" } catch { return "\(error)" }
        }
        var v = saved
        v.metadata["seqlab.format_version"] = "7"
        XCTAssertEqual(message(v), "f: seqlab.format_version: model format version 7, this seqlab reads version 1")
        var a = saved
        a.metadata["seqlab.architecture"] = "{\"inputSize\": 4}"
        XCTAssertTrue(message(a).hasPrefix("f: seqlab.architecture: expected JSON"), message(a))
        var n = saved
        n.metadata["seqlab.architecture"] = n.metadata["seqlab.architecture"]!.replacingOccurrences(of: "\"classes\":5", with: "\"classes\":-5")
        XCTAssertTrue(message(n).hasPrefix("f: seqlab.architecture: sizes must be"), message(n))
        var s = saved
        s.tensors["output.bias"] = .init(shape: [6], values: [Float](repeating: 0, count: 6))
        s.metadata["seqlab.checksum"] = s.checksum()
        XCTAssertEqual(message(s), "f: output.bias: shape [6], expected [5]")
        var m = saved
        m.tensors["output.bias"] = nil
        m.metadata["seqlab.checksum"] = m.checksum()
        XCTAssertTrue(message(m).hasPrefix("f: output.bias: missing tensor"), message(m))
        var x = saved
        x.tensors["lstm.extra"] = .init(shape: [1], values: [0])
        x.metadata["seqlab.checksum"] = x.checksum()
        XCTAssertTrue(message(x).hasPrefix("f: lstm.extra: unexpected tensor"), message(x))
        XCTAssertTrue(message(ModelTensors(tensors: [:], metadata: [:])).contains("not a seqlab model"))
    }
}
