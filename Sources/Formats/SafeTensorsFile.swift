// SafeTensorsFile: read, validate, serialize and atomically write safetensors files.
import Tensors

/// A safetensors file (huggingface/safetensors, format spec in its README):
///
///     8 bytes   N, unsigned little-endian header length
///     N bytes   JSON: {"__metadata__": {str: str}, NAME: {"dtype": D, "shape": [..], "data_offsets": [begin, end]}, …}
///               padded with spaces
///     rest      the data buffer; tensor bytes are data[begin..<end], little-endian, row-major
///
/// Reading validates everything before use: the header length against the file size, the JSON,
/// each dtype and shape, that `end − begin` equals the shape's byte size, and that the tensors
/// tile the data buffer exactly (no overlap, no gap, nothing out of range), as the reference
/// implementation requires. Problems are `InputError`s naming the file and the byte or tensor.
public struct SafeTensorsFile: Sendable, Equatable {
    public var tensors: [String: SafeTensor]
    public var metadata: [String: String]

    /// The largest header accepted (the reference implementation's limit, 100 MB).
    static let maxHeaderLength = 100_000_000

    public init(tensors: [String: SafeTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads and validates the file at `path`.
    public init(contentsOf path: String) throws {
        let input = try ByteInput(path: path)
        let name = input.name
        guard input.fileSize != nil else {
            throw InputError(file: name, "safetensors files must be read from a regular file, not a pipe")
        }
        guard let lengthBytes = try input.readBytes(8) else {
            throw InputError(file: name, place: "byte 0", "file shorter than the 8-byte header length; not a safetensors file")
        }
        let length = lengthBytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        if let left = input.remainingInFile, length > UInt64(left) {
            throw InputError(file: name, place: "byte 0",
                             "header length \(length) exceeds the \(left) bytes after it (truncated, or not a safetensors file)")
        }
        guard length <= UInt64(Self.maxHeaderLength) else {
            throw InputError(file: name, place: "byte 0", "header length \(length) exceeds the \(Self.maxHeaderLength)-byte limit; not a safetensors file")
        }
        guard let header = try input.readBytes(Int(length)) else {
            throw InputError(file: name, place: "byte \(input.offset)", "file ends inside the \(length)-byte JSON header")
        }
        guard header.first == UInt8(ascii: "{") else {
            throw InputError(file: name, place: "byte 8", "header does not start with \"{\"; not a safetensors file")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(header) } catch let e as JSONSyntaxError {
            throw InputError(file: name, place: "byte \(8 + e.offset)", "invalid JSON header: \(e.message)")
        }
        guard case .object(let members) = json else {
            throw InputError(file: name, place: "byte 8", "JSON header is \(json.kindName), expected an object")
        }
        let dataStart = 8 + Int(length)
        var entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int)] = []
        var metadata: [String: String] = [:]
        for (key, value) in members {
            if key == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw InputError(file: name, place: "header \"__metadata__\"", "is \(value.kindName), expected an object of strings")
                }
                for (k, v) in pairs {
                    guard case .string(let s) = v else {
                        throw InputError(file: name, place: "header \"__metadata__\".\"\(k)\"", "is \(v.kindName), expected a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries.append(try Self.parseEntry(key, value, file: name))
        }
        // Offsets must tile the data buffer: sorted by begin, each starts where the previous ended.
        let dataSize = input.remainingInFile ?? 0
        var position = 0
        for e in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard e.end <= dataSize else {
                throw InputError(file: name, place: "tensor \"\(e.name)\"",
                                 "data_offsets [\(e.begin), \(e.end)] run past the \(dataSize)-byte data buffer (file truncated?)")
            }
            guard e.begin == position else {
                let what = e.begin < position ? "overlap the previous tensor, which ends at \(position)" : "leave a gap after byte \(position)"
                throw InputError(file: name, place: "tensor \"\(e.name)\"", "data_offsets [\(e.begin), \(e.end)] \(what)")
            }
            position = e.end
        }
        guard position == dataSize else {
            throw InputError(file: name, place: "byte \(dataStart + position)",
                             "\(dataSize - position) bytes after the last tensor's data; tensors must cover the data buffer exactly")
        }
        var data = [UInt8](repeating: 0, count: dataSize)
        let got = try data.withUnsafeMutableBytes { try input.read(into: $0) }
        guard got == dataSize else {
            throw InputError(file: name, place: "byte \(dataStart + got)", "file ends inside the data buffer")
        }
        var tensors: [String: SafeTensor] = [:]
        for e in entries {
            tensors[e.name] = SafeTensor(dtype: e.dtype, shape: e.shape, bytes: Array(data[e.begin..<e.end]))
        }
        self.init(tensors: tensors, metadata: metadata)
        if let stored = metadata[Self.metadataChecksumKey] {
            let actual = self.metadataChecksum()
            guard stored == actual else {
                throw InputError(file: name, place: "header \"__metadata__\".\"\(Self.metadataChecksumKey)\"",
                                 "metadata checksum \(actual) does not match the stored \(stored.prefix(40)): the file's metadata is damaged")
            }
        }
    }

    /// The metadata key of `metadataChecksum()`, which `sealed()` adds and reading verifies.
    public static let metadataChecksumKey = "seqlab.metadata_checksum"

    /// FNV-1a 64 over the metadata entries in bytewise key order, leaving out
    /// `seqlab.metadata_checksum` itself: each key's UTF-8 bytes, a 0 byte, its value's UTF-8
    /// bytes, a 0 byte; as `fnv1a64:` + 16 hex digits. The tensors have their own checksum in
    /// seqlab's model files (docs/MODEL.md); this one covers what says how to read them (the
    /// architecture, the alphabet, the front end).
    public func metadataChecksum() -> String {
        var hash = FNV1a64()
        for key in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where key != Self.metadataChecksumKey {
            hash.add(utf8: key)
            hash.add(byte: 0)
            hash.add(utf8: metadata[key]!)
            hash.add(byte: 0)
        }
        return "fnv1a64:" + hash.hex
    }

    /// The file with `seqlab.metadata_checksum` set over its metadata (a file without metadata
    /// is returned as it is). Reading a file verifies the key when it is there; files written
    /// without it, by seqlab before it had the key or by other programs, read as before.
    public func sealed() -> SafeTensorsFile {
        guard !metadata.isEmpty else { return self }
        var file = self
        file.metadata[Self.metadataChecksumKey] = metadataChecksum()
        return file
    }

    private static func parseEntry(_ tensor: String, _ value: JSONValue, file: String) throws
        -> (name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int) {
        let place = "tensor \"\(tensor)\""
        guard case .object(let fields) = value else {
            throw InputError(file: file, place: place, "header entry is \(value.kindName), expected {dtype, shape, data_offsets}")
        }
        func field(_ k: String) throws -> JSONValue {
            guard let v = fields.first(where: { $0.key == k })?.value else {
                throw InputError(file: file, place: place, "header entry lacks \"\(k)\"")
            }
            return v
        }
        func integers(_ k: String) throws -> [Int] {
            guard case .array(let items) = try field(k) else { throw InputError(file: file, place: place, "\"\(k)\" is not an array") }
            return try items.map {
                guard case .number(let text) = $0, let n = Int(text), n >= 0 else {
                    throw InputError(file: file, place: place, "\"\(k)\" holds \($0.kindName == "a number" ? "a value that is not a non-negative integer" : $0.kindName); expected non-negative integers")
                }
                return n
            }
        }
        guard case .string(let dtypeName) = try field("dtype") else {
            throw InputError(file: file, place: place, "\"dtype\" is not a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw InputError(file: file, place: place, "unknown dtype \"\(dtypeName)\"; expected one of \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let shape = try integers("shape")
        let offsets = try integers("data_offsets")
        guard offsets.count == 2, offsets[0] <= offsets[1] else {
            throw InputError(file: file, place: place, "data_offsets \(offsets) must be [begin, end] with begin ≤ end")
        }
        var bytes = dtype.size
        for d in shape {
            let (p, overflow) = bytes.multipliedReportingOverflow(by: d)
            guard !overflow else { throw InputError(file: file, place: place, "shape \(shape) is impossibly large") }
            bytes = p
        }
        guard offsets[1] - offsets[0] == bytes else {
            throw InputError(file: file, place: place,
                             "shape \(shape) of \(dtypeName) needs \(bytes) bytes but data_offsets [\(offsets[0]), \(offsets[1])] give \(offsets[1] - offsets[0])")
        }
        return (tensor, dtype, shape, offsets[0], offsets[1])
    }

    /// Tensor names in data layout order: descending dtype rank, then name (bytewise), as Python's
    /// `safetensors.save_file` lays them out.
    var layoutOrder: [String] {
        tensors.keys.sorted { a, b in
            let ra = tensors[a]!.dtype.rank, rb = tensors[b]!.dtype.rank
            if ra != rb { return ra > rb }
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
    }

    /// The file's bytes. Deterministic: metadata keys sorted bytewise, tensors in `layoutOrder`,
    /// header padded with spaces to a multiple of 8, so equal content gives equal bytes. Without
    /// metadata, or with one metadata key, this equals Python's `save_file` output byte for byte
    /// (Python writes metadata from a hash map, so its key order varies from run to run).
    public func serialized() -> [UInt8] {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            parts.append("\"__metadata__\":{" + keys.map { jsonQuoted($0) + ":" + jsonQuoted(metadata[$0]!) }.joined(separator: ",") + "}")
        }
        var offset = 0
        let order = layoutOrder
        for name in order {
            let t = tensors[name]!
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append(jsonQuoted(name) + ":{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}")
            offset += t.bytes.count
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + offset)
        let n = UInt64(headerBytes.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        out.append(contentsOf: headerBytes)
        for name in order { out.append(contentsOf: tensors[name]!.bytes) }
        return out
    }

    /// Writes `serialized()` atomically (see `AtomicFile`).
    public func write(to path: String) throws {
        try AtomicFile.write(serialized(), to: path)
    }

    /// The tensor called `name`, or an error naming the file and listing what is there.
    public func tensor(_ name: String, file: String = "safetensors") throws -> SafeTensor {
        guard let t = tensors[name] else {
            let known = layoutOrder.prefix(8).joined(separator: ", ")
            throw InputError(file: file, place: "tensor \"\(name)\"", "missing (the file has: \(known)\(tensors.count > 8 ? ", …" : ""))")
        }
        return t
    }
}
