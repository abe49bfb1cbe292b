// SafeTensor: one tensor of a safetensors file (dtype, shape, raw little-endian bytes) and its conversions.
import Tensors

/// Element types of the safetensors format (huggingface/safetensors `Dtype`).
///
/// `CaseIterable` order is the Rust enum's order; Python's `save_file` lays tensors out by
/// descending `rank`, then by name, and `SafeTensorsFile.serialized()` does the same.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Position in the Rust enum (data layout order key).
    var rank: Int { Self.allCases.firstIndex(of: self)! }
}

/// Why a tensor's values cannot be had in the type asked for.
public struct SafeTensorTypeError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// One tensor: dtype, shape and its raw little-endian bytes (`bytes.count == product(shape)·dtype.size`).
public struct SafeTensor: Sendable, Equatable {
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    public var bytes: [UInt8]

    /// Number of elements (product of the shape; 1 for a scalar of shape []).
    public var count: Int { shape.reduce(1, *) }

    /// A tensor over existing bytes; the caller guarantees the size matches.
    public init(dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) * dtype.size == bytes.count,
                     "SafeTensor: \(bytes.count) bytes do not fit shape \(shape) of \(dtype.rawValue)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * MemoryLayout<T>.size)
        for v in values {
            var x = v.littleEndian
            withUnsafeBytes(of: &x) { out.append(contentsOf: $0) }
        }
        return out
    }

    private func values<T: FixedWidthInteger>(_ type: T.Type) -> [T] {
        var out = [T](repeating: 0, count: bytes.count / MemoryLayout<T>.size)
        out.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { dst.copyMemory(from: $0) } }
        return out.map { T(littleEndian: $0) }
    }

    public init(floats: [Float], shape: [Int]) {
        self.init(dtype: .f32, shape: shape, bytes: Self.littleEndianBytes(floats.map { $0.bitPattern }))
    }
    public init(doubles: [Double], shape: [Int]) {
        self.init(dtype: .f64, shape: shape, bytes: Self.littleEndianBytes(doubles.map { $0.bitPattern }))
    }
    public init(int32s: [Int32], shape: [Int]) {
        self.init(dtype: .i32, shape: shape, bytes: Self.littleEndianBytes(int32s))
    }
    public init(int64s: [Int64], shape: [Int]) {
        self.init(dtype: .i64, shape: shape, bytes: Self.littleEndianBytes(int64s))
    }
    /// A 2-D F32 tensor of shape [rows, cols] from a matrix.
    public init(matrix: Matrix) {
        self.init(floats: matrix.data, shape: [matrix.rows, matrix.cols])
    }

    private func mismatch(_ wanted: String) -> SafeTensorTypeError {
        SafeTensorTypeError(message: "tensor of shape \(shape) has dtype \(dtype.rawValue), expected \(wanted)")
    }

    /// The values as Float: F32 as is; F64, F16 and BF16 converted.
    public func floats() throws -> [Float] {
        switch dtype {
        case .f32: return values(UInt32.self).map { Float(bitPattern: $0) }
        case .f64: return values(UInt64.self).map { Float(Double(bitPattern: $0)) }
        case .bf16: return values(UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
        case .f16: return values(UInt16.self).map { Self.halfToFloat($0) }
        default: throw mismatch("F32, F64, F16 or BF16")
        }
    }

    /// The values as Double: F64 as is, F32 widened exactly.
    public func doubles() throws -> [Double] {
        switch dtype {
        case .f64: return values(UInt64.self).map { Double(bitPattern: $0) }
        case .f32, .f16, .bf16: return try floats().map { Double($0) }
        default: throw mismatch("F64 or F32")
        }
    }

    /// The values as Int32: I32 only (narrowing I64 could lose values).
    public func int32s() throws -> [Int32] {
        guard dtype == .i32 else { throw mismatch("I32") }
        return values(Int32.self)
    }

    /// The values as Int64: I64, or I32 widened.
    public func int64s() throws -> [Int64] {
        switch dtype {
        case .i64: return values(Int64.self)
        case .i32: return values(Int32.self).map { Int64($0) }
        default: throw mismatch("I64 or I32")
        }
    }

    /// A 2-D tensor as a matrix (a 1-D tensor as one row), values through `floats()`.
    public func matrix() throws -> Matrix {
        switch shape.count {
        case 2: return Matrix(rows: shape[0], cols: shape[1], data: try floats())
        case 1: return Matrix(rows: 1, cols: shape[0], data: try floats())
        default: throw SafeTensorTypeError(message: "tensor of shape \(shape) is not a matrix (1-D or 2-D expected)")
        }
    }

    /// IEEE 754 binary16 to Float.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F), mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
