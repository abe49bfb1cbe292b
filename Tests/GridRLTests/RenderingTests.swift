// Text and SVG drawings of maps, utilities and policies; the maze generator's guarantees.
import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GridRL
import TestSupport

final class RenderingTests: XCTestCase {
    func testMapValuesAndPolicyText() throws {
        let map = try GridMapParserTests.shipped("russell-norvig-4x3.grid")
        XCTAssertEqual(GridRendering.map(map), " .  .  . +1\n .  #  . -1\n S  .  .  .\n")
        let solution = valueIteration(GridMDP(map))
        XCTAssertEqual(GridRendering.values(map, solution.utilities, digits: 2),
                       "0.81 0.87 0.92   +1\n0.76    # 0.66   -1\n0.71 0.66 0.61 0.39\n")
        XCTAssertEqual(GridRendering.policy(map, solution.policy), " →  →  → +1\n ↑  #  ↑ -1\n ↑  ←  ←  ←\n")
    }

    func testCliffsAndPerCellRewardsAreDrawn() throws {
        let map = try GridMap(parsing: "reward -1\ngrid\nS . 5\nC # T0\n")
        XCTAssertEqual(GridRendering.map(map), "   S    . (+5)\n   C    #    0\n")
    }

    /// A start with a reward of its own shows it as the other special rewards are shown, and the
    /// common reward ('.') is that of the other cells, whatever the start's.
    func testAStartWithItsOwnRewardShowsIt() throws {
        XCTAssertEqual(GridRendering.map(try GridMap(parsing: "grid\nS-3 . T1\n")), "S(-3)     .    +1\n")
        XCTAssertEqual(GridRendering.map(try GridMap(parsing: "reward -1\ngrid\nS+2 . . 5\n# . . T0\n")),
                       "S(+2)     .     .  (+5)\n    #     .     .     0\n")
        XCTAssertEqual(GridRendering.map(try GridMap(parsing: "reward -1\ngrid\nS T0\n")), "S(-1)     0\n")
        XCTAssertEqual(GridRendering.map(try GridMap(parsing: "grid\nS-0.04 . T1\n")), "S(-0.04)        .       +1\n")
    }

    func testSVGIsWellFormedWithOneRectPerCellAndAnArrowPerDecisionState() throws {
        let map = try GridMapParserTests.shipped("russell-norvig-4x3.grid")
        let solution = valueIteration(GridMDP(map))
        let svg = gridSVG(map, utilities: solution.utilities, policy: solution.policy)
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let cells = try XCTUnwrap(svg.components(separatedBy: "<g class=\"cells\">").last?.components(separatedBy: "</g>").first)
        XCTAssertEqual(cells.components(separatedBy: "<rect ").count - 1, 12)
        let arrows = ["←", "↑", "→", "↓"].map { cells.components(separatedBy: ">\($0)</text>").count - 1 }.reduce(0, +)
        XCTAssertEqual(arrows, 9)
        XCTAssertTrue(cells.contains(">0.705</text>"))
    }

