// Seeded random corruption of every fixture: readers must answer with a record or an InputError, never crash.
import XCTest
import Tensors
import TestSupport
@testable import Formats

final class MutationFuzzTests: XCTestCase {
    /// Corrupts `bytes` one of three ways: overwrite a few bytes, truncate, or insert a byte.
    func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        var b = bytes
        switch Int.random(in: 0..<3, using: &generator) {
        case 0:
            for _ in 0..<Int.random(in: 1...3, using: &generator) where !b.isEmpty {
                b[Int.random(in: 0..<b.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
        case 1:
            b = Array(b.prefix(Int.random(in: 0..<max(b.count, 1), using: &generator)))
        default:
            b.insert(UInt8.random(in: 0...255, using: &generator), at: Int.random(in: 0...b.count, using: &generator))
        }
        return b
    }

    func fuzz(_ files: [String], trials: Int, read: (String) throws -> Void) throws {
        var generator = SeededGenerator(seed: 2026)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var errors = 0, successes = 0, count = 0
        for file in files {
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ReferenceFixtures.path(file))))
            for _ in 0..<trials {
                // A fresh file per mutant: rewriting one file in place is slow on some file systems.
                count += 1
                let path = dir.appendingPathComponent("mutant-\(count)-\(file)").path
                let mutant = mutate(original, &generator)
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
                XCTAssertEqual(mutant.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, mutant.count)
                close(fd)
                do {
                    try read(path)
                    successes += 1
                } catch let error as InputError {
                    XCTAssertTrue(error.description.hasPrefix(path + ": "), error.description)
                    XCTAssertFalse(error.description.contains("\n"), error.description)
                    errors += 1
                }
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the checks.
        XCTAssertGreaterThan(errors, 0)
        XCTAssertGreaterThan(successes, 0)
    }

    func testCorruptArchivesNeverCrash() throws {
        try fuzz(["float.ark", "double.ark", "vector.ark", "cm.ark", "cm2.ark", "cm3.ark", "text.ark"], trials: 80) {
            _ = try ArchiveSummary(path: $0)
        }
    }

    func testCorruptSafetensorsNeverCrash() throws {
        try fuzz(["tensors.safetensors", "model.safetensors"], trials: 150) { path in
            let file = try SafeTensorsFile(contentsOf: path)
            for t in file.tensors.values { _ = try? t.floats(); _ = try? t.int64s() }
            _ = SafeTensorsSummary(name: path, file: file).description
        }
    }
}
