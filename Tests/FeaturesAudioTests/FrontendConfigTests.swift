// FrontendConfig: Kaldi defaults, config-text round trip, and errors naming the line.
import XCTest
import Features
import Tensors

final class FrontendConfigTests: XCTestCase {
    func testDefaultsAreKaldisWithoutDither() {
        let fbank = FrontendConfig(featureType: .fbank), mfcc = FrontendConfig(featureType: .mfcc)
        XCTAssertEqual(fbank.sampleFrequency, 16000)
        XCTAssertEqual(fbank.windowSize, 400)
        XCTAssertEqual(fbank.windowShift, 160)
        XCTAssertEqual(fbank.paddedWindowSize, 512)
        XCTAssertEqual(fbank.windowType, .povey)
        XCTAssertEqual(fbank.dither, 0)
        XCTAssertFalse(fbank.useEnergy)
        XCTAssertTrue(mfcc.useEnergy)
        XCTAssertEqual(fbank.outputDimension, 23)
        XCTAssertEqual(mfcc.outputDimension, 13)
        XCTAssertEqual(FrontendConfig(featureType: .spectrogram).outputDimension, 257)
    }

    func testConfigTextRoundTrip() throws {
        var config = FrontendConfig(featureType: .mfcc)
        config.sampleFrequency = 8000
        config.frameShift = 12.5
        config.windowType = .blackman
        config.blackmanCoeff = 0.41
        config.snipEdges = false
        config.useEnergy = false
        config.numMelBins = 30
        config.numCeps = 20
        config.lowFreq = 64
        config.highFreq = -200
        config.dither = 1
        config.cmvn = .meanvar
        config.deltas = 2
        config.resample = false
        config.channel = 1
        let text = config.configText
        XCTAssertTrue(text.contains("--frame-shift=12.5\n"), text)
        XCTAssertTrue(text.contains("--window-type=blackman\n"), text)
        XCTAssertEqual(try FrontendConfig(configText: text), config)
        XCTAssertEqual(try FrontendConfig(configText: FrontendConfig().configText), FrontendConfig())
        XCTAssertEqual(config.outputDimension, 60)
    }

    func testKaldiStyleTextWithCommentsBareFlagsAndUnderscores() throws {
        let text = """
        # an fbank front end
        --feature-type=fbank   # trailing comment

        --num_mel_bins=40
        --use-energy
        --snip-edges=false
        --num-mel-bins=41
        --channel=-1
        """
        let config = try FrontendConfig(configText: text)
        XCTAssertEqual(config.featureType, .fbank)
        XCTAssertEqual(config.numMelBins, 41, "later lines override earlier ones")
        XCTAssertTrue(config.useEnergy)
        XCTAssertFalse(config.snipEdges)
        XCTAssertNil(config.channel)
        // feature-type decides the defaults wherever it appears; explicit lines still win.
        XCTAssertTrue(try FrontendConfig(configText: "--num-ceps=10\n--feature-type=mfcc").useEnergy)
        XCTAssertFalse(try FrontendConfig(configText: "--use-energy=false\n--feature-type=mfcc").useEnergy)
    }

    /// A config saved with CR LF line ends reads as with LF.
    func testCRLFLineEnds() throws {
        let text = "--feature-type=mfcc\n--sample-frequency=8000\n--num-ceps=10\n"
        XCTAssertEqual(try FrontendConfig(configText: text.replacingOccurrences(of: "\n", with: "\r\n")),
                       try FrontendConfig(configText: text))
        XCTAssertEqual(try FrontendConfig(configText: text.replacingOccurrences(of: "\n", with: "\r\n")).numCeps, 10)
    }