    /// On the 32 × 32 maze the colours span the open cells' utilities (the terminals, −10 and +1,
    /// have fills of their own), a colour scale gives the numbers, text is white on dark
    /// cells and black on light ones, and the start is outlined and marked "S".
    func testSVGColoursSpanTheOpenCellsWithAScaleAndTheStartMarked() throws {
        let map = try GridMapParserTests.shipped("maze-32x32.grid")
        let solution = valueIteration(GridMDP(map))
        let u = solution.utilities
        let svg = gridSVG(map, utilities: u, policy: solution.policy)
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
        let open = (0..<map.cellCount).filter { map.isDecision($0) }
        let lowest = try XCTUnwrap(open.min { u[$0] < u[$1] }), highest = try XCTUnwrap(open.max { u[$0] < u[$1] })
        XCTAssertEqual(GridColourScale(map, utilities: u), GridColourScale(lo: u[lowest], hi: u[highest]))
        // Cell s at (12 + 48 column, 40 + 48 row): the lowest open cell pure blue with white text, the highest pure red.
        func cell(_ s: Int) -> String {
            let (r, c) = map.position(of: s)
            return "<rect x=\"\(12 + 48 * c)\" y=\"\(40 + 48 * r)\" width=\"48\" height=\"48\" fill=\""
        }
        XCTAssertTrue(svg.contains(cell(lowest) + "#0000ff\""), "lowest open cell")
        XCTAssertTrue(svg.contains(cell(highest) + "#ff0000\""), "highest open cell")
        XCTAssertTrue(svg.contains(String(format: "fill=\"#ffffff\">%.3f</text>", u[lowest])))
        // A −10 trap: the negative terminals' dark blue, its reward in white.
        let trap = try XCTUnwrap((0..<map.cellCount).first { map.cells[$0] == .terminal(reward: -10) })
        XCTAssertTrue(svg.contains(cell(trap) + "#053061\" stroke=\"#000000\""))
        XCTAssertTrue(svg.contains("fill=\"#ffffff\">-10</text>"))
        // A cell near the middle of the range is near white, with black text.
        let middle = try XCTUnwrap(open.min { abs(u[$0] - (u[lowest] + u[highest]) / 2) < abs(u[$1] - (u[lowest] + u[highest]) / 2) })
        XCTAssertTrue(svg.contains(String(format: "fill=\"#000000\">%.3f</text>", u[middle])))
        // The scale: ticks every 0.5 from −2.0 to 0.5 inside the range of about −2.41 … 0.94.
        let scale = try XCTUnwrap(svg.components(separatedBy: "<g class=\"colour-scale\">").last?.components(separatedBy: "</g>").first)
        let labels = scale.components(separatedBy: "</text>").dropLast().compactMap { $0.components(separatedBy: ">").last }
        XCTAssertEqual(labels, ["-2.0", "-1.5", "-1.0", "-0.5", "0.0", "0.5", "utility"])
        // The start, row 1 column 1 of the grid here.
        XCTAssertEqual(map.position(of: map.start).0, 0)
        let start = try XCTUnwrap(svg.components(separatedBy: "<g class=\"start\">").last?.components(separatedBy: "</g>").first)
        XCTAssertTrue(start.contains("<rect x=\"\(String(format: "%g", 12 + 48 * Double(map.position(of: map.start).1) + 1.5))\" y=\"41.5\" width=\"45\" height=\"45\" fill=\"none\""), start)
        XCTAssertTrue(start.contains(">S</text>"))
    }

