// CompressedMatrix: decompression of Kaldi's CM, CM2 and CM3 matrices.
import Tensors

/// Kaldi's `CompressedMatrix` (Kaldi `matrix/compressed-matrix.cc`), read-only.
///
/// After the type token comes a global header of raw little-endian fields
/// `float min_value, float range, int32 rows, int32 cols`, then:
///
/// - `CM` (kSpeechFeature): `cols` per-column headers of four uint16 percentiles
///   (p0, p25, p75, p100, each `min + range · v / 65535`), then the bytes column by column
///   (`cols × rows` uint8). A byte `b` decodes piecewise-linearly between the percentiles:
///   `b ≤ 64`: p0 + (p25−p0)·b/64; `b ≤ 192`: p25 + (p75−p25)·(b−64)/128; else p75 + (p100−p75)·(b−192)/63.
/// - `CM2` (two bytes): `rows × cols` uint16 row-major, value `min + range · v / 65535`.
/// - `CM3` (one byte): `rows × cols` uint8 row-major, value `min + range · v / 255`.
///
/// The arithmetic is done in Float in the order kaldiio uses (`min + v · range / c`), so values
/// equal kaldiio's bit for bit; Kaldi's C++ computes `min + range · (1/c) · v`, which can
/// differ from this in the last bit of `range`.
enum CompressedMatrix {
    enum Kind {
        case speechFeature, twoByte, oneByte
        var token: String { self == .speechFeature ? "CM" : self == .twoByte ? "CM2" : "CM3" }
    }

    static func read(_ input: ByteInput, key: String?, kind: Kind) throws -> Matrix {
        let at = input.offset
        guard let header = try input.readBytes(16) else {
            throw InputError(file: input.name, place: KaldiBinaryMatrix.place(at, key),
                             "input ends inside the \(kind.token) global header (16 bytes: min, range, rows, cols)")
        }
        func word(_ i: Int) -> UInt32 {
            UInt32(header[i]) | UInt32(header[i + 1]) << 8 | UInt32(header[i + 2]) << 16 | UInt32(header[i + 3]) << 24
        }
        let minValue = Float(bitPattern: word(0)), range = Float(bitPattern: word(4))
        let rows = Int32(bitPattern: word(8)), cols = Int32(bitPattern: word(12))
        guard minValue.isFinite, range.isFinite else {
            throw InputError(file: input.name, place: KaldiBinaryMatrix.place(at, key),
                             "\(kind.token) header has non-finite min \(minValue) or range \(range)")
        }
        let bytesNeeded: (Int) -> Int
        switch kind {
        case .speechFeature: bytesNeeded = { $0 + 8 * Int(max(cols, 0)) }
        case .twoByte: bytesNeeded = { 2 * $0 }
        case .oneByte: bytesNeeded = { $0 }
        }
        try KaldiBinaryMatrix.checkShape(rows: rows, cols: cols, bytesNeeded: bytesNeeded, input: input, key: key, at: at)
        let r = Int(rows), c = Int(cols)
        if r == 0 || c == 0 {
            // Kaldi writes an empty compressed matrix as a header only.
            if kind == .speechFeature && c > 0 && r == 0 {
                _ = try KaldiBinaryMatrix.readValues(UInt16.self, count: 4 * c, input: input, key: key, what: "the CM column headers")
            }
            return Matrix(rows: r, cols: c)
        }
        switch kind {
        case .twoByte:
            let values = try KaldiBinaryMatrix.readValues(UInt16.self, count: r * c, input: input, key: key, what: "the CM2 data")
            return Matrix(rows: r, cols: c, data: values.map { minValue + Float($0) * range / 65535 })
        case .oneByte:
            let values = try KaldiBinaryMatrix.readValues(UInt8.self, count: r * c, input: input, key: key, what: "the CM3 data")
            return Matrix(rows: r, cols: c, data: values.map { minValue + Float($0) * range / 255 })
        case .speechFeature:
            let headers = try KaldiBinaryMatrix.readValues(UInt16.self, count: 4 * c, input: input, key: key, what: "the CM column headers")
                .map { minValue + Float($0) * range / 65535 }
            let bytes = try KaldiBinaryMatrix.readValues(UInt8.self, count: r * c, input: input, key: key, what: "the CM data")
            var m = Matrix(rows: r, cols: c)
            for j in 0..<c {
                let p0 = headers[4 * j], p25 = headers[4 * j + 1], p75 = headers[4 * j + 2], p100 = headers[4 * j + 3]
                for i in 0..<r {
                    m.data[i * c + j] = charToFloat(bytes[j * r + i], p0, p25, p75, p100)
                }
            }
            return m
        }
    }

    /// Kaldi's `CharToFloat`: the piecewise-linear map of a byte through a column's percentiles.
    @inline(__always)
    static func charToFloat(_ byte: UInt8, _ p0: Float, _ p25: Float, _ p75: Float, _ p100: Float) -> Float {
        let v = Float(byte)
        if byte <= 64 { return p0 + (p25 - p0) * v * (1 / 64.0) }
        if byte <= 192 { return p25 + (p75 - p25) * (v - 64) * (1 / 128.0) }
        return p75 + (p100 - p75) * (v - 192) * (1 / 63.0)
    }
}
