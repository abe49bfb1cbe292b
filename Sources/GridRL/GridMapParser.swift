// GridMapParser: reads the grid-map text format (docs/FORMATS.md) with line-and-column errors.
import Foundation
import Formats
import Tensors

/// A grid with more cells than a reader allowed (`GridMap(parsing:…maxCells:)`): its size.
public struct GridMapTooLarge: Error, Equatable {
    public let rows: Int, cols: Int
}

extension GridMap {
    /// Parses a grid map from its text (the format of docs/FORMATS.md, "Grid maps").
    ///
    /// `file` names the source in errors, which read `FILE: line L, column C: what was expected`.
    /// With `requireReachableTerminal` (for solving or learning the map), a map in which no
    /// terminal can be reached from the start is an error naming the start's line and column.
    /// With `requireDefinedUtilities` as well (for computing utilities), a map with discount 1 is
    /// an error if some open cell cannot reach a terminal by any moves (its utility would be a sum
    /// of rewards that never ends), naming the first such cell's line and column.
    /// With `maxCells`, a grid of more cells (its first row's cells times its rows, counted ahead)
    /// is a `GridMapTooLarge` error, thrown before the cells are read.
    public init(parsing text: String, file: String = "<map>", requireReachableTerminal: Bool = false,
                requireDefinedUtilities: Bool = false, maxCells: Int? = nil) throws {
        var name = ""
        var discount = 1.0, intended = 1.0, defaultReward = 0.0, defaultCliff = -100.0
        var seenKeys: Set<String> = []
        var inGrid = false
        var cells: [GridCell] = []
        var cols = -1, rows = 0
        var rowLines: [Int] = []   // the line of each grid row
        var start: Int?, startPlace = ""
        var terminals = 0

        func fail(_ line: Int, _ column: Int, _ message: String) -> InputError {
            InputError(file: file, place: "line \(line), column \(column)", message)
        }
        func number(_ s: Substring, _ line: Int, _ column: Int, _ what: String) throws -> Double {
            guard let v = GridMap.decimalNumber(s) else {
                throw fail(line, column, "expected \(what) (a finite decimal number), found '\(InputError.quoted(s))'")
            }
            return v
        }

        var lineNumber = 0, gridLine = 0, lastContentLine = 1
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text  // a UTF-8 byte-order mark
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for rawLine in lines {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if let semicolon = line.firstIndex(of: ";") { line = line[..<semicolon] }
            // Tokens with their 1-based columns (in characters).
            var tokens: [(text: Substring, column: Int)] = []
            var column = 1, tokenStart: String.Index?, tokenColumn = 0
            for i in line.indices {
                // Control characters (a lone CR, U+001F, …) are nowhere in the format; in a name
                // they would not survive being written back (a CR before the newline ends the line).
                if let scalar = line[i].unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
                    throw fail(lineNumber, column, "unexpected control character U+\(String(format: "%04X", scalar.value)); expected printable text")
                }
                if line[i] == " " || line[i] == "\t" {
                    if let s = tokenStart { tokens.append((line[s..<i], tokenColumn)); tokenStart = nil }
                } else if tokenStart == nil {
                    tokenStart = i; tokenColumn = column
                }
                column += 1
            }
            if let s = tokenStart { tokens.append((line[s...], tokenColumn)) }
            if tokens.isEmpty { continue }
            lastContentLine = lineNumber

            if !inGrid {
                let key = String(tokens[0].text)
                if key == "grid" {
                    guard tokens.count == 1 else { throw fail(lineNumber, tokens[1].column, "expected nothing after 'grid'") }
                    inGrid = true
                    gridLine = lineNumber
                    continue
                }
                guard ["name", "discount", "transition", "reward", "cliff"].contains(key) else {
                    throw fail(lineNumber, tokens[0].column,
                               "unknown key '\(InputError.quoted(key))': expected name, discount, transition, reward, cliff or grid")
                }
                guard !seenKeys.contains(key) else { throw fail(lineNumber, tokens[0].column, "'\(key)' given twice") }
                seenKeys.insert(key)
                if key == "name" {
                    name = tokens.dropFirst().map { String($0.text) }.joined(separator: " ")
                    continue
                }
                guard tokens.count == 2 else {
                    throw fail(lineNumber, tokens.count < 2 ? tokens[0].column + key.count : tokens[2].column,
                               "expected one number after '\(key)'")
                }
                let v = try number(tokens[1].text, lineNumber, tokens[1].column, "the value of '\(key)'")
                switch key {
                case "discount":
                    guard v > 0, v <= 1 else { throw fail(lineNumber, tokens[1].column, "discount must be in (0, 1], found \(v)") }
                    discount = v
                case "transition":
                    guard v >= 0, v <= 1 else { throw fail(lineNumber, tokens[1].column, "transition probability must be in [0, 1], found \(v)") }
                    intended = v
                case "reward": defaultReward = v
                default: defaultCliff = v
                }
                continue
            }

            // A grid row; a header line here was meant for above 'grid'.
            let first = String(tokens[0].text)
            if ["name", "discount", "transition", "reward", "cliff", "grid"].contains(first) {
                throw fail(lineNumber, tokens[0].column, first == "grid" ? "'grid' given twice (the first is on line \(gridLine))"
                           : "header key '\(first)' after the grid (header lines go before 'grid', on line \(gridLine))")
            }
            if cols < 0 {
                cols = tokens.count
                if let maxCells {
                    // Every later line with content is a row (or an error found when it is read).
                    let rowsAhead = lines[lineNumber...].reduce(1) { n, l in
                        n + (l.utf8.first { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\r") }
                             .map { $0 != UInt8(ascii: ";") } == true ? 1 : 0)
                    }
                    if rowsAhead * cols > maxCells { throw GridMapTooLarge(rows: rowsAhead, cols: cols) }
                }
            }
            guard tokens.count == cols else {
                throw fail(lineNumber, tokens.count > cols ? tokens[cols].column : (tokens.last!.column + tokens.last!.text.count),
                           "row has \(tokens.count) cells, expected \(cols) like the first row")
            }
            for (token, column) in tokens {
                let index = cells.count
                let head = token.first!, rest = token.dropFirst()
                switch head {
                case ".":
                    guard rest.isEmpty else { throw fail(lineNumber, column, "expected '.', found '\(InputError.quoted(token))'") }
                    cells.append(.open(reward: defaultReward))
                case "#":
                    guard rest.isEmpty else { throw fail(lineNumber, column, "expected '#', found '\(InputError.quoted(token))'") }
                    cells.append(.wall)
                case "S":
                    if let start { let p = GridMap.positionText(start, cols)
                        throw fail(lineNumber, column, "a second start cell; the first is at \(p) (\(startPlace))") }
                    start = index
                    startPlace = "line \(lineNumber), column \(column)"
                    cells.append(.open(reward: rest.isEmpty ? defaultReward : try number(rest, lineNumber, column + 1, "the start cell's reward")))
                case "T":
                    guard !rest.isEmpty else { throw fail(lineNumber, column, "expected a reward after 'T' (like T+1 or T-10)") }
                    cells.append(.terminal(reward: try number(rest, lineNumber, column + 1, "the terminal reward")))
                    terminals += 1
                case "C":
                    cells.append(.cliff(penalty: rest.isEmpty ? defaultCliff : try number(rest, lineNumber, column + 1, "the cliff penalty")))
                default:
                    // Anything Swift reads as a number (1e400, nan, 0x10) is a reward that is not a finite decimal.
                    guard GridMap.decimalNumber(token) != nil || Double(token) != nil else {
                        throw fail(lineNumber, column,
                                   "unknown cell '\(InputError.quoted(token))': expected '.', '#', a reward, S, T<reward> or C[<penalty>]")
                    }
                    cells.append(.open(reward: try number(token, lineNumber, column, "a cell reward")))
                }
            }
            rows += 1
            rowLines.append(lineNumber)
        }
        guard inGrid else {
            throw InputError(file: file, place: "line \(lastContentLine), column 1",
                             "expected a 'grid' line followed by the rows of the map")
        }
        let grid = "line \(gridLine), column 1"
        guard rows > 0 else { throw InputError(file: file, place: grid, "expected at least one row after 'grid'") }
        guard let start else { throw InputError(file: file, place: grid, "expected a start cell 'S' in the grid below") }
        guard terminals > 0 else {
            throw InputError(file: file, place: grid, "expected at least one terminal cell 'T<reward>' in the grid below")
        }
        self.init(name: name, rows: rows, cols: cols, cells: cells, start: start,
                  intendedProbability: intended, discount: discount)
        if requireReachableTerminal && !terminalReachableFromStart {
            throw InputError(file: file, place: startPlace,
                             "no terminal cell can be reached from the start: walls, the border or cliffs close every way to one")
        }
        if requireDefinedUtilities && discount == 1, let cell = firstStateWithoutTerminal {
            let line = rowLines[cell / cols]
            throw InputError(file: file, place: "line \(line), column \(GridMap.tokenColumn(text, line: line, token: cell % cols))",
                             "no terminal cell can be reached from this cell, so with discount 1 its utility is a sum of rewards that never ends: wall it off with '#' or give a discount below 1")
        }
    }