    /// In the 4 × 3 world the −1 terminal is not the blue of the lowest open cell (0.388) nor the
    /// +1 terminal the red of the highest (0.918): terminals are filled by the sign of their reward
    /// (dark blue, dark red, grey for 0), a colour no open cell takes, and the key names each kind
    /// the map has.
    func testTerminalsAreToldApartFromTheOpenCellsAtTheScalesEnds() throws {
        let map = try GridMapParserTests.shipped("russell-norvig-4x3.grid")
        let solution = valueIteration(GridMDP(map))
        let svg = gridSVG(map, utilities: solution.utilities, policy: solution.policy)
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
        let cells = try XCTUnwrap(svg.components(separatedBy: "<g class=\"cells\">").last?.components(separatedBy: "</g>").first)
        // Each cell's fill, by its rect's x and y (cell s at 12 + 48 column, 40 + 48 row).
        var fills: [Int: String] = [:]
        for line in cells.split(separator: "\n") where line.hasPrefix("<rect ") {
            func value(_ name: String) throws -> String {
                try XCTUnwrap(line.components(separatedBy: " \(name)=\"").dropFirst().first?.split(separator: "\"").first.map(String.init))
            }
            let c = (try Int(value("x"))! - 12) / 48, r = (try Int(value("y"))! - 40) / 48
            fills[r * map.cols + c] = try value("fill")
        }
        XCTAssertEqual(fills.count, 12)
        let open = (0..<map.cellCount).filter { map.isDecision($0) }
        let openFills = Set(open.map { fills[$0]! })
        let plus = try XCTUnwrap((0..<map.cellCount).first { map.cells[$0] == .terminal(reward: 1) })
        let minus = try XCTUnwrap((0..<map.cellCount).first { map.cells[$0] == .terminal(reward: -1) })
        XCTAssertEqual(fills[plus], "#67001f")
        XCTAssertEqual(fills[minus], "#053061")
        XCTAssertFalse(openFills.contains(fills[plus]!), "\(openFills)")
        XCTAssertFalse(openFills.contains(fills[minus]!), "\(openFills)")
        // The open cells keep the scale: the lowest (0.388) blue, the highest (0.918) red.
        let u = solution.utilities
        XCTAssertEqual(fills[open.min { u[$0] < u[$1] }!], "#0000ff")
        XCTAssertEqual(fills[open.max { u[$0] < u[$1] }!], "#ff0000")
        let key = try XCTUnwrap(svg.components(separatedBy: "<g class=\"key\">").last?.components(separatedBy: "</g>").first)
        XCTAssertTrue(key.contains("fill=\"#67001f\" stroke=\"#000000\" stroke-width=\"3\"/>"), key)
        XCTAssertEqual(key.components(separatedBy: "</text>").dropLast().compactMap { $0.components(separatedBy: ">").last },
                       ["start", "terminal &gt; 0", "terminal &lt; 0", "wall"])
        // A terminal of reward 0 is grey, and only its kind is in the key.
        let zero = try GridMap(parsing: "grid\nS . T0\n")
        let zeroSolution = valueIteration(GridMDP(zero))
        let zeroSVG = gridSVG(zero, utilities: zeroSolution.utilities, policy: zeroSolution.policy)
        XCTAssertTrue(zeroSVG.contains("<rect x=\"108\" y=\"40\" width=\"48\" height=\"48\" fill=\"#a0a0a0\" stroke=\"#000000\""), zeroSVG)
        let zeroKey = try XCTUnwrap(zeroSVG.components(separatedBy: "<g class=\"key\">").last?.components(separatedBy: "</g>").first)
        XCTAssertEqual(zeroKey.components(separatedBy: "</text>").dropLast().compactMap { $0.components(separatedBy: ">").last },
                       ["start", "terminal = 0"])
    }

