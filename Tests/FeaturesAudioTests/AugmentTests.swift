// Speed perturbation (length, pitch, keys) and noise mixing (SNR, seeding) of the augmentation.
import Foundation
import XCTest
@testable import Features
import Tensors
import TestSupport

final class AugmentTests: XCTestCase {
    /// Frequency (Hz) of the largest bin of a Hann-windowed 8192-point power spectrum of the
    /// middle of `x` at `rate`: resolution rate/8192 ≈ 2 Hz at 16 kHz.
    func peakFrequency(_ x: [Float], rate: Int) -> Double {
        let n = 8192
        let start = (x.count - n) / 2
        let frame = (0..<n).map { i in x[start + i] * Float(0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n - 1))) }
        let fft = RealFFT(length: n)
        var power = [Float](repeating: 0, count: fft.bins)
        frame.withUnsafeBufferPointer { f in power.withUnsafeMutableBufferPointer { fft.powerSpectra(f.baseAddress!, count: 1, into: $0.baseAddress!) } }
        let k = power.indices.max { power[$0] < power[$1] }!
        return Double(k) * Double(rate) / Double(n)
    }

    func testSpeedPerturbationShortensByTheFactorAndRaisesThePitch() throws {
        let rate = 16000
        let x = tone(hz: 1000, rate: rate, seconds: 1.5)
        XCTAssertEqual(peakFrequency(x, rate: rate), 1000, accuracy: 2)
        for s in [0.9, 1.1, 1.5] {
            let y = try SpeedPerturbation.apply(x, factor: s)
            // libsamplerate produces round(n/s) samples, within a sample or two.
            XCTAssertEqual(Double(y.count), Double(x.count) / s, accuracy: 2, "factor \(s)")
            XCTAssertEqual(peakFrequency(y, rate: rate), 1000 * s, accuracy: 2.5, "factor \(s)")
        }
        XCTAssertEqual(try SpeedPerturbation.apply(x, factor: 1), x)
        XCTAssertThrowsError(try SpeedPerturbation.apply(x, factor: 0))
    }

    func testKeysAndFactorLists() throws {
        XCTAssertEqual(SpeedPerturbation.key("utt1", factor: 0.9), "sp0.9-utt1")
        XCTAssertEqual(SpeedPerturbation.key("utt1", factor: 1.1), "sp1.1-utt1")
        XCTAssertEqual(SpeedPerturbation.key("utt1", factor: 1.0), "utt1")
        XCTAssertEqual(SpeedPerturbation.key("a", factor: 2), "sp2-a")
        XCTAssertEqual(try SpeedPerturbation.parseFactors("0.9, 1.0,1.1"), [0.9, 1, 1.1])
        for bad in ["0.9,,1.1", "fast", "0.9,0.9", "-1", "10"] {
            XCTAssertThrowsError(try SpeedPerturbation.parseFactors(bad), bad) { error in
                XCTAssertTrue("\(error)".contains("--speed-perturb"), "\(error)")
            }
        }
    }

    /// 10·log10(P_x / P_(y−x)) in Double.
    func measuredSNR(clean: [Float], noisy: [Float]) -> Double {
        let noise = zip(noisy, clean).map { $0 - $1 }
        return 10 * log10(NoiseMixer.power(clean) / NoiseMixer.power(noise))
    }

    func testWhiteNoiseReachesTheRequestedSNRAndIsSeeded() throws {
        let x = tone(hz: 440, rate: 16000, seconds: 0.5, amplitude: 3000)
        for snr in [-5.0, 0, 10, 20, 35] {
            let mixer = try NoiseMixer(snr: snr)
            var generator = SeededGenerator(seed: 3)
            let y = mixer.mix(x, generator: &generator)
            XCTAssertEqual(measuredSNR(clean: x, noisy: y), snr, accuracy: 0.1, "SNR \(snr)")
        }
        let augmentation = AudioAugmentation(speedFactors: [1], noise: try NoiseMixer(snr: 10), seed: 5)
        let a = try augmentation.variants(of: x, key: "u1")[0].samples
        let b = try augmentation.variants(of: x, key: "u1")[0].samples
        let c = try augmentation.variants(of: x, key: "u2")[0].samples
        XCTAssertEqual(a, b, "same seed and key, same noise")
        XCTAssertNotEqual(a, c, "another key, other noise")
        var other = augmentation
        other.seed = 6
        XCTAssertNotEqual(try other.variants(of: x, key: "u1")[0].samples, a, "another seed, other noise")
        // A silent utterance stays silent.
        var generator = SeededGenerator(seed: 1)
        XCTAssertEqual(try NoiseMixer(snr: 0).mix([0, 0, 0], generator: &generator), [0, 0, 0])
    }

    /// Whether `x` equals recording[(s + i) mod count] for some start s.
    func isLoopedSegment(_ x: [Float], of recording: [Float]) -> Bool {
        recording.indices.contains { s in x.indices.allSatisfy { x[$0] == recording[(s + $0) % recording.count] } }
    }

    func testNoiseRecordingsAreLoopedSegmentsAtTheRequestedSNR() throws {
        var g = SeededGenerator(seed: 1)
        let short: [Float] = (0..<1000).map { _ in Float(g.normal() * 200) }
        let hum = tone(hz: 50, rate: 16000, seconds: 0.3, amplitude: 800)
        let mixer = try NoiseMixer(snr: 5, noises: [short, hum], names: ["short", "hum"])
        let x = tone(hz: 700, rate: 16000, seconds: 0.4, amplitude: 5000)
        var generator = SeededGenerator(seed: 9)
        var used = Set<Int>()
        for _ in 0..<12 {
            let before = generator
            let y = mixer.mix(x, generator: &generator)
            XCTAssertEqual(measuredSNR(clean: x, noisy: y), 5, accuracy: 0.1)
            // The added noise is a scaled, looped segment of one recording.
            var replay = before
            let raw = mixer.noise(count: x.count, generator: &replay)
            let sources = [short, hum].indices.filter { isLoopedSegment(raw, of: [short, hum][$0]) }
            XCTAssertEqual(sources.count, 1, "the noise is a looped segment of exactly one recording")
            used.formUnion(sources)
        }
        XCTAssertEqual(used, [0, 1], "both recordings are drawn")
        XCTAssertThrowsError(try NoiseMixer(snr: 0, noises: [[0, 0]], names: ["quiet.wav"])) { error in
            XCTAssertTrue("\(error)".contains("quiet.wav"), "\(error)")
        }
    }

    func testMonoNoiseRecordingsMixIntoAChosenChannelOfStereoSpeech() throws {
        // --channel 1 picks the speech's second channel; a mono noise recording has no channel 1
        // and is used as it is, a stereo one gives its channel 1 (here 1000 Hz, not channel 0's 50 Hz).
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hum = tone(hz: 50, rate: 16000, seconds: 0.3, amplitude: 800), whine = tone(hz: 1000, rate: 16000, seconds: 0.3, amplitude: 800)
        let mono = dir.appendingPathComponent("mono.wav"), stereo = dir.appendingPathComponent("stereo.wav")
        try wavData(hum, rate: 16000).write(to: mono)
        try wavData(zip(hum, whine).flatMap { [$0, $1] }, rate: 16000, channels: 2).write(to: stereo)
        for (file, expected) in [(mono, hum), (stereo, whine)] {
            let list = dir.appendingPathComponent("noises.txt")
            try (file.path + "\n").write(to: list, atomically: true, encoding: .utf8)
            let mixer = try NoiseMixer.load(list: list.path, snr: 5, sampleRate: 16000, channel: 1)
            XCTAssertEqual(mixer.noises.count, 1)
            XCTAssertEqual(mixer.noises[0].count, expected.count)
            // The 16-bit file rounds each sample.
            XCTAssertEqual(zip(mixer.noises[0], expected).map { abs($0 - $1) }.max() ?? 9, 0, accuracy: 0.5, file.lastPathComponent)
        }
    }

    func testAugmentedExtractionGivesOneUtterancePerFactor() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.wav")
        try wavData(tone(hz: 500, rate: 8000, seconds: 1), rate: 8000).write(to: path)
        let extractor = FeatureExtractor(config: FrontendConfig())
        let plain = try extractor.features(file: path.path, key: "a")
        let out = try extractor.features(file: path.path, key: "a", augmentation: AudioAugmentation(speedFactors: [0.9, 1, 1.1]))
        XCTAssertEqual(out.map(\.key), ["sp0.9-a", "a", "sp1.1-a"])
        XCTAssertEqual(out[1].features.data, plain.data, "factor 1 is the plain utterance")
        // 1 s resampled to 16 kHz: 98 frames; 1/0.9 s: 109; 1/1.1 s: 89.
        XCTAssertEqual(out.map(\.features.rows), [109, 98, 89])
    }
}
