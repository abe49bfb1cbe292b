// One closeness helper for all tests: reports the first mismatch and the largest difference.
import Foundation
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

/// Writes `text` (UTF-8) to the file `name` in `dir`; returns the file's path.
public func writeTextFile(_ text: String, _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
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

/// Asserts that two texts are the same but for the last digits of their numbers: the same words in
/// the same places, and every number of `actual` within `absolute + relative·|expected|` of the one
/// in its place in `expected`. For a tool's outputs whose scores come from matrix products that
/// BLAS may sum in another order for another shape (a stream's chunks against a whole utterance):
/// labels, frames and keys must match exactly, scores to rounding.
public func assertSameButForRounding(_ actual: String, _ expected: String, absolute: Double = 1e-4, relative: Double = 1e-5,
                                     _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    // A number: an optional minus, digits, an optional fraction and exponent, not inside a word
    // (the 00 of a key u00 stays part of the text).
    let pattern = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_.])-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?(?![A-Za-z0-9_])"#)
    func split(_ text: String) -> (skeleton: String, numbers: [Double]) {
        let ns = text as NSString
        var skeleton = "", numbers: [Double] = [], at = 0
        for match in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            skeleton += ns.substring(with: NSRange(location: at, length: match.range.location - at)) + "#"
            numbers.append(Double(ns.substring(with: match.range))!)
            at = match.range.location + match.range.length
        }
        return (skeleton + ns.substring(from: at), numbers)
    }
    let a = split(actual), e = split(expected)
    guard a.skeleton == e.skeleton, a.numbers.count == e.numbers.count else {
        XCTFail("the texts differ beyond their numbers:\n\(actual)\nexpected\n\(expected)\n\(message())", file: file, line: line)
        return
    }
    assertClose(a.numbers, e.numbers, absolute: absolute, relative: relative, message(), file: file, line: line)
}
