// Round trips through our safetensors writer and reader, and the atomic write.
import XCTest
import Tensors
import TestSupport
@testable import Formats

final class SafeTensorsRoundTripTests: XCTestCase {
    func sample() -> SafeTensorsFile {
        SafeTensorsFile(tensors: [
            "w": SafeTensor(floats: [1, -2.5, 3, 4, 5, 6], shape: [2, 3]),
            "d": SafeTensor(doubles: [0.1, -1e300], shape: [2]),
            "i": SafeTensor(int32s: [-7, 2_000_000_000], shape: [1, 2]),
            "l": SafeTensor(int64s: [Int64.min, 42, 0], shape: [3]),
            "scalar": SafeTensor(floats: [9], shape: []),
            "empty": SafeTensor(floats: [], shape: [0, 4]),
        ], metadata: ["arch": "lstm", "alphabet": "a b \"c\"\n", "ünï": "✓"])
    }

    func testRoundTripKeepsEverything() throws {
        let path = temporaryDirectory().appendingPathComponent("m.safetensors").path
        try sample().write(to: path)
        let back = try SafeTensorsFile(contentsOf: path)
        XCTAssertEqual(back, sample())
        XCTAssertEqual(try back.tensors["w"]!.floats(), [1, -2.5, 3, 4, 5, 6])
        XCTAssertEqual(try back.tensors["d"]!.doubles(), [0.1, -1e300])
        XCTAssertEqual(try back.tensors["i"]!.int32s(), [-7, 2_000_000_000])
        XCTAssertEqual(try back.tensors["l"]!.int64s(), [Int64.min, 42, 0])
        XCTAssertEqual(try back.tensors["w"]!.matrix(), Matrix([[1, -2.5, 3], [4, 5, 6]]))
        XCTAssertEqual(try back.tensors["d"]!.floats(), [0.1, -.infinity])  // F64 → F32 rounds
    }

    /// `sealed()` adds the metadata checksum (the value computed independently in Python, as in
    /// scripts/reference/make-lstm-fixture.py --check); reading verifies it, so one changed byte of
    /// metadata is refused naming the key, and a file without the key reads as before.
    func testSealedMetadataIsVerifiedOnReading() throws {
        let plain = SafeTensorsFile(tensors: ["w": SafeTensor(floats: [1, 2], shape: [2])], metadata: ["b": "xyz", "a": "1"])
        let sealed = plain.sealed()
        XCTAssertEqual(sealed.metadata[SafeTensorsFile.metadataChecksumKey], "fnv1a64:1a5a30e1ea9fba46")
        XCTAssertEqual(sealed.sealed(), sealed, "sealing twice changes nothing: the key is left out of its own sum")
        XCTAssertEqual(SafeTensorsFile(tensors: plain.tensors).sealed().metadata, [:], "nothing to seal without metadata")

        let dir = temporaryDirectory()
        let good = dir.appendingPathComponent("good.safetensors").path
        try sealed.write(to: good)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: good), sealed)

        // "xyz" → "xyw" in the header: same length, so only the checksum can tell.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        let at = try XCTUnwrap((0..<(bytes.count - 2)).first { bytes[$0] == 0x78 && bytes[$0 + 1] == 0x79 && bytes[$0 + 2] == 0x7A })
        bytes[at + 2] = 0x77
        let damaged = dir.appendingPathComponent("damaged.safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: damaged)) { error in
            XCTAssertEqual("\(error)", "\(damaged): header \"__metadata__\".\"seqlab.metadata_checksum\": metadata checksum "
                           + "\(SafeTensorsFile(tensors: plain.tensors, metadata: ["b": "xyw", "a": "1"]).metadataChecksum()) "
                           + "does not match the stored fnv1a64:1a5a30e1ea9fba46: the file's metadata is damaged")
        }

        let unsealed = dir.appendingPathComponent("unsealed.safetensors").path
        try plain.write(to: unsealed)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: unsealed), plain)
    }

    func testSerializationIsDeterministicAndAligned() throws {
        let a = sample().serialized()
        var other = SafeTensorsFile()
        for (k, v) in sample().tensors.reversed() { other.tensors[k] = v }
        for (k, v) in sample().metadata.reversed() { other.metadata[k] = v }
        XCTAssertEqual(a, other.serialized())
        let headerLength = a[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(a.count, 8 + headerLength + 6 * 4 + 2 * 8 + 2 * 4 + 3 * 8 + 4)
    }

    func testTypeMismatchesAreErrors() throws {
        XCTAssertThrowsError(try SafeTensor(int64s: [1], shape: [1]).floats())
        XCTAssertThrowsError(try SafeTensor(floats: [1], shape: [1]).int32s())
        XCTAssertEqual(try SafeTensor(int32s: [3], shape: [1]).int64s(), [3])
        XCTAssertThrowsError(try SafeTensor(floats: [1], shape: [1, 1, 1]).matrix())
        XCTAssertThrowsError(try sample().tensor("nope", file: "m.safetensors")) {
            XCTAssertTrue("\($0)".hasPrefix("m.safetensors: tensor \"nope\": missing"), "\($0)")
        }
    }

    func testHalfPrecisionConversion() throws {
        // 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), +inf in binary16; 1.0 and -3.5 in bfloat16.
        let half = SafeTensor(dtype: .f16, shape: [5], bytes: [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C])
        XCTAssertEqual(try half.floats(), [1, -2, 65504, Float(sign: .plus, exponent: -24, significand: 1), .infinity])
        let bf = SafeTensor(dtype: .bf16, shape: [2], bytes: [0x80, 0x3F, 0x60, 0xC0])
        XCTAssertEqual(try bf.floats(), [1, -3.5])
    }

    func testAtomicWriteReplacesAndLeavesNoTemporary() throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("c.bin").path
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write([4, 5], to: path)
        XCTAssertEqual(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), [4, 5])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["c.bin"])   // no temporary left
        XCTAssertThrowsError(try AtomicFile.write([1], to: dir.appendingPathComponent("no/such/dir/x").path)) {
            XCTAssertTrue("\($0)".contains("no/such/dir/x: cannot create a temporary file beside it"), "\($0)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o644)
        // A bare file name is relative to the working directory.
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        try AtomicFile.write([7], to: "bare.bin")
        XCTAssertEqual(try [UInt8](Data(contentsOf: dir.appendingPathComponent("bare.bin"))), [7])
    }
}
