// The built binary through real processes: stdout, stderr and exit codes.
import XCTest
import TestSupport

final class CommandLineTests: XCTestCase {
    func testVersionAndHelp() throws {
        let version = try runSeqlab(["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertEqual(version.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
        let help = try runSeqlab(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdoutText.contains("USAGE: seqlab"), help.stdoutText)
    }

    func testUnknownSubcommandFailsWithMessage() throws {
        let r = try runSeqlab(["no-such-stage"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdoutText, "")
        XCTAssertTrue(r.stderr.contains("no-such-stage"), r.stderr)
    }
}
