// Parameter lists to and from safetensors: a two-layer dense network survives a file round trip.
import XCTest
import Networks
import Tensors
import Formats
import TestSupport

final class ParameterFileTests: XCTestCase {
    func testDenseStackRoundTripAndShapeChecks() throws {
        var rng = SeededGenerator(seed: 50)
        let l1 = Dense(inputs: 3, outputs: 5, name: "q.l1", rng: &rng), l2 = Dense(inputs: 5, outputs: 2, name: "q.l2", rng: &rng)
        let params = l1.parameters + l2.parameters
        let path = temporaryDirectory().appendingPathComponent("q.safetensors").path
        try params.safeTensorsFile(metadata: ["layers": "3-5-2"]).write(to: path)

        var other = SeededGenerator(seed: 51)
        let m1 = Dense(inputs: 3, outputs: 5, name: "q.l1", rng: &other), m2 = Dense(inputs: 5, outputs: 2, name: "q.l2", rng: &other)
        let file = try SafeTensorsFile(contentsOf: path)
        XCTAssertEqual(file.metadata["layers"], "3-5-2")
        try (m1.parameters + m2.parameters).loadValues(from: file, name: path)
        let x = Matrix(rows: 2, cols: 3, data: [1, -2, 0.5, 0, 3, -1])
        XCTAssertEqual(m2.forward(m1.forward(x)), l2.forward(l1.forward(x)))

        let wrong = Dense(inputs: 4, outputs: 5, name: "q.l1", rng: &other)
        XCTAssertThrowsError(try (wrong.parameters + m2.parameters).loadValues(from: file, name: "q")) {
            XCTAssertEqual("\($0)", "q: tensor \"q.l1.weight\": shape [5, 3], expected [5, 4]")
        }
        XCTAssertThrowsError(try m1.parameters.loadValues(from: file, name: "q")) {
            XCTAssertTrue("\($0)".hasPrefix("q: tensor \"q.l2.bias\": unexpected tensor"), "\($0)")
        }
    }
}
