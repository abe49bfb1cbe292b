// A minimal safetensors reader for the test fixtures (F32 tensors only), independent of Formats.
import Foundation
import Networks

/// The F32 tensors of a safetensors file: name → (shape, values).
func readFixtureTensors(_ url: URL) throws -> [String: (shape: [Int], values: [Float])] {
    let data = try Data(contentsOf: url)
    guard data.count >= 8 else { throw CocoaError(.fileReadCorruptFile) }
    let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
    guard 8 + headerLength <= data.count,
          let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
    else { throw CocoaError(.fileReadCorruptFile) }
    var out: [String: (shape: [Int], values: [Float])] = [:]
    for (name, entry) in header where name != "__metadata__" {
        guard let e = entry as? [String: Any], e["dtype"] as? String == "F32",
              let shape = e["shape"] as? [Int], let offsets = e["data_offsets"] as? [Int], offsets.count == 2
        else { throw CocoaError(.fileReadCorruptFile) }
        let start = 8 + headerLength + offsets[0], end = 8 + headerLength + offsets[1]
        let bytes = data.subdata(in: start..<end)
        let values = bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
        }
        out[name] = (shape, values)
    }
    return out
}
