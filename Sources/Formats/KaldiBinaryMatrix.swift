// KaldiBinaryMatrix: Kaldi's binary matrix/vector objects (FM, DM, FV, DV, CM, CM2, CM3), read and written.
import Tensors

/// How a matrix was stored in a Kaldi archive (the type token, or text).
public enum KaldiMatrixEncoding: String, Sendable, CaseIterable, Comparable {
    case fm = "FM", dm = "DM", fv = "FV", dv = "DV", cm = "CM", cm2 = "CM2", cm3 = "CM3", text
    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// Kaldi's binary matrix encodings (Kaldi `matrix/kaldi-matrix.cc` `Matrix::Read`/`Write`,
/// `matrix/compressed-matrix.cc`), as they follow the `\0B` binary marker.
///
///     FM  ·  \4 int32 rows  \4 int32 cols  rows·cols float32 LE   (row-major)
///     DM  ·  \4 int32 rows  \4 int32 cols  rows·cols float64 LE
///     FV  ·  \4 int32 n     n float32 LE   (read here as a 1 × n matrix)
///     DV  ·  \4 int32 n     n float64 LE
///     CM, CM2, CM3: see `CompressedMatrix`.
///
/// Every claimed size is checked before anything is allocated: negative sizes are refused,
/// sizes above `maxElements` are refused, rows without columns are refused, and in a regular
/// file the claimed data must fit in the bytes that remain.
enum KaldiBinaryMatrix {
    /// The largest matrix accepted, in elements (2^30 floats = 4 GiB); larger claims are corrupt.
    static let maxElements = 1 << 30

    /// "byte N (record "key")", the place part of an error.
    static func place(_ offset: Int, _ key: String?) -> String {
        if let key { return "byte \(offset) (record \"\(InputError.quoted(key))\")" }
        return "byte \(offset)"
    }

    /// Reads one object after its `\0B` marker (already consumed) and returns it as a matrix.
    static func read(_ input: ByteInput, key: String?) throws -> (Matrix, KaldiMatrixEncoding) {
        try read(type: try readType(input, key: key), input, key: key)
    }

    /// Reads the rest of an object whose type token `readType` returned.
    static func read(type: KaldiMatrixEncoding, _ input: ByteInput, key: String?) throws -> (Matrix, KaldiMatrixEncoding) {
        switch type {
        case .fm, .dm, .fv, .dv: return (try readPlain(input, key: key, type: type), type)
        case .cm: return (try CompressedMatrix.read(input, key: key, kind: .speechFeature), .cm)
        case .cm2: return (try CompressedMatrix.read(input, key: key, kind: .twoByte), .cm2)
        case .cm3: return (try CompressedMatrix.read(input, key: key, kind: .oneByte), .cm3)
        case .text: preconditionFailure("readType never returns .text")
        }
    }

    /// Reads the type token and its space (`FM `, `DM `, …) after the `\0B` marker.
    static func readType(_ input: ByteInput, key: String?) throws -> KaldiMatrixEncoding {
        let typeOffset = input.offset
        var token: [UInt8] = []
        while true {
            guard let b = try input.readByte() else {
                throw InputError(file: input.name, place: place(input.offset, key),
                                 "input ends inside the matrix type token; expected FM, DM, CM, CM2, CM3, FV or DV")
            }
            if b == UInt8(ascii: " ") { break }
            token.append(b)
            if token.count > 4 { break }
        }
        let type = String(decoding: token, as: UTF8.self)
        guard type != "text", let encoding = KaldiMatrixEncoding(rawValue: type) else {
            let shown = token.map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : "\\x" + hex($0) }.joined()
            throw InputError(file: input.name, place: place(typeOffset, key),
                             "unknown matrix type \"\(shown)\"; expected FM, DM, CM, CM2, CM3, FV or DV followed by a space")
        }
        return encoding
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    /// Reads `\4` + int32 (Kaldi's `WriteBasicType<int32>` in binary mode).
    static func readInt32(_ input: ByteInput, key: String?, what: String) throws -> Int32 {
        let at = input.offset
        guard let marker = try input.readByte() else {
            throw InputError(file: input.name, place: place(at, key), "input ends before the \(what)")
        }
        guard marker == 4 else {
            throw InputError(file: input.name, place: place(at, key),
                             "expected the size byte \\x04 before the \(what), found \\x\(hex(marker))")
        }
        return try readRawInt32(input, key: key, what: what)
    }

    /// Reads a bare little-endian int32.
    static func readRawInt32(_ input: ByteInput, key: String?, what: String) throws -> Int32 {
        let at = input.offset
        guard let b = try input.readBytes(4) else {
            throw InputError(file: input.name, place: place(at, key), "input ends inside the \(what) (4 bytes expected)")
        }
        return Int32(bitPattern: UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24)
    }

    /// Checks a claimed shape and the bytes it needs before any allocation.
    static func checkShape(rows: Int32, cols: Int32, bytesNeeded: (Int) -> Int, input: ByteInput, key: String?, at: Int) throws {
        guard rows >= 0, cols >= 0 else {
            throw InputError(file: input.name, place: place(at, key), "negative matrix size \(rows)×\(cols); expected rows, cols ≥ 0")
        }
        // Rows of no columns hold no bytes, so no file size bounds them: 17 bytes could claim
        // 2^31 − 1 empty frames for every later stage to loop over. Kaldi's Matrix::Resize refuses
        // them too; a matrix of no rows (an empty utterance) is fine.
        guard cols > 0 || rows == 0 else {
            throw InputError(file: input.name, place: place(at, key), "matrix \(rows)×0: rows without columns; expected cols > 0 when rows > 0")
        }
        let (count, overflow) = Int(rows).multipliedReportingOverflow(by: Int(cols))
        guard !overflow, count <= maxElements else {
            throw InputError(file: input.name, place: place(at, key),
                             "matrix claims \(rows)×\(cols) elements, more than the \(maxElements) accepted; the header is corrupt")
        }
        let need = bytesNeeded(count)
        if let left = input.remainingInFile, need > left {
            throw InputError(file: input.name, place: place(input.offset, key),
                             "matrix \(rows)×\(cols) needs \(need) bytes of data but the file has only \(left) left (truncated?)")
        }
    }

