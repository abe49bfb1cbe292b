// VTLN warp of the mel filters (Kaldi's VtlnWarpFreq) and the VTLP augmentation built on it.
import Foundation
import XCTest
@testable import Features
import Tensors
import TestSupport

final class VocalTractPerturbationTests: XCTestCase {
    func testWarpIsPiecewiseLinearKeepsTheBandEdgesAndScalesTheMiddle() {
        let low = 20.0, high = 4000.0, vl = 100.0, vh = 3500.0
        for warp in [0.8, 0.9, 1.0, 1.1, 1.25] {
            func w(_ f: Double) -> Double {
                vtlnWarpFrequency(f, warp: warp, vtlnLow: vl, vtlnHigh: vh, lowFreq: low, highFreq: high)
            }
            XCTAssertEqual(w(low), low, accuracy: 1e-9, "warp \(warp)")
            XCTAssertEqual(w(high), high, accuracy: 1e-9, "warp \(warp)")
            XCTAssertEqual(w(10), 10, "below the band: unchanged")
            XCTAssertEqual(w(4100), 4100, "above the band: unchanged")
            // Inside [vl·max(1, α), vh·min(1, α)] the warp is f/α.
            for f in [400.0, 1000.0, 2500.0] { XCTAssertEqual(w(f), f / warp, accuracy: 1e-9, "warp \(warp) at \(f)") }
            // Continuous at the inflection points and increasing everywhere.
            let l = vl * max(1, warp), h = vh * min(1, warp)
            for p in [l, h] { XCTAssertEqual(w(p - 1e-7), w(p + 1e-7), accuracy: 1e-5, "warp \(warp) at \(p)") }
            var previous = -1.0
            for f in stride(from: low, through: high, by: 7) {
                XCTAssertGreaterThan(w(f), previous)
                previous = w(f)
            }
        }
        XCTAssertEqual(inverseMelScale(melScale(1234.5)), 1234.5, accuracy: 1e-9)
    }

    /// A filter corner at f moves to f/α, so under warp α a tone at f/α lights the filter that
    /// a tone at f lights without warping.
    func testWarpedFiltersSeeATonesFrequencyDividedByTheFactor() throws {
        func peakBin(_ hz: Double, warp: Double) throws -> Int {
            var config = try FrontendConfig(configText: "--sample-frequency=8000\n--num-mel-bins=40")
            config.vtlnWarp = warp
            let features = try FeatureExtractor(config: config).features(samples: tone(hz: hz, rate: 8000, seconds: 0.5), sampleRate: 8000)
            let row = features.row(features.rows / 2)
            return row.indices.max { row[$0] < row[$1] }!
        }
        for f in [700.0, 1500.0, 2400.0] {
            let plain = try peakBin(f, warp: 1)
            for warp in [0.9, 1.1] {
                XCTAssertEqual(try peakBin(f / warp, warp: warp), plain, "tone \(f) Hz, warp \(warp)")
                XCTAssertNotEqual(try peakBin(f, warp: warp), try peakBin(f, warp: 1 / warp), "tone \(f) Hz, warp \(warp)")
            }
        }
    }

    func testConfigTextRoundTripAndBadRanges() throws {
        let config = try FrontendConfig(configText: "--sample-frequency=8000\n--vtln-warp=0.92\n--vtln-low=150\n--vtln-high=-400")
        XCTAssertEqual(config.vtlnWarp, 0.92)
        XCTAssertEqual(config.resolvedVtlnHigh, 3600)
        XCTAssertEqual(config.vtln, VtlnWarp(factor: 0.92, low: 150, high: 3600))
        XCTAssertEqual(try FrontendConfig(configText: config.configText), config)
        XCTAssertNil(FrontendConfig().vtln, "warp 1 is no warp")
        func error(_ text: String) -> InputError? {
            do { _ = try FrontendConfig(configText: text, file: "front.conf"); return nil } catch { return error as? InputError }
        }
        XCTAssertTrue(error("--vtln-warp=0")?.message.contains("vtln-warp") ?? false)
        XCTAssertTrue(error("--vtln-warp=1.1\n--vtln-low=10")?.message.contains("VTLN range") ?? false, "vtln-low below low-freq")
        XCTAssertNotNil(error("--sample-frequency=8000\n--vtln-warp=0.9\n--vtln-high=4500"), "vtln-high above Nyquist")
        XCTAssertNotNil(error("--vtln-warp=0.9\n--vtln-low=3000\n--vtln-high=2000"))
        XCTAssertNil(error("--vtln-low=10"), "the range is not checked without a warp, as in Kaldi")
        XCTAssertEqual(error("--vtln-warp=fast")?.place, "line 1")
    }

    func testAugmentedExtractionGivesOneUtterancePerSpeedAndWarp() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.wav")
        try wavData(tone(hz: 500, rate: 8000, seconds: 1), rate: 8000).write(to: path)
        let config = try FrontendConfig(configText: "--sample-frequency=8000\n--num-mel-bins=40")
        let extractor = FeatureExtractor(config: config)
        let out = try extractor.features(file: path.path, key: "a",
                                         augmentation: AudioAugmentation(speedFactors: [0.9, 1], vtlpWarps: [0.9, 1, 1.1]))
        XCTAssertEqual(out.map(\.key), ["vtlp0.9-sp0.9-a", "sp0.9-a", "vtlp1.1-sp0.9-a", "vtlp0.9-a", "a", "vtlp1.1-a"])
        XCTAssertTrue(out[4].features.data == (try extractor.features(file: path.path, key: "a").data), "warp 1 is the plain utterance")
        var warped = config
        warped.vtlnWarp = 1.1
        XCTAssertTrue(out[5].features.data == (try FeatureExtractor(config: warped).features(file: path.path, key: "a").data),
                      "a VTLP copy is the front end with --vtln-warp set")
        XCTAssertTrue(out[5].features.data != out[4].features.data, "the warp changes the features")
    }

    func testWarpListsAndRefusals() throws {
        XCTAssertEqual(try VocalTractPerturbation.parseWarps("0.9, 1.0,1.1"), [0.9, 1, 1.1])
        XCTAssertEqual(VocalTractPerturbation.key("u", warp: 0.95), "vtlp0.95-u")
        XCTAssertEqual(VocalTractPerturbation.key("u", warp: 1), "u")
        XCTAssertThrowsError(try VocalTractPerturbation.parseWarps("0.9,0.9")) { XCTAssertEqual(($0 as? InputError)?.place, "item 2") }
        XCTAssertThrowsError(try VocalTractPerturbation.parseWarps("0.9,wide")) { XCTAssertEqual(($0 as? InputError)?.place, "item 2") }
        XCTAssertThrowsError(try VocalTractPerturbation.parseWarps("3"))
        let spectrogram = FeatureExtractor(config: FrontendConfig(featureType: .spectrogram))
        XCTAssertThrowsError(try VocalTractPerturbation.extractor(spectrogram, warp: 0.9)) {
            XCTAssertTrue("\($0)".contains("spectrogram"), "\($0)")
        }
        XCTAssertNoThrow(try VocalTractPerturbation.extractor(spectrogram, warp: 1))
        // vtln-low 100 Hz times a warp of 1.9 passes the 150 Hz vtln-high: refused, naming the warp.
        let narrow = FeatureExtractor(config: try FrontendConfig(configText: "--vtln-high=150"))
        XCTAssertThrowsError(try VocalTractPerturbation.extractor(narrow, warp: 1.9)) {
            XCTAssertTrue("\($0)".contains("1.9"), "\($0)")
        }
    }
}
