// Every command's help, found through the SUBCOMMANDS sections: its discussion fits 80 columns.
import XCTest
import TestSupport

final class HelpTextTests: XCTestCase {
    /// `seqlab --help` and every subcommand's, at COLUMNS=80 and COLUMNS=1000: the text before
    /// USAGE comes out the same, so no discussion line is wider than the terminal (swift-argument-parser
    /// wraps each hand-broken line on its own, leaving ragged fragments).
    ///
    /// The OVERVIEW paragraph (the one-line abstract, also shown in the parent's SUBCOMMANDS list)
    /// may wrap at 80 columns; it must only join back to the one line of the wide rendering.
    func testHelpTextIsTheSameAt80And1000Columns() throws {
        var pending: [[String]] = [[]]
        var checked: [String] = []
        while !pending.isEmpty {
            let command = pending.removeFirst()
            let name = (["seqlab"] + command + ["--help"]).joined(separator: " ")
            let narrow = try helpText(command, columns: 80), wide = try helpText(command, columns: 1000)
            checked.append(name)

            let (narrowOverview, narrowRest) = overviewAndRest(narrow)
            let (wideOverview, wideRest) = overviewAndRest(wide)
            XCTAssertEqual(narrowOverview.joined(separator: " "), wideOverview.joined(separator: " "),
                           "\(name): the OVERVIEW paragraph differs beyond its wrapping")
            if let i = (0..<max(narrowRest.count, wideRest.count)).first(where: {
                $0 >= narrowRest.count || $0 >= wideRest.count || narrowRest[$0] != wideRest[$0]
            }) {
                let atNarrow = i < narrowRest.count ? "\"\(narrowRest[i])\"" : "(nothing)"
                let atWide = i < wideRest.count ? "\"\(wideRest[i])\" (\(wideRest[i].count) characters)" : "(nothing)"
                XCTFail("\(name): the discussion wraps differently at 80 columns; its first differing line "
                        + "reads \(atNarrow) at 80 columns and \(atWide) at 1000")
            }

            // An option states its default once: a default in its help text and swift-argument-parser's
            // own "(default: N)" after it read twice (and N would be this machine's core count).
            for line in wide.all where line.range(of: #"\(default: [^)]*\)\.? \(default:"#, options: .regularExpression) != nil {
                XCTFail("\(name): a default stated twice: \(line)")
            }
            for sub in subcommands(wide) { pending.append(command + [sub]) }
        }
        let train = try helpText(["train"], columns: 1000).all
        XCTAssertTrue(train.contains { $0.contains("hold out every n-th training utterance") && $0.hasSuffix("0: none). (default: 0.1)") },
                      train.joined(separator: "\n"))
        XCTAssertTrue(train.contains { $0.contains("--threads") && $0.hasSuffix("Threads (default: all cores).") }, train.joined(separator: "\n"))
        // The root, extract, grid, lm and plot have subcommands; a parse that found none would check only one.
        XCTAssertGreaterThan(checked.count, 20, checked.joined(separator: "\n"))
        XCTAssertTrue(checked.contains("seqlab extract strokes --help"), checked.joined(separator: "\n"))
    }

    /// The help output's lines before the USAGE line, at `columns` columns.
    private func helpText(_ command: [String], columns: Int) throws -> (lines: [String], all: [String]) {
        let r = try runSeqlab(command + ["--help"], environment: ["COLUMNS": String(columns)])
        XCTAssertEqual(r.status, 0, "seqlab \(command.joined(separator: " ")) --help: \(r.stderr)")
        let all = r.stdoutText.components(separatedBy: "\n")
        let usage = all.firstIndex(where: { $0.hasPrefix("USAGE:") }) ?? all.count
        XCTAssertLessThan(usage, all.count, "seqlab \(command.joined(separator: " ")) --help has no USAGE line")
        return (Array(all[..<usage]), all)
    }

    /// The OVERVIEW paragraph's lines (up to the first empty line), and the lines after it.
    private func overviewAndRest(_ text: (lines: [String], all: [String])) -> ([String], [String]) {
        let lines = text.lines
        let end = lines.firstIndex(of: "") ?? lines.count
        return (Array(lines[..<end]), Array(lines[end...]))
    }

    /// The names in the SUBCOMMANDS section: its lines that start with two spaces and a name, up to
    /// the section's first empty line (continuation lines of an abstract are indented further).
    private func subcommands(_ text: (lines: [String], all: [String])) -> [String] {
        guard let start = text.all.firstIndex(of: "SUBCOMMANDS:") else { return [] }
        var names: [String] = []
        for line in text.all[(start + 1)...] {
            if line.isEmpty { break }
            guard line.hasPrefix("  "), let first = line.dropFirst(2).first, first != " " else { continue }
            names.append(String(line.dropFirst(2).prefix(while: { $0 != " " })))
        }
        return names
    }
}
