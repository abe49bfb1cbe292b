// Inputs the libFuzzer targets (scripts/fuzz, docs/FUZZING.md) crashed on: each is now a one-line InputError.
import XCTest
import Features
import Tensors

final class FrontendConfigFuzzRegressionTests: XCTestCase {
    /// fuzz-model: a model whose front-end metadata said `--frame-shift=1e300` trapped converting
    /// 8000 · 0.001 · 1e300 samples to Int while validating; the same held for `--frame-length`
    /// and for `--config` files of `extract`.
    func testAbsurdFrameLengthsAreInputErrorsNotTraps() {
        let cases = [
            ("--frame-shift=1e300", "frame-shift"),
            ("--frame-length=1e300", "frame-length"),
            ("--frame-length=-1e300", "frame-length"),
            ("--sample-frequency=9999999\n--frame-shift=1e308", "frame-shift"),
        ]
        for (text, option) in cases {
            XCTAssertThrowsError(try FrontendConfig(configText: "--feature-type=fbank\n" + text, file: "fuzz.conf"), text) { error in
                guard let error = error as? InputError else { return XCTFail("\(text): \(error) is not an InputError") }
                XCTAssertEqual(error.file, "fuzz.conf", text)
                XCTAssertTrue(error.message.contains(option), "\(text): \(error.message)")
            }
        }
    }

    /// The clamped sample counts keep Kaldi's truncation for ordinary values.
    func testSampleCountsStillTruncateLikeKaldi() throws {
        let config = try FrontendConfig(configText: "--sample-frequency=16000\n--frame-length=25.03\n--frame-shift=10.01")
        XCTAssertEqual(config.windowSize, 400)
        XCTAssertEqual(config.windowShift, 160)
    }
}
