// UtteranceStream: chunked network outputs equal the whole-utterance pass; partials equal decoding the frames so far.
import XCTest
import Decoding
import Formats
import Labelling
import Networks
import Tensors
import TestSupport

final class UtteranceStreamTests: XCTestCase {
    func model(bidirectional: Bool = false, peepholes: Bool = true, seed: UInt64 = 21) throws -> LabellingModel {
        var rng = SeededGenerator(seed: seed)
        let configuration = LSTMNetworkConfiguration(inputSize: 5, hiddenSizes: [7, 6], bidirectional: bidirectional,
                                                     peepholes: peepholes, classes: 4)
        return LabellingModel(network: LSTMNetwork<Float>(configuration, rng: &rng), alphabet: try Alphabet(tokens: ["a", "b", "c"]),
                              tokenUnit: .words, frontEnd: nil)
    }

    func features(frames: Int, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        return Matrix(rows: frames, cols: 5, data: (0..<(frames * 5)).map { _ in Float(2 * g.normal()) })
    }

    /// Chunks of 1, 3, 7 and all frames: the log-probabilities joined equal one pass over the whole
    /// utterance (to 1e-6: the chunks' input projections are separate matrix products).
    func testChunkedLogProbabilitiesEqualTheWholePass() throws {
        for peepholes in [true, false] {
            let labeller = Labeller(model: try model(peepholes: peepholes), bestPath: true)
            let x = features(frames: 41, seed: 5)
            let whole = labeller.logProbabilities(x)
            for chunk in [1, 3, 7, 41] {
                var stream = try UtteranceStream(labeller: labeller, key: "u", file: "test")
                var joined: [Float] = []
                for start in stride(from: 0, to: x.rows, by: chunk) {
                    joined += try stream.append(x.rows(start..<min(start + chunk, x.rows))).data
                }
                XCTAssertEqual(stream.frameCount, 41)
                assertClose(joined, whole.data, absolute: 1e-6, "chunk \(chunk), peepholes \(peepholes)")
                // The same hypotheses: labels and frames exactly, scores to the rounding of the joined
                // log-probabilities (BLAS may sum a chunk's products in another order).
                let final = try stream.finish(), whole = try labeller.decode(x, key: "u", file: "test")
                XCTAssertEqual(final.count, whole.count, "chunk \(chunk)")
                for (f, w) in zip(final, whole) {
                    XCTAssertEqual(f.tokens, w.tokens, "chunk \(chunk)")
                    XCTAssertEqual(f.text, w.text)
                    XCTAssertEqual(f.tokenStartFrames, w.tokenStartFrames)
                    XCTAssertEqual(f.tokenEndFrames, w.tokenEndFrames)
                    XCTAssertEqual(f.score, w.score, accuracy: 1e-4, "chunk \(chunk)")
                    XCTAssertEqual(f.acousticScore, w.acousticScore, accuracy: 1e-4)
                    assertClose(f.confidences, w.confidences, absolute: 1e-5, "chunk \(chunk)")
                }
            }
        }
    }

    /// The partial after N frames is the decoding of the first N frames (best path and beam search).
    func testPartialsArePrefixesInTime() throws {
        for bestPath in [true, false] {
            let labeller = Labeller(model: try model(), bestPath: bestPath, options: BeamSearchOptions(beamWidth: 6, nBest: 2))
            let x = features(frames: 30, seed: 9)
            var stream = try UtteranceStream(labeller: labeller, key: "u", file: "test")
            var sawTokens = false
            for start in stride(from: 0, to: x.rows, by: 4) {
                try stream.append(x.rows(start..<min(start + 4, x.rows)))
                let prefix = try labeller.decode(x.rows(0..<stream.frameCount), key: "u", file: "test")[0]
                let partial = stream.partial()
                XCTAssertEqual(partial.tokens, prefix.tokens, "\(bestPath ? "best path" : "beam"), \(stream.frameCount) frames")
                XCTAssertEqual(partial.tokenStartFrames, prefix.tokenStartFrames)
                XCTAssertEqual(partial.score, prefix.score, accuracy: 1e-4)
                sawTokens = sawTokens || !partial.tokens.isEmpty
            }
            XCTAssertTrue(sawTokens, "the random model should emit something")
            let final = try stream.finish(), whole = try labeller.decode(x, key: "u", file: "test")
            XCTAssertEqual(final.map(\.tokens), whole.map(\.tokens))
            XCTAssertEqual(final.count, bestPath ? 1 : 2)
        }
    }

    func testRefusals() throws {
        let bidirectional = Labeller(model: try model(bidirectional: true), bestPath: true)
        XCTAssertThrowsError(try UtteranceStream(labeller: bidirectional, key: "u", file: "f")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("u") && text.contains("unidirectional") && text.contains("bidirectional"), text)
        }
        var stream = try UtteranceStream(labeller: Labeller(model: try model(), bestPath: true), key: "u", file: "f")
        XCTAssertThrowsError(try stream.finish()) { XCTAssertTrue("\($0)".contains("no frames")) }
        XCTAssertThrowsError(try stream.append(Matrix(rows: 2, cols: 4))) { XCTAssertTrue("\($0)".contains("4 dimensions, the model expects 5"), "\($0)") }
        try stream.append(features(frames: 3, seed: 1))
        var bad = features(frames: 2, seed: 2)
        bad[1, 3] = .nan
        XCTAssertThrowsError(try stream.append(bad)) { XCTAssertTrue("\($0)".contains("frame 4, dimension 3"), "\($0)") }
    }
}
