// The bash completion script (`seqlab --generate-completion-script bash`), loaded in bash: it
// completes subcommands, option values and the paths of file arguments and options.
import Foundation
import TestSupport
import XCTest

final class CompletionScriptTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// What bash offers for `line` (the cursor at its end), run in `dir` with the generated script
    /// loaded as a user's shell loads it; one completion a line.
    func complete(_ lines: [String]) throws -> [String: [String]] {
        let script = try runSeqlab(["--generate-completion-script", "bash"])
        XCTAssertEqual(script.status, 0, script.stderr)
        let scriptPath = dir.appendingPathComponent("seqlab.bash")
        try script.stdout.write(to: scriptPath)
        var driver = "source '\(scriptPath.path)' || exit 3\ncomplete -p seqlab || exit 4\n"
        for line in lines {
            driver += """
                COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$COMP_LINE"
                [[ "$COMP_LINE" == *' ' ]] && COMP_WORDS+=('')
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
                _seqlab seqlab "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                printf '>%s\\n' '\(line)'; printf '%s\\n' "${COMPREPLY[@]}"

                """
        }
        let r = try runProgram(URL(fileURLWithPath: "/bin/bash"), ["-c", driver], currentDirectory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        var offers: [String: [String]] = [:]
        var current: String?
        for line in r.stdoutText.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(">") { current = String(line.dropFirst()); offers[current!] = [] }
            else if let current, !line.isEmpty { offers[current]!.append(String(line)) }
        }
        XCTAssertTrue(r.stdoutText.hasPrefix("complete -o filenames -F _seqlab seqlab\n"), r.stdoutText)
        return offers
    }

    /// Subcommands and option values complete; so do the paths of file arguments and options, which
    /// used to complete to nothing (no completion kind was declared, and bash offers no fallback).
    func testBashCompletesSubcommandsAndFiles() throws {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("maps"), withIntermediateDirectories: true)
        for name in ["maps/maze.grid", "digits.safetensors", "feats.ark"] {
            try Data("x".utf8).write(to: dir.appendingPathComponent(name))
        }
        let offers = try complete([
            "seqlab gr", "seqlab grid so", "seqlab decode --format ",
            "seqlab grid solve maps/ma", "seqlab decode -m dig", "seqlab train --feats fe",
            "seqlab inspect di", "seqlab train --epoch-models ma",
        ])
        XCTAssertEqual(offers["seqlab gr"], ["grid"])
        XCTAssertEqual(offers["seqlab grid so"], ["solve"])
        XCTAssertEqual(offers["seqlab decode --format "], ["text", "jsonl", "ctm"])
        XCTAssertEqual(offers["seqlab grid solve maps/ma"], ["maps/maze.grid"])
        XCTAssertEqual(offers["seqlab decode -m dig"], ["digits.safetensors"])
        XCTAssertEqual(offers["seqlab train --feats fe"], ["feats.ark"])
        XCTAssertEqual(offers["seqlab inspect di"], ["digits.safetensors"])
        XCTAssertEqual(offers["seqlab train --epoch-models ma"], ["maps"])
    }
}
