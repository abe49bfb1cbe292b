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
        XCTAssertEqual(svg.components(separatedBy: "<rect ").count - 1, 12)
        let arrows = ["←", "↑", "→", "↓"].map { svg.components(separatedBy: ">\($0)</text>").count - 1 }.reduce(0, +)
        XCTAssertEqual(arrows, 9)
        XCTAssertTrue(svg.contains(">0.705</text>"))
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
