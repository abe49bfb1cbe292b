// The executables built beside seqlab (esn-classify, influence-demo), and how their usage errors look.
import XCTest
import TestSupport

/// The executable `name` beside the built seqlab; the test is skipped when it is not built.
func builtTool(_ name: String) throws -> URL {
    let url = seqlabBinary().deletingLastPathComponent().appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: url.path) else { throw XCTSkip("\(name) is not built (swift build --product \(name))") }
    return url
}

/// A command line `tool` cannot use: exit status 64, nothing on stdout, and one line on stderr
/// "TOOL: …MESSAGE… (TOOL --help shows the options)".
func assertUsageError(_ r: ProcessResult, tool: String, contains message: String, _ arguments: [String],
                      file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stdoutText, "", "\(arguments)", file: file, line: line)
    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)", file: file, line: line)
    XCTAssertTrue(r.stderr.hasPrefix("\(tool): ") && r.stderr.contains(message)
                  && r.stderr.hasSuffix(" (\(tool) --help shows the options)\n"), "\(arguments): \(r.stderr)", file: file, line: line)
}
