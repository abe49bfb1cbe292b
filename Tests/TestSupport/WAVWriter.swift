// A minimal 16-bit PCM mono WAV writer for tests that need audio files.
import Foundation

/// The bytes of a canonical 44-byte-header, 16-bit, mono PCM WAV file holding `samples`.
public func wavBytes(samples: [Int16], rate: Int) -> Data {
    var d = Data()
    func u32(_ v: Int) { var x = UInt32(v).littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
    func u16(_ v: Int) { var x = UInt16(v).littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
    let n = samples.count
    d.append(contentsOf: Array("RIFF".utf8)); u32(36 + 2 * n); d.append(contentsOf: Array("WAVEfmt ".utf8))
    u32(16); u16(1); u16(1); u32(rate); u32(2 * rate); u16(2); u16(16)
    d.append(contentsOf: Array("data".utf8)); u32(2 * n)
    for s in samples { u16(Int(UInt16(bitPattern: s))) }
    return d
}

/// Samples of a sine at `hz` for `seconds`, amplitude `amplitude` on the 16-bit scale.
public func toneSamples(hz: Double, seconds: Double, rate: Int, amplitude: Double = 8000) -> [Int16] {
    (0..<Int(Double(rate) * seconds)).map { Int16(amplitude * sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
}
