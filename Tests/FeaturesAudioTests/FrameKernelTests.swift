// The frame-by-frame front end against the plain stage-by-stage one (its oracle), over many option sets.
import Foundation
import XCTest
@testable import Features
import Tensors
import TestSupport

final class FrameKernelTests: XCTestCase {
    func signal(_ n: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let slow: Double = 4000 * sin(Double(i) * 0.031)
            let fast: Double = 900 * sin(Double(i) * 0.57)
            x[i] = Float(slow + fast + 200 * generator.normal())
        }
        return x
    }

    /// Same tolerances as KaldiReferenceTests, for the same reason: both paths compute in float32
    /// but through different FFT codelets (aligned SIMD vs unaligned) and summation orders, so
    /// bins far below a frame's peak differ by float32 rounding of the strongest bin.
    func assertSame(_ config: FrontendConfig, _ x: [Float], _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let extractor = FeatureExtractor(config: config, seed: 3)
        let fast = try extractor.compute(x, key: "k", file: label)
        let plain = try extractor.computeReference(x, key: "k", file: label)
        assertAgree(fast, plain, config, label, file: file, line: line)
    }

    func assertAgree(_ fast: Matrix, _ plain: Matrix, _ config: FrontendConfig, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(fast.rows, plain.rows, label, file: file, line: line)
        XCTAssertEqual(fast.cols, plain.cols, label, file: file, line: line)
        guard fast.rows == plain.rows, fast.cols == plain.cols else { return }
        let lifter = cepstralLifterCoefficients(numCeps: config.numCeps, q: config.cepstralLifter)
        var worst = 0
        for t in 0..<plain.rows {
            let row = plain.row(t)
            for k in 0..<plain.cols {
                var tolerance: Float = 1e-3
                switch config.featureType {
                case .spectrogram where k > 0: tolerance = 1e-3 + 2e-6 * exp(0.5 * (row.dropFirst().max()! - row[k]))
                case .fbank where !config.useLogFbank: tolerance = 1e-5 * row.max()!
                case .mfcc where config.cepstralLifter != 0 && config.deltas == 0 && config.cmvn == .none: tolerance = 1e-3 * lifter[k]
                default: break
                }
                if abs(fast[t, k] - plain[t, k]) > tolerance {
                    if worst < 3 { XCTFail("\(label): (\(t), \(k)) is \(fast[t, k]), plain \(plain[t, k])", file: file, line: line) }
                    worst += 1
                }
            }
        }
    }

    func testFrameByFrameEqualsThePlainPipeline() throws {
        let x = signal(4321, seed: 1)
        var cases: [(String, FrontendConfig)] = []
        for type in [AudioFeatureType.spectrogram, .fbank, .mfcc] {
            cases.append(("\(type)", FrontendConfig(featureType: type)))
            var c = FrontendConfig(featureType: type)
            c.snipEdges = false; c.dither = 1; c.rawEnergy = false; c.windowType = .hamming
            cases.append(("\(type) centred, dither, windowed energy, hamming", c))
            c = FrontendConfig(featureType: type)
            c.removeDCOffset = false; c.preemphasisCoefficient = 0; c.energyFloor = 1e3; c.windowType = .rectangular
            cases.append(("\(type) no DC, no pre-emphasis, energy floor, rectangular", c))
        }
        var c = FrontendConfig(featureType: .fbank)
        c.useEnergy = true; c.usePower = false; c.numMelBins = 40; c.lowFreq = 60; c.highFreq = -400
        cases.append(("fbank energy, magnitude, 40 bins, band", c))
        c = FrontendConfig(featureType: .fbank)
        c.useLogFbank = false; c.frameLength = 20; c.frameShift = 7
        cases.append(("fbank linear, 20 ms / 7 ms", c))
        c = FrontendConfig(featureType: .mfcc)
        c.sampleFrequency = 8000; c.numCeps = 17; c.cepstralLifter = 0; c.useEnergy = false; c.deltas = 2; c.cmvn = .meanvar
        cases.append(("mfcc 8 kHz, 17 ceps, no lifter, deltas, cmvn", c))
        c = FrontendConfig(featureType: .spectrogram)
        c.frameLength = 2.1875; c.frameShift = 1; c.snipEdges = false   // 35 samples, FFT of 64
        cases.append(("spectrogram 35-sample window", c))
        for type in [AudioFeatureType.spectrogram, .fbank] {
            c = FrontendConfig(featureType: type)
            c.roundToPowerOfTwo = false   // an FFT of 400: frame by frame through FFTW
            cases.append(("\(type) FFT of 400", c))
        }
        for (label, config) in cases {
            try config.validate()
            try assertSame(config, x, label)
        }
        // Signals shorter than a window (reflected at both ends) and a single whole frame.
        var centred = FrontendConfig(featureType: .fbank)
        centred.snipEdges = false
        try assertSame(centred, signal(150, seed: 2), "150 samples, centred")
        try assertSame(FrontendConfig(featureType: .mfcc), signal(400, seed: 3), "one frame")
    }

    /// The 16-frame kernel against the frame-by-frame one, for every FFT length from 4 to 2048
    /// (the 16×16 transposes with whole and partial blocks of bins) and frame counts around
    /// multiples of 16 (partial blocks of frames).
    func testLanesEqualFrameByFrame() throws {
        let x = signal(6000, seed: 5)
        var cases: [(String, FrontendConfig, Int)] = []
        for (ms, fft) in [(0.25, 4), (0.5, 8), (1.0, 16), (1.5, 32), (3.0, 64), (6.25, 128), (15.0, 256), (25.0, 512), (50.0, 1024), (100.0, 2048)] {
            var c = FrontendConfig(featureType: .spectrogram)
            c.frameLength = ms; c.frameShift = 5
            cases.append(("spectrogram, FFT of \(fft)", c, fft))
        }
        for samples in [400, 400 + 15 * 160, 400 + 16 * 160, 400 + 17 * 160, 6000] {
            for type in [AudioFeatureType.fbank, .mfcc] {
                var c = FrontendConfig(featureType: type)
                c.dither = type == .mfcc ? 1 : 0
                cases.append(("\(type), \(samples) samples", c, -samples))
            }
        }
        var c = FrontendConfig(featureType: .fbank)
        c.usePower = false; c.useEnergy = true; c.rawEnergy = false; c.removeDCOffset = false; c.snipEdges = false
        cases.append(("fbank magnitude, windowed energy, no DC, centred", c, 512))
        c = FrontendConfig(featureType: .fbank)
        c.useLogFbank = false; c.preemphasisCoefficient = 0
        cases.append(("fbank linear, no pre-emphasis", c, 512))
        for (label, config, tag) in cases {
            try config.validate()
            if tag > 0 { XCTAssertEqual(config.paddedWindowSize, tag, label) }
            let signal = tag < 0 ? Array(x.prefix(-tag)) : x
            let extractor = FeatureExtractor(config: config, seed: 3)
            let count = try extractor.frameCount(signal, file: label)
            var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
            let lanes = try XCTUnwrap(extractor.laneFeatures(signal, count: count, generator: &g1), label)
            let frames = extractor.frameFeatures(signal, count: count, generator: &g2)
            assertAgree(lanes, frames, config, label)
        }
        var odd = FrontendConfig(featureType: .fbank)
        odd.roundToPowerOfTwo = false
        var g = SeededGenerator(seed: 1)
        XCTAssertNil(FeatureExtractor(config: odd).laneFeatures(x, count: 3, generator: &g), "an FFT of 400 is not the lanes' job")
    }

    func testSparseMelBanksEqualTheDenseProduct() throws {
        var generator = SeededGenerator(seed: 4)
        for (bins, nfft, rate) in [(23, 512, 16000.0), (1, 64, 8000), (17, 256, 8000), (80, 1024, 16000)] {
            let banks = try MelBanks(numBins: bins, fftLength: nfft, sampleRate: rate, lowFreq: 20, highFreq: rate / 2)
            let sparse = SparseMelBanks(banks)
            XCTAssertEqual(sparse.count, bins)
            let frames = 3
            let spectra = Matrix(rows: frames, cols: nfft / 2 + 1, data: (0..<(frames * (nfft / 2 + 1))).map { _ in Float(generator.uniform() * 100) })
            let dense = spectra.multipliedNaively(by: banks.weights, transposeOther: true)
            for t in 0..<frames {
                var out = [Float](repeating: 0, count: bins)
                spectra.row(t).withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { sparse.apply(p.baseAddress!, into: $0.baseAddress!) } }
                assertClose(out, dense.row(t), absolute: 0, relative: 1e-5, "\(bins) bins, nfft \(nfft), frame \(t)")
            }
        }
    }

    func testDotAndSumsAgreeWithPlainLoops() {
        var generator = SeededGenerator(seed: 6)
        for n in [0, 1, 3, 4, 17, 400] {
            let a = (0..<n).map { _ in Float(generator.normal() * 1000) }
            let b = (0..<n).map { _ in Float(generator.normal()) }
            var plainDot = 0.0, plainSum = 0.0, plainSquares = 0.0
            for i in 0..<n { plainDot += Double(a[i]) * Double(b[i]); plainSum += Double(a[i]); plainSquares += Double(a[i]) * Double(a[i]) }
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let base = pa.baseAddress ?? UnsafePointer(bitPattern: 8)!, other = pb.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    XCTAssertEqual(Double(dot(base, other, n)), plainDot, accuracy: 1e-3 * (1 + abs(plainDot)), "dot, n = \(n)")
                    // float32 partial sums of n/8 terms: relative error below n·2⁻²⁴ of Σ|x| (Σx²).
                    let absSum = a.reduce(0.0) { $0 + abs(Double($1)) }
                    XCTAssertEqual(sums(base, n, squares: false), plainSum, accuracy: Double(n) * 0x1p-24 * absSum + 1e-9, "sum, n = \(n)")
                    XCTAssertEqual(sums(base, n, squares: true), plainSquares, accuracy: Double(n) * 0x1p-24 * plainSquares + 1e-9, "squares, n = \(n)")
                    let mean: Float = 123.5
                    let plainCentred = a.reduce(0.0) { $0 + Double($1 - mean) * Double($1 - mean) }
                    XCTAssertEqual(centredSquares(base, n, mean: mean), plainCentred, accuracy: Double(n) * 0x1p-24 * plainCentred + 1e-9, "centred, n = \(n)")
                }
            }
        }
    }
}
