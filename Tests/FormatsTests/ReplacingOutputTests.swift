// Archives, scps and text files are written whole or not at all: a temporary file renamed on close.
import Foundation
import XCTest
@testable import Formats
import Tensors
import TestSupport

final class ReplacingOutputTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func contents(_ name: String) -> String? {
        FileManager.default.contents(atPath: path(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Names in the folder other than the given ones (temporary files left behind).
    func others(than names: Set<String>) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !names.contains($0) }.sorted()
    }

    func testTheTargetChangesOnlyWhenTheArchiveIsClosed() throws {
        try Data("old".utf8).write(to: URL(fileURLWithPath: path("a.ark")))
        XCTAssertEqual(chmod(path("a.ark"), 0o600), 0)
        let writer = try KaldiArchiveWriter(path: "ark,scp:\(path("a.ark")),\(path("a.scp"))")
        try writer.write(key: "u1", matrix: Matrix(rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6]))
        try writer.flush()
        // Written so far: only the temporary files, the old archive and no scp under the final names.
        XCTAssertEqual(contents("a.ark"), "old")
        XCTAssertNil(contents("a.scp"))
        let pending = try others(than: ["a.ark"])
        XCTAssertEqual(pending.count, 2, "\(pending)")
        XCTAssertTrue(pending.allSatisfy { $0.hasPrefix(".a.ark.tmp-") || $0.hasPrefix(".a.scp.tmp-") }, "\(pending)")
        try writer.close()
        XCTAssertEqual(try others(than: ["a.ark", "a.scp"]), [])
        XCTAssertEqual(try KaldiArchiveReader(path: path("a.ark")).readAll().map(\.key), ["u1"])
        XCTAssertEqual(try KaldiArchiveReader(path: "scp:\(path("a.scp"))").readAll().map(\.matrix.data), [[1, 2, 3, 4, 5, 6]])
        // The replaced file keeps the old one's permissions; a new file gets 0644.
        let attributes = try FileManager.default.attributesOfItem(atPath: path("a.ark"))
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let scpMode = try FileManager.default.attributesOfItem(atPath: path("a.scp"))[.posixPermissions] as? NSNumber
        XCTAssertEqual(scpMode?.intValue, 0o644)
    }

    func testAnOutputDroppedWithoutCloseLeavesTheOldFileAndNoTemporary() throws {
        try Data("old".utf8).write(to: URL(fileURLWithPath: path("a.ark")))
        do {
            let writer = try KaldiArchiveWriter(path: path("a.ark"))
            try writer.write(key: "u1", matrix: Matrix(rows: 1, cols: 1, data: [1]))
            try writer.flush()
        }
        XCTAssertEqual(contents("a.ark"), "old")
        XCTAssertEqual(try others(than: ["a.ark"]), [])
    }

    func testAFailedTextWriteKeepsTheOldFile() throws {
        try KaldiText.write([("u1", ["a", "b"])], to: path("text"))
        XCTAssertThrowsError(try KaldiText.write([("u2", ["c"]), ("bad key", ["d"])], to: path("text"))) { error in
            XCTAssertEqual((error as? InputError)?.place, "line 2", "\(error)")
        }
        XCTAssertEqual(contents("text"), "u1 a b\n")
        XCTAssertEqual(try others(than: ["text"]), [])
    }

    /// Devices and pipes are written in place (a rename would replace /dev/null with a file).
    func testDevicesAreWrittenInPlace() throws {
        let writer = try KaldiArchiveWriter(path: "/dev/null")
        try writer.write(key: "u1", matrix: Matrix(rows: 1, cols: 1, data: [1]))
        try writer.close()
        var info = stat()
        XCTAssertEqual(stat("/dev/null", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "/dev/null is still a character device")
    }

    /// AtomicFile (models, ARPA files, configs, SVGs) replaces only regular files: a FIFO a reader
    /// waits on gets the bytes in place and stays a FIFO, and a symbolic link stays a link with its
    /// target replaced; a regular file is replaced whole.
    func testAtomicWritesKeepFIFOsAndLinks() throws {
        try AtomicFile.write(Array("old\n".utf8), to: path("target"))
        XCTAssertEqual(symlink(path("target"), path("link")), 0)
        try AtomicFile.write(Array("new\n".utf8), to: path("link"))
        var info = stat()
        XCTAssertEqual(lstat(path("link"), &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK, "the link is still a link")
        XCTAssertEqual(contents("target"), "new\n")

        XCTAssertEqual(mkfifo(path("fifo"), 0o600), 0)
        let received = LockedBox(Data()), fifo = path("fifo")
        let reader = Thread {
            let handle = FileHandle(forReadingAtPath: fifo)!
            received.set(handle.readDataToEndOfFile())
        }
        reader.start()
        try AtomicFile.write(Array("through the pipe\n".utf8), to: path("fifo"))
        let deadline = Date().addingTimeInterval(10)
        while received.get().isEmpty && Date() < deadline { usleep(1_000) }
        XCTAssertEqual(String(decoding: received.get(), as: UTF8.self), "through the pipe\n")
        XCTAssertEqual(lstat(path("fifo"), &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the FIFO is still a FIFO")
    }

    func testLeftoversOfAKilledWriterAreRemovedByName() throws {
        for name in [".a.ark.tmp-AbC123", ".a.scp.tmp-x1y2z3", ".a.ark.tmp-toolong1", ".b.ark.tmp-AbC123", "a.ark"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: path(name)))
        }
        let removed = KaldiArchiveWriter.removeLeftovers(of: "ark,scp:\(path("a.ark")),\(path("a.scp"))")
        XCTAssertEqual(removed, [path(".a.ark.tmp-AbC123"), path(".a.scp.tmp-x1y2z3")])
        XCTAssertEqual(try others(than: []), [".a.ark.tmp-toolong1", ".b.ark.tmp-AbC123", "a.ark"])
        XCTAssertEqual(KaldiArchiveWriter.removeLeftovers(of: "-"), [])
    }
}

/// A value shared between a test and a thread it starts.
private final class LockedBox<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
}
