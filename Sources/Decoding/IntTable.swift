// IntTable: an open-addressing hash map from 64-bit keys to 32-bit ids, the decoders' only hash.

/// Packs a (parent id, token) pair into one 64-bit key.
@inlinable
func pairKey(_ parent: Int32, _ token: Int32) -> UInt64 {
    (UInt64(UInt32(bitPattern: parent)) << 32) | UInt64(UInt32(bitPattern: token))
}

/// An open-addressing (linear probing) map UInt64 → Int32 that grows at half load.
///
/// The key `UInt64.max` is reserved as the empty marker. Used for trie children
/// ((parent, token) → child) so that no `String` or array is hashed in a decoder's inner loop.
struct IntTable: Sendable {
    private(set) var keys: [UInt64]
    private(set) var values: [Int32]
    private(set) var count = 0
    private var mask: Int

    static let emptyKey = UInt64.max

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: IntTable.emptyKey, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    /// SplitMix64's finalizer: every key bit reaches the low bits used as the slot index.
    @inlinable static func hash(_ key: UInt64) -> Int {
        var z = key
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }

    /// The value stored for `key`, or −1.
    func get(_ key: UInt64) -> Int32 {
        var i = IntTable.hash(key) & mask
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == IntTable.emptyKey { return -1 }
            i = (i + 1) & mask
        }
    }

    /// Stores `value` for `key` (replacing any earlier value).
    mutating func set(_ key: UInt64, _ value: Int32) {
        if (count + 1) * 2 > keys.count { grow() }
        var i = IntTable.hash(key) & mask
        while true {
            let k = keys[i]
            if k == key { values[i] = value; return }
            if k == IntTable.emptyKey {
                keys[i] = key
                values[i] = value
                count += 1
                return
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = keys.count * 2
        keys = [UInt64](repeating: IntTable.emptyKey, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
        count = 0
        for (i, k) in oldKeys.enumerated() where k != IntTable.emptyKey { set(k, oldValues[i]) }
    }
}
