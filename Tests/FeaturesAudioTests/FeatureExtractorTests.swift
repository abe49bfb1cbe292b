// FeatureExtractor: frame counts, seeded dither, thread safety, too-short input.
import Foundation
import XCTest
import Features
import Tensors
import TestSupport

final class FeatureExtractorTests: XCTestCase {
    let samples: [Float] = {
        var generator = SeededGenerator(seed: 5)
        return (0..<5000).map { i in Float(3000 * sin(Double(i) * 0.07) + 100 * generator.normal()) }
    }()

    func testFrameCountsWithAndWithoutSnipEdges() throws {
        var config = FrontendConfig(featureType: .mfcc)
        XCTAssertEqual(try FeatureExtractor(config: config).features(samples: samples, sampleRate: 16000).rows, 1 + (5000 - 400) / 160)
        config.snipEdges = false
        XCTAssertEqual(try FeatureExtractor(config: config).features(samples: samples, sampleRate: 16000).rows, (5000 + 80) / 160)
        XCTAssertThrowsError(try FeatureExtractor(config: FrontendConfig()).features(samples: [Float](repeating: 0, count: 399), sampleRate: 16000)) {
            XCTAssertTrue("\($0)".contains("too short"), "\($0)")
        }
    }

    func testDitherIsSeededPerUtterance() throws {
        var config = FrontendConfig(featureType: .fbank)
        config.dither = 1
        let a = try FeatureExtractor(config: config, seed: 1).features(samples: samples, sampleRate: 16000, key: "utt1")
        let b = try FeatureExtractor(config: config, seed: 1).features(samples: samples, sampleRate: 16000, key: "utt1")
        let c = try FeatureExtractor(config: config, seed: 2).features(samples: samples, sampleRate: 16000, key: "utt1")
        let d = try FeatureExtractor(config: config, seed: 1).features(samples: samples, sampleRate: 16000, key: "utt2")
        let clean = try FeatureExtractor(config: FrontendConfig(featureType: .fbank)).features(samples: samples, sampleRate: 16000)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertNotEqual(a, d)
        XCTAssertNotEqual(a, clean)
        // Dither of σ = 1 on a signal of amplitude 3000 moves the log mel energies only slightly.
        assertClose(a, clean, absolute: 0.05)
    }

    func testOneExtractorServesManyThreads() throws {
        let extractor = FeatureExtractor(config: FrontendConfig(featureType: .mfcc))
        let inputs = (0..<6).map { k in Array(samples[(k * 100)...]) }
        let serial = try inputs.map { try extractor.features(samples: $0, sampleRate: 16000) }
        let box = MatrixBox(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            box.set(i, try? extractor.features(samples: inputs[i], sampleRate: 16000))
        }
        for i in 0..<inputs.count { XCTAssertEqual(box.get(i), serial[i], "utterance \(i)") }
    }

    func testNonFiniteSamplesAndBadConfigAreRefused() {
        var bad = samples
        bad[10] = .nan
        XCTAssertThrowsError(try FeatureExtractor(config: FrontendConfig()).features(samples: bad, sampleRate: 16000))
        var config = FrontendConfig()
        config.deltas = 5
        XCTAssertThrowsError(try FeatureExtractor(config: config).features(samples: samples, sampleRate: 16000))
    }
}

final class MatrixBox: @unchecked Sendable {
    private var slots: [Matrix?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ m: Matrix?) { lock.lock(); slots[i] = m; lock.unlock() }
    func get(_ i: Int) -> Matrix? { lock.lock(); defer { lock.unlock() }; return slots[i] }
}