    func testBadConfigTextNamesFileAndLine() {
        func error(_ text: String) -> InputError? {
            do { _ = try FrontendConfig(configText: text, file: "front.conf"); return nil } catch { return error as? InputError }
        }
        let unknown = error("--feature-type=fbank\n--no-such-option=3")
        XCTAssertEqual(unknown?.file, "front.conf")
        XCTAssertEqual(unknown?.place, "line 2")
        XCTAssertTrue(unknown?.message.contains("no-such-option") ?? false)
        XCTAssertEqual(error("--num-mel-bins=many")?.place, "line 1")
        XCTAssertEqual(error("num-mel-bins=23")?.place, "line 1")
        XCTAssertEqual(error("--window-type=triangle")?.place, "line 1")
        XCTAssertTrue(error("--snip-edges=maybe")?.message.contains("true or false") ?? false)
        XCTAssertTrue(error("--htk-compat=true")?.message.contains("not implemented") ?? false)
        XCTAssertNotNil(error("--feature-type=mfcc\n--num-ceps=30"))
        XCTAssertNotNil(error("--sample-frequency=8000\n--high-freq=5000"))
        XCTAssertNotNil(error("--deltas=3"))
        // The option's name is quoted with its control characters escaped.
        XCTAssertTrue(error("--num\u{1B}[31m=3")?.message.hasPrefix("unknown option '--num\\x1B[31m' (known: ") ?? false,
                      error("--num\u{1B}[31m=3")?.message ?? "no error")
    }

    /// Kaldi's `--allow-downsample` / `--allow-upsample` (in its compute-*-feats configs) each
    /// govern one direction of rate change; `--resample` sets both, lines applying in order. The
    /// stored text (a model's front end) keeps them.
    func testAllowDownsampleAndUpsampleGovernOneDirectionEach() throws {
        let text = "--sample-frequency=8000\n--allow-downsample=true\n--allow_upsample=false\n"
        let config = try FrontendConfig(configText: text, file: "kaldi.conf")
        XCTAssertEqual(try FrontendConfig(configText: config.configText), config, config.configText)
        XCTAssertTrue(config.configText.contains("--allow-downsample=true\n--allow-upsample=false\n"), config.configText)
        XCTAssertNotEqual(try FrontendConfig(configText: "--sample-frequency=8000\n"), config)

        // 0.5 s of a 440 Hz tone at 16 kHz, and at 4 kHz.
        func tone(_ rate: Int) -> [Float] { (0..<rate / 2).map { Float(8000 * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) } }
        let extractor = FeatureExtractor(config: config)
        let plain = FeatureExtractor(config: try FrontendConfig(configText: "--sample-frequency=8000"))
        let down = try extractor.features(samples: tone(16000), sampleRate: 16000, file: "high.wav")
        XCTAssertEqual(down, try plain.features(samples: tone(16000), sampleRate: 16000, file: "high.wav"), "downsampled as by default")
        XCTAssertEqual(down.rows, 1 + (4000 - 200) / 80)
        XCTAssertThrowsError(try extractor.features(samples: tone(4000), sampleRate: 4000, file: "low.wav")) { error in
            XCTAssertEqual("\(error)", "low.wav: sample rate 4000 Hz is below --sample-frequency=8000.0 and upsampling is off (--allow-upsample=false in a config)")
        }
        // The other way round, after --resample=false: only upsampling is allowed.
        let up = try FrontendConfig(configText: "--sample-frequency=8000\n--resample=false\n--allow-upsample\n")
        XCTAssertEqual(try FeatureExtractor(config: up).features(samples: tone(4000), sampleRate: 4000).rows, 1 + (4000 - 200) / 80)
        XCTAssertThrowsError(try FeatureExtractor(config: up).features(samples: tone(16000), sampleRate: 16000, file: "high.wav")) { error in
            XCTAssertEqual("\(error)", "high.wav: sample rate 16000 Hz is above --sample-frequency=8000.0 and downsampling is off (--allow-downsample=false in a config)")
        }
        XCTAssertEqual(try FrontendConfig(configText: up.configText), up)
        // A later --resample overrides both directions; a bad value names the line.
        XCTAssertFalse(try FrontendConfig(configText: "--allow-downsample=true\n--resample=false").resample)
        XCTAssertThrowsError(try FrontendConfig(configText: "--allow-downsample=maybe", file: "kaldi.conf")) { error in
            XCTAssertEqual("\(error)", "kaldi.conf: line 1: --allow-downsample expects true or false, got 'maybe'")
        }
    }

    func testTooManyMelBinsIsReportedAtUse() {
        var config = FrontendConfig(featureType: .fbank)
        config.sampleFrequency = 8000
        config.frameLength = 5        // 40 samples → 64-point FFT, 32 bins
        config.numMelBins = 60
        XCTAssertThrowsError(try FeatureExtractor(config: config).features(samples: [Float](repeating: 1, count: 800), sampleRate: 8000)) {
            XCTAssertTrue(String(describing: $0).contains("num-mel-bins"), "\($0)")
        }
    }
}