    /// Reads `count` little-endian values of `T` in bounded chunks (so a lying header on a pipe
    /// allocates only as much as really arrives).
    static func readValues<T: FixedWidthInteger>(_ type: T.Type, count: Int, input: ByteInput, key: String?, what: String) throws -> [T] {
        let chunk = 1 << 20
        var out: [T] = []
        out.reserveCapacity(input.remainingInFile != nil ? count : min(count, chunk))
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let start = input.offset
            var part = [T](repeating: 0, count: n)
            let got = try part.withUnsafeMutableBytes { try input.read(into: $0) }
            guard got == n * MemoryLayout<T>.size else {
                throw InputError(file: input.name, place: place(start + got, key),
                                 "input ends inside \(what): \(done + got / MemoryLayout<T>.size) of \(count) values present (truncated)")
            }
            out.append(contentsOf: part.map { T(littleEndian: $0) })
            done += n
        }
        return out
    }

    /// `count` little-endian float32 values, read straight into the result on little-endian hosts
    /// (the hot path: feature archives are FM). Sizes are checked by the caller; on pipes the
    /// array grows chunk by chunk as data really arrives.
    static func readFloat32s(count: Int, input: ByteInput, key: String?) throws -> [Float] {
        #if _endian(little)
        let chunk = input.remainingInFile != nil ? max(count, 1) : 1 << 20
        var out = [Float]()
        out.reserveCapacity(min(count, chunk))
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let start = input.offset
            out += [Float](repeating: 0, count: n)
            let got = try out.withUnsafeMutableBytes { try input.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[(done * 4)...])) }
            guard got == n * 4 else {
                throw InputError(file: input.name, place: place(start + got, key),
                                 "input ends inside the matrix data: \(done + got / 4) of \(count) values present (truncated)")
            }
            done += n
        }
        return out
        #else
        return try readValues(UInt32.self, count: count, input: input, key: key, what: "the matrix data").map { Float(bitPattern: $0) }
        #endif
    }

    /// The shape in the header of an FM, DM, FV or DV object (after its type token), checked
    /// as `checkShape` does; a vector is one row.
    static func readPlainHeader(_ input: ByteInput, key: String?, type: KaldiMatrixEncoding) throws -> (rows: Int, cols: Int) {
        let at = input.offset
        let rows: Int32, cols: Int32
        if type == .fv || type == .dv {
            cols = try readInt32(input, key: key, what: "vector length")
            rows = cols == 0 ? 0 : 1   // an empty vector is an empty matrix
        } else {
            rows = try readInt32(input, key: key, what: "row count")
            cols = try readInt32(input, key: key, what: "column count")
        }
        try checkShape(rows: rows, cols: cols, bytesNeeded: { $0 * bytesPerValue(type) }, input: input, key: key, at: at)
        return (Int(rows), Int(cols))
    }

    /// 4 for FM/FV, 8 for DM/DV.
    static func bytesPerValue(_ type: KaldiMatrixEncoding) -> Int { type == .dm || type == .dv ? 8 : 4 }

    /// `count` values of an FM/FV (float32) or DM/DV (float64) object's data, as Float.
    static func readPlainValues(count: Int, type: KaldiMatrixEncoding, input: ByteInput, key: String?) throws -> [Float] {
        if bytesPerValue(type) == 4 { return try readFloat32s(count: count, input: input, key: key) }
        return try readValues(UInt64.self, count: count, input: input, key: key, what: "the matrix data").map { Float(Double(bitPattern: $0)) }
    }

    /// FM, DM, FV, DV.
    static func readPlain(_ input: ByteInput, key: String?, type: KaldiMatrixEncoding) throws -> Matrix {
        let (rows, cols) = try readPlainHeader(input, key: key, type: type)
        return Matrix(rows: rows, cols: cols, data: try readPlainValues(count: rows * cols, type: type, input: input, key: key))
    }

    /// The bytes of `matrix` as a binary `FM` object including the `\0B` marker.
    /// The 15 bytes before an FM matrix's data: `\0BFM `, then rows and cols as sized int32.
    static func floatMatrixHeader(rows: Int, cols: Int) -> [UInt8] {
        var out: [UInt8] = Array("\0BFM ".utf8)
        appendInt32(Int32(clamping: rows), to: &out)
        appendInt32(Int32(clamping: cols), to: &out)
        return out
    }

    static func encodeFloatMatrix(_ matrix: Matrix) -> [UInt8] {
        var out = floatMatrixHeader(rows: matrix.rows, cols: matrix.cols)
        out.reserveCapacity(15 + matrix.data.count * 4)
        #if _endian(little)
        matrix.data.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
        for v in matrix.data {
            let bits = v.bitPattern
            out.append(UInt8(truncatingIfNeeded: bits))
            out.append(UInt8(truncatingIfNeeded: bits >> 8))
            out.append(UInt8(truncatingIfNeeded: bits >> 16))
            out.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        #endif
        return out
    }

    static func appendInt32(_ value: Int32, to out: inout [UInt8]) {
        let bits = UInt32(bitPattern: value)
        out.append(4)
        out.append(contentsOf: [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                                UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)])
    }
}