    /// The start's "S" sits inside the green outline and beside the start's arrow, touching neither,
    /// with the utility shown (4 × 3 world) and without it (over 40 columns, larger arrows). Text is
    /// placed by its baseline, not by `dominant-baseline`, which rsvg-convert ignores: the boxes here
    /// are the glyphs' (capitals 0.73 em tall, the S of bold sans-serif 0.72 em wide, arrows up to 0.84 em).
    func testStartMarkerTouchesNeitherItsArrowNorItsOutline() throws {
        let wide = "discount 0.9\ntransition 1\ngrid\n" + "S " + String(repeating: ". ", count: 40) + "T+1\n"
        for map in [try GridMapParserTests.shipped("russell-norvig-4x3.grid"), try GridMap(parsing: wide)] {
            let solution = valueIteration(GridMDP(map))
            let svg = gridSVG(map, utilities: solution.utilities, policy: solution.policy)
            XCTAssertFalse(svg.contains("dominant-baseline"))
            func number(_ name: String, _ element: String) throws -> Double {
                let value = try XCTUnwrap(element.components(separatedBy: " \(name)=\"").dropFirst().first?.split(separator: "\"").first)
                return try XCTUnwrap(Double(value), element)
            }
            let group = try XCTUnwrap(svg.components(separatedBy: "<g class=\"start\">").last?.components(separatedBy: "</g>").first)
            let outline = try XCTUnwrap(group.components(separatedBy: "\n").first { $0.hasPrefix("<rect") })
            let marker = try XCTUnwrap(group.components(separatedBy: "\n").first { $0.hasSuffix(">S</text>") })
            let (r, c) = map.position(of: map.start)
            let cellX = 12 + 48 * Double(c), cellY = 40 + 48 * Double(r)
            let arrow = try XCTUnwrap(svg.components(separatedBy: "\n").first { line in
                line.hasPrefix("<text x=\"\(String(format: "%g", cellX + 24))\"") && ["←", "↑", "→", "↓"].contains { line.hasSuffix(">\($0)</text>") }
                    && (try? number("y", line)).map { $0 > cellY && $0 < cellY + 48 } == true
            })
            // The outline's inner edge.
            let stroke = try number("stroke-width", outline), ox = try number("x", outline), oy = try number("y", outline)
            let ow = try number("width", outline), oh = try number("height", outline)
            let inner = (left: ox + stroke / 2, top: oy + stroke / 2, right: ox + ow - stroke / 2, bottom: oy + oh - stroke / 2)
            XCTAssertEqual(inner.left, cellX + 3)
            XCTAssertEqual(inner.top, cellY + 3)
            // Glyph boxes (left, top, right, bottom) from x (the middle), the baseline y and the font size.
            func box(_ element: String, halfWidth: Double, above: Double, below: Double) throws -> (Double, Double, Double, Double) {
                let x = try number("x", element), y = try number("y", element), em = try number("font-size", element)
                return (x - halfWidth * em, y - above * em, x + halfWidth * em, y + below * em)
            }
            let s = try box(marker, halfWidth: 0.36, above: 0.73, below: 0)
            let a = try box(arrow, halfWidth: 0.42, above: 0.8, below: 0.05)
            for (name, b) in [("S", s), ("arrow", a)] {
                XCTAssertTrue(b.0 > inner.left && b.1 > inner.top && b.2 < inner.right && b.3 < inner.bottom, "\(name) \(b) inside \(inner)")
            }
            XCTAssertTrue(s.2 < a.0 || s.3 < a.1, "S \(s) clear of the arrow \(a)")
        }
    }

    /// Text takes black or white, whichever contrasts more with its cell.
    func testTextColourFollowsTheBackgroundsLightness() {
        XCTAssertEqual(textColour(on: "#0000ff"), "#ffffff")
        XCTAssertEqual(textColour(on: "#ff0000"), "#000000")   // luminance 0.2126: contrast 5.3 with black, 4.0 with white
        XCTAssertEqual(textColour(on: "#ffffff"), "#000000")
        XCTAssertEqual(textColour(on: "#ff8989"), "#000000")
        XCTAssertEqual(textColour(on: "#3f3fff"), "#ffffff")
        XCTAssertEqual(textColour(on: "#555555"), "#ffffff")
    }

    /// Generated mazes: same seed same map; the goal is reachable from the start; traps are dead ends.
    func testMazeGeneratorIsSeededAndSolvable() throws {
        let a = generateMaze(.init(rows: 15, cols: 21, seed: 9)), b = generateMaze(.init(rows: 15, cols: 21, seed: 9))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, generateMaze(.init(rows: 15, cols: 21, seed: 10)))
        let mdp = GridMDP(a)
        // Breadth-first search over intended moves reaches the goal (+1).
        var seen: Set<Int> = [a.start], queue = [a.start], reachedGoal = false
        while let s = queue.popLast() {
            if a.cells[s] == .terminal(reward: 1) { reachedGoal = true; continue }
            if mdp.terminal[s] { continue }
            for m in 0..<4 { let d = Int(mdp.destination[s * 4 + m]); if seen.insert(d).inserted { queue.append(d) } }
        }
        XCTAssertTrue(reachedGoal)
        let traps = (0..<a.cellCount).filter { a.cells[$0] == .terminal(reward: -10) }
        XCTAssertGreaterThan(traps.count, 0, "half the dead ends become traps")
        for s in traps {
            let open = GridAction.allCases.filter { a.neighbour(of: s, move: $0) != s }.count
            XCTAssertEqual(open, 1, "trap at \(a.position(of: s)) is a dead end")
        }
        XCTAssertEqual(try GridMap(parsing: a.formatted()), a)
    }
}
