// Pen distortion in training: applied first in Augmentation, changes the run, reproducible, stroke front ends only.
import Foundation
import XCTest
import Features
import Formats
import Labelling
import Tensors
import TestSupport
import Training

final class PenAugmentationTests: XCTestCase {
    /// Δx, Δy, end of stroke, cos and sin of the direction: the synthetic task's 5 dimensions.
    let layout = StrokeFeatureConfig(direction: true)

    var options: TrainingOptions {
        var o = TrainingOptions()
        o.hiddenSizes = [8]
        o.bidirectional = false
        o.epochs = 3
        o.batchSize = 4
        o.learningRate = 0.02
        o.threads = 1
        o.seed = 11
        return o
    }

    func testAugmentationDrawsThePenDistortionFirst() {
        var o = options
        o.penDistortion = PenDistortion(rotationDegrees: 10, slant: 0.3, scale: 0.1)
        let features = strokeFeatures(InkSample(id: "s", label: "w", strokes: [
            Stroke(points: [PenPoint(x: 0, y: 0), PenPoint(x: 3, y: 1), PenPoint(x: 5, y: 4), PenPoint(x: 4, y: 8)]),
            Stroke(points: [PenPoint(x: 7, y: 2), PenPoint(x: 9, y: 3)]),
        ], source: ("mem", 1), pointsPerInch: nil, yPointsUp: true), config: layout)
        let augmentation = Augmentation(o, frontEnd: .strokes(layout))
        XCTAssertFalse(augmentation.isIdentity)
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let viaAugmentation = augmentation.apply(features, rng: &g1)
        let direct = o.penDistortion!.apply(features, layout: layout, rng: &g2)
        XCTAssertEqual(viaAugmentation, direct)
        XCTAssertNotEqual(viaAugmentation, features)
        XCTAssertEqual(g1.next(), g2.next(), "the same draws were taken")
        // Without a stroke layout there is nothing to distort.
        XCTAssertTrue(Augmentation(o).isIdentity)
    }

    func run(_ o: TrainingOptions, frontEnd: FrontEnd?, in dir: URL, name: String) throws -> (model: Data, checkpoint: Checkpoint) {
        let paths = try writeSyntheticTask(count: 16, to: dir.path)
        let (corpus, alphabet) = try Corpus.read(featuresPath: paths.feats, textPath: paths.text, unit: .words)
        let (train, valid) = corpus.splitting(validationFraction: 0.25)
        let path = dir.appendingPathComponent(name).path
        let trainer = try Trainer(options: o, train: train, valid: valid, alphabet: alphabet, tokenUnit: .words,
                                  frontEnd: frontEnd, modelPath: path, checkpointPath: path + ".ckpt")
        XCTAssertEqual(try trainer.run(), .finished)
        return (try Data(contentsOf: URL(fileURLWithPath: path)), try Checkpoint(contentsOf: path + ".ckpt"))
    }

    func testTrainingWithPenDistortionIsReproducibleAndDiffersFromWithout() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var pen = options
        pen.penDistortion = PenDistortion(rotationDegrees: 8, slant: 0.3, scale: 0.15)
        let a = try run(pen, frontEnd: .strokes(layout), in: dir, name: "a.safetensors")
        let b = try run(pen, frontEnd: .strokes(layout), in: dir, name: "b.safetensors")
        let plain = try run(options, frontEnd: .strokes(layout), in: dir, name: "plain.safetensors")
        XCTAssertEqual(a.model, b.model, "same seed, same bytes")
        XCTAssertNotEqual(a.model, plain.model, "the distortion changed what the network saw")
        XCTAssertEqual(a.checkpoint.options.penDistortion, pen.penDistortion)
        XCTAssertNil(plain.checkpoint.options.penDistortion)
    }

    func testPenDistortionNeedsAStrokeFrontEndAndBoundsInRange() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = options
        o.penDistortion = PenDistortion(rotationDegrees: 5)
        XCTAssertThrowsError(try run(o, frontEnd: nil, in: dir, name: "n.safetensors")) {
            XCTAssertTrue("\($0)".contains("need a stroke front end") && "\($0)".contains("no front end was given"), "\($0)")
        }
        var audio = FrontendConfig()
        audio.featureType = .fbank
        audio.numMelBins = 5
        audio.useEnergy = false
        XCTAssertThrowsError(try run(o, frontEnd: .audio(audio), in: dir, name: "n.safetensors")) {
            XCTAssertTrue("\($0)".contains("the front end is an audio one"), "\($0)")
        }
        o.penDistortion = PenDistortion(slant: 2)
        XCTAssertThrowsError(try run(o, frontEnd: .strokes(layout), in: dir, name: "n.safetensors")) {
            XCTAssertTrue("\($0)".contains("--pen-slant 2.0 is outside 0 ... 1"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("n.safetensors").path))
    }
}
