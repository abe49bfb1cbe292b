// `seqlab influence` through the built binary on a tiny trained model: table, JSON, SVG, errors.
import Formats
import Foundation
import Tensors
import TestSupport
import XCTest

final class InfluenceCommandTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A one-epoch unidirectional model with 4 hidden units over a seeded synthetic archive.
    func trainTinyModel() throws -> String {
        var g = SeededGenerator(seed: 4)
        let writer = try KaldiArchiveWriter(path: path("feats.ark"))
        var text = ""
        for u in 0..<6 {
            try writer.write(key: "u\(u)", matrix: Matrix(rows: 8, cols: 3, data: (0..<24).map { _ in Float(g.normal()) }))
            text += "u\(u) \(u % 2 == 0 ? "ab" : "ba")\n"
        }
        try writer.close()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path("text")))
        let train = try runSeqlab(["train", "--feats", path("feats.ark"), "--text", path("text"), "--unidirectional", "--hidden", "4",
                                   "--epochs", "1", "--batch-size", "3", "--quiet", "-o", path("model.safetensors")])
        XCTAssertEqual(train.status, 0, train.stderr)
        return path("model.safetensors")
    }

    func rows(_ table: String) -> [[Double]] {
        table.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t").map { Double($0)! } }
    }

    func testTableJSONAndSVGOfATinyModel() throws {
        let model = try trainTinyModel()
        let r = try runSeqlab(["influence", "-m", model, "--length", "6", "--max-lag", "8", "--samples", "3", "--seed", "2",
                               "--svg", path("influence.svg")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let table = rows(r.stdoutText)
        XCTAssertEqual(table.map { Int($0[0]) }, Array(0...8))
        XCTAssertEqual(table[0][2], 1)
        XCTAssertTrue(table[0...5].allSatisfy { $0[1] > 0 }, r.stdoutText)
        XCTAssertEqual(table[6...].map { $0[1] }, [0, 0, 0], "lags beyond the first frame have no input")
        let svg = try String(contentsOfFile: path("influence.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), String(svg.prefix(80)))
        XCTAssertTrue(svg.contains("lag k"))

        // JSON carries the same figures; the same seed gives the same numbers, another seed others.
        let j = try runSeqlab(["influence", "-m", model, "--length", "6", "--max-lag", "8", "--samples", "3", "--seed", "2", "--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(j.stdoutText.utf8)) as? [String: Any])
        XCTAssertEqual(object["frame"] as? Int, 5)
        let lags = try XCTUnwrap(object["lags"] as? [[String: Any]])
        assertClose(lags.map { $0["mean_norm"] as! Double }, table.map { $0[1] }, absolute: 0, relative: 1e-5)
        let other = try runSeqlab(["influence", "-m", model, "--length", "6", "--max-lag", "8", "--samples", "3", "--seed", "3"])
        XCTAssertNotEqual(rows(other.stdoutText)[1][1], table[1][1])

        // One class's log-probability is one row of the Jacobian: never a larger norm than the whole vector.
        let one = try runSeqlab(["influence", "-m", model, "--length", "6", "--max-lag", "8", "--samples", "3", "--seed", "2", "--class", "1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        for (a, b) in zip(rows(one.stdoutText), table) { XCTAssertLessThanOrEqual(a[1], b[1] * (1 + 1e-5)) }
    }

    /// A predict model's outputs are a predicted frame, not class scores: the Jacobian is of the
    /// outputs themselves (checked against central differences in InfluenceTests), and says so.
    func testPredictModelIsMeasuredOnItsOutputs() throws {
        _ = try trainTinyModel()
        let train = try runSeqlab(["train", "--task", "predict", "--feats", path("feats.ark"), "--unidirectional", "--hidden", "4",
                                   "--epochs", "1", "--batch-size", "3", "--quiet", "-o", path("predict.safetensors")])
        XCTAssertEqual(train.status, 0, train.stderr)
        let flags = ["influence", "-m", path("predict.safetensors"), "--length", "6", "--samples", "2"]
        let j = try runSeqlab(flags + ["--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(j.stdoutText.utf8)) as? [String: Any])
        XCTAssertEqual(object["of"] as? String, "outputs")
        let r = try runSeqlab(flags + ["--svg", path("p.svg")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdoutText.hasPrefix("# of the outputs y(t), not log-probabilities\n# lag\t"), r.stdoutText)
        let lags = try XCTUnwrap(object["lags"] as? [[String: Any]])
        assertClose(lags.map { $0["mean_norm"] as! Double }, rows(r.stdoutText).map { $0[1] }, absolute: 0, relative: 1e-5)
        XCTAssertTrue(try String(contentsOfFile: path("p.svg"), encoding: .utf8).contains("‖∂ y(t)/∂ x(t−k)‖"))
        let badClass = try runSeqlab(flags + ["--class", "3"])
        XCTAssertEqual(badClass.stderr, "seqlab influence: --class 3: the model has outputs 0…2\n")
        // A classifier's are its log-probabilities.
        let ctc = try runSeqlab(["influence", "-m", path("model.safetensors"), "--length", "6", "--samples", "2", "--json"])
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(ctc.stdoutText.utf8)) as? [String: Any])?["of"] as? String, "log_probabilities")
    }

    func testErrors() throws {
        let missing = try runSeqlab(["influence", "-m", path("none.safetensors")])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.hasPrefix("seqlab influence: "), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("none.safetensors"), missing.stderr)
        let model = try trainTinyModel()
        let badClass = try runSeqlab(["influence", "-m", model, "--class", "9"])
        XCTAssertEqual(badClass.status, 64)   // a validation failure, found once the model is read
        XCTAssertEqual(badClass.stderr, "seqlab influence: --class 9: the model has classes 0…2\n")
        XCTAssertEqual(badClass.stdoutText, "")
        XCTAssertNotEqual(try runSeqlab(["influence", "-m", model, "--length", "0"]).status, 0)
        // A length no memory holds is refused from the model's size, before the pass is allocated (it died of SIGABRT).
        let long = try runSeqlab(["influence", "-m", model, "--length", "100000000000", "--max-lag", "1", "--samples", "1"])
        XCTAssertFalse(long.killedBySignal, long.stderr)
        XCTAssertEqual(long.status, 64, long.stderr)
        XCTAssertTrue(long.stderr.hasPrefix("seqlab influence: --length 100000000000: a forward and backward pass over 100000000000 frames needs about "), long.stderr)
        XCTAssertTrue(long.stderr.hasSuffix(" available; give a shorter --length\n"), long.stderr)
    }
}
