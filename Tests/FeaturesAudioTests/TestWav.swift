// Writes small WAV files for the tests (16-bit PCM or 32-bit float), byte by byte.
import Foundation

/// A RIFF/WAVE file with `channels` interleaved channels of `samples` (frames × channels).
/// 16-bit PCM takes values on the integer scale; float takes the raw values (normally [-1, 1]).
func wavData(_ samples: [Float], rate: Int, channels: Int = 1, float: Bool = false) -> Data {
    var d = Data()
    func u32(_ v: Int) { var x = UInt32(v).littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
    func u16(_ v: Int) { var x = UInt16(v).littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
    let bytesPerSample = float ? 4 : 2
    let dataBytes = samples.count * bytesPerSample
    d.append(contentsOf: Array("RIFF".utf8)); u32(36 + dataBytes); d.append(contentsOf: Array("WAVE".utf8))
    d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(float ? 3 : 1); u16(channels); u32(rate)
    u32(rate * channels * bytesPerSample); u16(channels * bytesPerSample); u16(8 * bytesPerSample)
    d.append(contentsOf: Array("data".utf8)); u32(dataBytes)
    for s in samples {
        if float {
            var x = s.bitPattern.littleEndian
            withUnsafeBytes(of: &x) { d.append(contentsOf: $0) }
        } else {
            var x = Int16(max(-32768, min(32767, s.rounded()))).littleEndian
            withUnsafeBytes(of: &x) { d.append(contentsOf: $0) }
        }
    }
    return d
}

/// A sine of `hz` Hz, `seconds` long at `rate`, with peak `amplitude`.
func tone(hz: Double, rate: Int, seconds: Double, amplitude: Double = 10_000) -> [Float] {
    (0..<Int(Double(rate) * seconds)).map { Float(amplitude * sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
}
