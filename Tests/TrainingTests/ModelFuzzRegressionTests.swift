// Model files the libFuzzer model target (scripts/fuzz model) crashed on: each now loads to a one-line InputError.
import XCTest
import Features
import Formats
import Labelling
import Networks
import Tensors
import TestSupport

final class ModelFuzzRegressionTests: XCTestCase {
    /// A small valid seqlab model with an audio front end of `frontEndText`, written to `dir`.
    func writeModel(frontEndText: String, to dir: URL) throws -> String {
        var config = FrontendConfig(featureType: .fbank)
        config.numMelBins = 3
        let frontEnd = FrontEnd.audio(config)
        var rng = SeededGenerator(seed: 3)
        let network = LSTMNetwork<Float>(LSTMNetworkConfiguration(inputSize: frontEnd.dimension, hiddenSizes: [4], classes: 3), rng: &rng)
        let model = LabellingModel(network: network, alphabet: try Alphabet(tokens: ["a", "b"]), tokenUnit: .characters, frontEnd: frontEnd)
        var file = model.safeTensors()
        XCTAssertNotNil(file.metadata["seqlab.frontend"])
        file.metadata["seqlab.frontend"] = frontEndText
        let path = dir.appendingPathComponent("fuzz.safetensors").path
        try file.sealed().write(to: path)   // sealed again, so that the front end's own checks answer
        return path
    }

    /// The input fuzz-model crashed on: the front-end metadata of a sound model with
    /// `--frame-shift=1e300` (an Int conversion trap inside `FrontendConfig.validate`).
    func testFrameShiftOf1e300InTheFrontEndMetadataIsAnInputError() throws {
        let dir = temporaryDirectory()
        var config = FrontendConfig(featureType: .fbank)
        config.numMelBins = 3
        let good = try writeModel(frontEndText: config.configText, to: dir)
        XCTAssertEqual(try LabellingModel(contentsOf: good).inputDimension, 3, "the unmodified model must load")

        for bad in ["--frame-shift=1e300", "--frame-length=1e300"] {
            let text = config.configText.split(separator: "\n").map { line in
                line.hasPrefix(bad.prefix(while: { $0 != "=" })) ? Substring(bad) : line
            }.joined(separator: "\n")
            XCTAssertTrue(text.contains(bad))
            let path = try writeModel(frontEndText: text, to: dir)
            XCTAssertThrowsError(try LabellingModel(contentsOf: path), bad) { error in
                guard let error = error as? InputError else { return XCTFail("\(bad): \(error) is not an InputError") }
                XCTAssertEqual(error.file, path)
                XCTAssertTrue(error.description.contains(String(bad.dropFirst(2).prefix(while: { $0 != "=" }))), error.description)
            }
        }
    }
}