    /// The 1-based column (in characters) of the `token`-th (from 0) token on line `line` of `text`.
    static func tokenColumn(_ text: String, line: Int, token: Int) -> Int {
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            guard lineNumber == line else { continue }
            var index = -1, column = 1, inToken = false
            for ch in rawLine {
                if ch == ";" { break }
                if ch == " " || ch == "\t" { inToken = false } else if !inToken {
                    inToken = true; index += 1
                    if index == token { return column }
                }
                column += 1
            }
        }
        return 1
    }

    /// Reads and parses a map file (`-` is standard input); the requirements as for `init(parsing:)`.
    public init(contentsOf path: String, requireReachableTerminal: Bool = false, requireDefinedUtilities: Bool = false,
                maxCells: Int? = nil) throws {
        let data = try readWholeFile(path)
        let file = path == "-" ? "stdin" : path
        guard let text = String(data: data, encoding: .utf8) else {
            let bytes = [UInt8](data)
            let bad = min(firstInvalidUTF8(bytes), bytes.count - 1)   // String(data:) refused it, so there is one
            let lineStart = bytes[..<bad].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            let line = bytes[..<bad].reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            let column = String(decoding: bytes[lineStart..<bad], as: UTF8.self).count + 1
            throw InputError(file: file, place: "line \(line), column \(column)",
                             "expected UTF-8 text, found the byte 0x\(String(format: "%02X", bytes[bad]))")
        }
        try self.init(parsing: text, file: file, requireReachableTerminal: requireReachableTerminal,
                      requireDefinedUtilities: requireDefinedUtilities, maxCells: maxCells)
    }

    /// A decimal number as the format writes them — an optional sign, digits with at most one
    /// point, an optional exponent (`-0.04`, `+1`, `.5`, `2e-3`) — that is finite; nil otherwise
    /// (hexadecimal, `inf`, `nan`, `1e400`).
    static func decimalNumber(_ s: Substring) -> Double? {
        var bytes = Array(s.utf8)[...]
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits() -> Int {
            let n = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(n)
            return n
        }
        var mantissa = digits()
        if bytes.first == UInt8(ascii: ".") { bytes = bytes.dropFirst(); mantissa += digits() }
        guard mantissa > 0 else { return nil }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return nil }
        }
        guard bytes.isEmpty, let v = Double(s), v.isFinite else { return nil }
        return v
    }

    static func positionText(_ index: Int, _ cols: Int) -> String { "row \(index / cols + 1), column \(index % cols + 1)" }

    /// The map in its text format (parses back to an equal map).
    public func formatted() -> String {
        func num(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        }
        func signed(_ v: Double) -> String { v >= 0 ? "+" + num(v) : num(v) }
        // The most common open-cell reward becomes the default, written as '.'.
        var counts: [Double: Int] = [:]
        for case .open(let r) in cells { counts[r, default: 0] += 1 }
        let common = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
        var out = ""
        if !name.isEmpty { out += "name \(name)\n" }
        out += "discount \(num(discount))\ntransition \(num(intendedProbability))\nreward \(num(common))\ngrid\n"
        var tokens: [String] = []
        tokens.reserveCapacity(cells.count)
        for i in 0..<cells.count {
            switch cells[i] {
            case .open(let v): tokens.append((i == start ? "S" : "") + (v == common ? (i == start ? "" : ".") : num(v)))
            case .wall: tokens.append("#")
            case .terminal(let v): tokens.append("T" + signed(v))
            case .cliff(let p): tokens.append("C" + num(p))
            }
        }
        let width = tokens.map(\.count).max() ?? 1
        for r in 0..<rows {
            var line = ""
            for c in 0..<cols {
                let t = tokens[r * cols + c]
                line += c == cols - 1 ? t : t + String(repeating: " ", count: width + 1 - t.count)
            }
            out += line + "\n"
        }
        return out
    }
}
