// AudioReader and Resampler: formats, channels, the 16-bit scale, bad files, libsamplerate.
import Foundation
import XCTest
import Features
import Tensors
import TestSupport

final class AudioReaderTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func assertInputError(_ path: String, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try AudioReader.read(path: path), file: file, line: line) { error in
            guard let e = error as? InputError else { return XCTFail("not an InputError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.file, path, file: file, line: line)
            XCTAssertTrue(e.description.lowercased().contains(fragment), "\(e)", file: file, line: line)
        }
    }

    func testSixteenBitSamplesKeepTheirIntegerScaleAndHeaderIsReported() throws {
        let samples: [Float] = [0, 1, -1, 32767, -32768, 1234]
        let path = try write("a.wav", wavData(samples, rate: 8000))
        let audio = try AudioReader.read(path: path)
        XCTAssertEqual(audio.samples, samples)
        XCTAssertEqual(audio.sampleRate, 8000)
        let info = try AudioReader.info(path: path)
        XCTAssertEqual(info.channels, 1)
        XCTAssertEqual(info.frames, 6)
        XCTAssertEqual(info.sampleRate, 8000)
        XCTAssertTrue(info.format.contains("WAV"), info.format)
        XCTAssertTrue(info.encoding.contains("16"), info.encoding)
    }

    func testStereoIsAveragedOrOneChannelPicked() throws {
        // interleaved frames (L, R): (100, 300), (-50, 50), (7, 9)
        let path = try write("stereo.wav", wavData([100, 300, -50, 50, 7, 9], rate: 16000, channels: 2))
        XCTAssertEqual(try AudioReader.read(path: path).samples, [200, 0, 8])
        XCTAssertEqual(try AudioReader.read(path: path, channel: 0).samples, [100, -50, 7])
        XCTAssertEqual(try AudioReader.read(path: path, channel: 1).samples, [300, 50, 9])
        XCTAssertThrowsError(try AudioReader.read(path: path, channel: 2))
    }

    func testLongStereoFileIsReadAcrossSeveralChunks() throws {
        // 40,000 stereo frames are more than one read of 65,536 samples.
        let frames = 40_000
        var interleaved: [Float] = []
        for f in 0..<frames {
            let v = Float(f % 1000)
            interleaved.append(v)        // left
            interleaved.append(-3 * v)   // right; the average is -v
        }
        let path = try write("long.wav", wavData(interleaved, rate: 16000, channels: 2))
        let audio = try AudioReader.read(path: path)
        XCTAssertEqual(audio.samples.count, frames)
        XCTAssertEqual(audio.samples, (0..<frames).map { Float(-($0 % 1000)) })
    }

    func testFloatWavIsScaledAndNonFiniteSamplesRefused() throws {
        let path = try write("float.wav", wavData([0.5, -0.25], rate: 16000, float: true))
        XCTAssertEqual(try AudioReader.read(path: path).samples, [16384, -8192])
        let nan = try write("nan.wav", wavData([0.5, .nan, 0.1], rate: 16000, float: true))
        assertInputError(nan, contains: "nan")
        let inf = try write("inf.wav", wavData([.infinity, 0.1], rate: 16000, float: true))
        assertInputError(inf, contains: "inf")
    }

    func testBadFilesGiveInputErrorsNamingTheFile() throws {
        assertInputError(dir.appendingPathComponent("missing.wav").path, contains: "no such file")
        assertInputError(try write("empty.wav", Data()), contains: "empty")
        assertInputError(try write("text.wav", Data("uttid this is not audio at all\n".utf8)), contains: "not audio")
        assertInputError(try write("noframes.wav", wavData([], rate: 16000)), contains: "no frames")
        let whole = wavData((0..<4000).map { Float($0 % 100) }, rate: 16000)
        assertInputError(try write("cut-data.wav", whole.prefix(3000)), contains: "truncated")
        assertInputError(try write("cut-header.wav", whole.prefix(30)), contains: "not audio")
    }

    func testFlacReadsTheSameSamplesAsWav() throws {
        // libsndfile writes the FLAC through sox when it is installed; skip otherwise.
        let wav = try write("tone.wav", wavData(tone(hz: 300, rate: 8000, seconds: 0.1), rate: 8000))
        let flac = dir.appendingPathComponent("tone.flac").path
        guard let sox = ["/usr/bin/sox", "/usr/local/bin/sox"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("sox is not installed (scripts/setup --test installs it): no FLAC file to read")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sox)
        p.arguments = [wav, flac]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let a = try AudioReader.read(path: wav), b = try AudioReader.read(path: flac)
        XCTAssertEqual(a.samples, b.samples)
        XCTAssertTrue(try AudioReader.info(path: flac).format.contains("FLAC"))
    }

    func testResamplingSixteenToEightKilohertzKeepsLengthAndToneDownsamplingPower() throws {
        let amplitude = 10_000.0
        let input = tone(hz: 1000, rate: 16000, seconds: 1, amplitude: amplitude)
        let output = try Resampler.resample(input, from: 16000, to: 8000)
        XCTAssertEqual(Double(output.count), 8000, accuracy: 1)
        // Mean power away from the filter's edge transients: A²/2 for a sine well inside the band.
        let middle = output[400..<7600]
        let power = middle.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(middle.count)
        XCTAssertEqual(power, amplitude * amplitude / 2, accuracy: 0.01 * amplitude * amplitude / 2)
        // A 6 kHz tone is above the new Nyquist (4 kHz): the anti-alias filter removes it.
        let high = try Resampler.resample(tone(hz: 6000, rate: 16000, seconds: 1, amplitude: amplitude), from: 16000, to: 8000)
        let highPower = high[400..<7600].reduce(0.0) { $0 + Double($1) * Double($1) } / 7200
        XCTAssertLessThan(highPower, 1e-6 * amplitude * amplitude)
    }

    func testExtractorResamplesOrRefusesOtherRates() throws {
        let path = try write("tone16k.wav", wavData(tone(hz: 1000, rate: 16000, seconds: 0.5), rate: 16000))
        var config = FrontendConfig(featureType: .fbank)
        config.sampleFrequency = 8000
        let features = try FeatureExtractor(config: config).features(file: path)
        XCTAssertEqual(features.rows, 1 + (4000 - 200) / 80)
        // The resampled tone's energy sits in the mel bin around 1 kHz in every middle frame.
        let banks = try MelBanks(numBins: 23, fftLength: 256, sampleRate: 8000, lowFreq: 20, highFreq: 4000)
        let bin1k = 1000 * 256 / 8000
        let peakFilter = (0..<23).max { banks.weights[$0, bin1k] < banks.weights[$1, bin1k] }!
        for t in 5..<(features.rows - 5) {
            XCTAssertEqual(features.row(t).indices.max { features[t, $0] < features[t, $1] }, peakFilter, "frame \(t)")
        }
        config.resample = false
        XCTAssertThrowsError(try FeatureExtractor(config: config).features(file: path)) { error in
            XCTAssertEqual((error as? InputError)?.file, path)
            XCTAssertTrue("\(error)".contains("resampling is off"), "\(error)")
        }
    }
}
