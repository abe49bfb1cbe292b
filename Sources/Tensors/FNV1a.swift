// FNV1a64: the 64-bit FNV-1a hash, for model checksums, data fingerprints and keys mixed into seeds.

/// FNV-1a, 64 bits (Fowler, Noll, Vo): from h = 14695981039346656037, each byte (or word) x gives
/// h ← (h ⊕ x) · 1099511628211 (mod 2^64). Stable across platforms and fast; not cryptographic.
public struct FNV1a64: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    @inline(__always) public mutating func add(byte: UInt8) { add(word: UInt64(byte)) }

    /// Mixes a whole 64-bit word in one step (faster than its bytes; a different hash from them).
    @inline(__always) public mutating func add(word: UInt64) { value = (value ^ word) &* 0x0000_0100_0000_01B3 }

    /// Mixes the UTF-8 bytes of `string`.
    public mutating func add(utf8 string: String) { for b in string.utf8 { add(byte: b) } }

    /// The hash of `string`'s UTF-8 bytes.
    public static func hash(_ string: String) -> UInt64 {
        var h = FNV1a64()
        h.add(utf8: string)
        return h.value
    }

    /// The value as 16 lowercase hexadecimal digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
