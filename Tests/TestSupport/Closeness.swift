// One closeness helper for all tests: reports the first mismatch and the largest difference.
import XCTest
import Tensors

/// Asserts that `actual` and `expected` agree elementwise within `absolute + relative·|expected|`.
///
/// On failure it names the first mismatching index, both values, and the largest difference,
/// and reports at the caller's file and line. Tolerances are the caller's to choose and explain.
public func assertClose<A: Collection, B: Collection>(
    _ actual: A, _ expected: B, absolute: Double = 1e-5, relative: Double = 0,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    let a = actual.map { Double($0) }, e = expected.map { Double($0) }
    guard a.count == e.count else {
        XCTFail("count \(a.count) ≠ expected \(e.count). \(message())", file: file, line: line)
        return
    }
    var firstBad: Int?
    var largest = 0.0, largestAt = 0
    for i in 0..<a.count {
        let d = abs(a[i] - e[i])
        let ok = d <= absolute + relative * abs(e[i]) || (a[i].isNaN == false && a[i] == e[i])
        if !ok && firstBad == nil { firstBad = i }
        if d.isNaN || d > largest { largest = d.isNaN ? .infinity : d; largestAt = i }
    }
    if let i = firstBad {
        XCTFail("first mismatch at index \(i): \(a[i]) vs expected \(e[i]); largest difference \(largest) at index \(largestAt) (abs tol \(absolute), rel tol \(relative)). \(message())",
                file: file, line: line)
    }
}

/// Matrix form of `assertClose`: shapes must match too.
public func assertClose(_ actual: Matrix, _ expected: Matrix, absolute: Double = 1e-5, relative: Double = 0,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard actual.rows == expected.rows, actual.cols == expected.cols else {
        XCTFail("shape \(actual.rows)×\(actual.cols) ≠ expected \(expected.rows)×\(expected.cols). \(message())", file: file, line: line)
        return
    }
    assertClose(actual.data, expected.data, absolute: absolute, relative: relative, message(), file: file, line: line)
}

/// The package root (two folders above this file's `Tests/TestSupport`).
public let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `../shared/data` beside the package root, or nil (tests that need it skip) when absent.
public func sharedDataDirectory() -> URL? {
    let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}

/// A fresh temporary directory for one test, removed with everything in it when the test
/// process exits (tests that fail keep nothing around either; their messages name the values).
public func temporaryDirectory(_ name: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("seqlab-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    TemporaryDirectories.shared.register(url)
    return url
}

/// The directories `temporaryDirectory` made, removed by an exit handler.
private final class TemporaryDirectories: @unchecked Sendable {
    static let shared = TemporaryDirectories()
    private let lock = NSLock()
    private var urls: [URL] = []

    private init() {
        atexit { TemporaryDirectories.shared.removeAll() }
    }

    func register(_ url: URL) {
        lock.lock(); defer { lock.unlock() }
        urls.append(url)
    }

    func removeAll() {
        lock.lock(); defer { lock.unlock() }
        for url in urls { try? FileManager.default.removeItem(at: url) }
        urls.removeAll()
    }
}
