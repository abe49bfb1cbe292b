// The FFTW power-spectrum path against a plain O(n²) DFT in Double, on odd and even lengths.
import Foundation
import XCTest
@testable import Features
import Tensors
import TestSupport

final class RealFFTTests: XCTestCase {
    /// |Σ_j x_j e^{-2πijk/n}|² for k = 0…n/2, in Double: the oracle.
    func naivePowerSpectrum(_ x: [Float]) -> [Double] {
        let n = x.count
        return (0...(n / 2)).map { k in
            var re = 0.0, im = 0.0
            for j in 0..<n {
                let angle = -2 * Double.pi * Double(j * k % n) / Double(n)
                re += Double(x[j]) * cos(angle)
                im += Double(x[j]) * sin(angle)
            }
            return re * re + im * im
        }
    }

    func testPowerSpectraMatchNaiveDFT() {
        var generator = SeededGenerator(seed: 7)
        for n in [2, 3, 17, 64, 200, 400, 512] {
            let frames = 3
            let data = (0..<(frames * n)).map { _ in Float(generator.normal() * 1000) }
            let fft = RealFFT(length: n)
            XCTAssertEqual(fft.bins, n / 2 + 1)
            var power = [Float](repeating: 0, count: frames * fft.bins)
            data.withUnsafeBufferPointer { d in
                power.withUnsafeMutableBufferPointer { p in fft.powerSpectra(d.baseAddress!, count: frames, into: p.baseAddress!) }
            }
            for t in 0..<frames {
                let expected = naivePowerSpectrum(Array(data[(t * n)..<((t + 1) * n)]))
                let scale = expected.max()!
                // float32 FFT: error ~ε·log2(n) of the largest power; 1e-5 of it leaves a wide margin.
                assertClose(power[(t * fft.bins)..<((t + 1) * fft.bins)], expected, absolute: 1e-5 * scale, "n = \(n), frame \(t)")
            }
        }
    }

    func testPlansAreSharedAndConcurrentUseIsSafe() {
        let n = 400
        var generator = SeededGenerator(seed: 11)
        let data = (0..<(20 * n)).map { _ in Float(generator.normal()) }
        let fft = RealFFT(length: n)
        var reference = [Float](repeating: 0, count: 20 * fft.bins)
        data.withUnsafeBufferPointer { d in
            reference.withUnsafeMutableBufferPointer { p in fft.powerSpectra(d.baseAddress!, count: 20, into: p.baseAddress!) }
        }
        let results = ResultBox(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let local = RealFFT(length: n)   // plan creation races with execution on purpose
            _ = RealFFT(length: 100 + i * 2)
            var power = [Float](repeating: 0, count: 20 * local.bins)
            data.withUnsafeBufferPointer { d in
                power.withUnsafeMutableBufferPointer { p in local.powerSpectra(d.baseAddress!, count: 20, into: p.baseAddress!) }
            }
            results.set(i, power)
        }
        for i in 0..<8 { XCTAssertEqual(results.get(i), reference, "thread \(i)") }
    }
}

/// Results written by several threads, one slot each.
final class ResultBox: @unchecked Sendable {
    private var slots: [[Float]]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [Float]) { lock.lock(); slots[i] = v; lock.unlock() }
    func get(_ i: Int) -> [Float] { lock.lock(); defer { lock.unlock() }; return slots[i] }
}
