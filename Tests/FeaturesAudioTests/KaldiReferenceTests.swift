// Features against torchaudio.compliance.kaldi on synthetic and real audio (scripts/reference/make-feature-fixtures.py).
import Foundation
import XCTest
import Features
import Tensors
import TestSupport

final class KaldiReferenceTests: XCTestCase {
    struct Case: Decodable {
        var name, source, wav, config, file: String
        var rows, cols, totalRows: Int
    }
    struct Manifest: Decodable { var cases: [Case] }

    static let fixtures = packageRoot.appendingPathComponent("Tests/FeaturesAudioTests/Fixtures")

    func loadCases() throws -> [Case] {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("cases.json"))
        return try JSONDecoder().decode(Manifest.self, from: data).cases
    }

    func expected(_ c: Case) throws -> Matrix {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(c.file))
        XCTAssertEqual(data.count, c.rows * c.cols * 4, c.name)
        let values = data.withUnsafeBytes { raw in
            (0..<(c.rows * c.cols)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        return Matrix(rows: c.rows, cols: c.cols, data: values)
    }

    /// Tolerances. Log-domain values agree within 1e-3 absolute, with two reasoned exceptions,
    /// both from float32 rounding (the reference is torchaudio in float64; Kaldi itself, like
    /// seqlab, computes in float32):
    /// - A float32 FFT's error in every bin is about ε·‖frame‖, i.e. proportional to the frame's
    ///   strongest bin, not to the bin itself, so log|X_k|² of a bin far below the frame's peak
    ///   is less precise: spectrogram bins get 1e-3 + 2e-6·√(P_max/P_k) (2e-3 at 60 dB below the
    ///   peak, 2e-2 at 80 dB). The same holds for linear (non-log) mel energies: 1e-5 of the
    ///   frame's largest value.
    /// - MFCC column i is multiplied by the lifter 1 + Q/2·sin(πi/Q) (up to 12 for Q = 22), so
    ///   the 1e-3 bound on the unliftered cepstrum becomes 1e-3 times that coefficient.
    func check(_ c: Case, path: String) throws {
        let config = try FrontendConfig(configText: c.config, file: c.name)
        let actual = try FeatureExtractor(config: config).features(file: path)
        XCTAssertEqual(actual.rows, c.totalRows, "\(c.name): frame count")
        XCTAssertEqual(actual.cols, c.cols, "\(c.name): dimension")
        XCTAssertEqual(config.outputDimension, c.cols, "\(c.name): outputDimension")
        guard actual.rows >= c.rows, actual.cols == c.cols else { return }
        let expect = try expected(c)
        var tolerance = Matrix(rows: c.rows, cols: c.cols, repeating: 1e-3)
        for t in 0..<c.rows {
            let row = expect.row(t)
            switch config.featureType {
            case .spectrogram:
                let peak = row.dropFirst().max()!
                for k in 1..<c.cols { tolerance[t, k] = 1e-3 + 2e-6 * exp(0.5 * (peak - row[k])) }
            case .fbank where !config.useLogFbank:
                for k in 0..<c.cols { tolerance[t, k] = 1e-5 * row.max()! }
            case .mfcc where config.cepstralLifter != 0:
                let lifter = cepstralLifterCoefficients(numCeps: config.numCeps, q: config.cepstralLifter)
                for i in 0..<c.cols where !(i == 0 && config.useEnergy) { tolerance[t, i] = 1e-3 * lifter[i] }
            default: break
            }
        }
        var failures = 0
        for i in 0..<expect.data.count where abs(actual.data[i] - expect.data[i]) > tolerance.data[i] {
            if failures < 3 {
                XCTFail("\(c.name): element (\(i / c.cols), \(i % c.cols)) is \(actual.data[i]), expected \(expect.data[i]) within \(tolerance.data[i])")
            }
            failures += 1
        }
        XCTAssertEqual(failures, 0, "\(c.name): \(failures) elements outside tolerance")
    }

    func testSyntheticAudioMatchesTorchaudioKaldi() throws {
        let cases = try loadCases().filter { $0.source == "fixture" }
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for c in cases {
            try check(c, path: Self.fixtures.appendingPathComponent(c.wav).path)
        }
    }

    func testRealRecordingsMatchTorchaudioKaldi() throws {
        guard let shared = sharedDataDirectory() else { throw XCTSkip("../shared/data is absent: no real-recording check") }
        let cases = try loadCases().filter { $0.source == "shared" }
        XCTAssertFalse(cases.isEmpty)
        for c in cases {
            try check(c, path: shared.appendingPathComponent(c.wav).path)
        }
    }
}
