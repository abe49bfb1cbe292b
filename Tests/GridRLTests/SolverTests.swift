// Value and policy iteration against hand-computed and published Bellman fixed points.
import XCTest
import Foundation
import GridRL
import Tensors
import TestSupport

final class SolverTests: XCTestCase {
    /// A 1×3 corridor S . T+1 with step reward r, γ = 0.9 and p = 0.8 (the perpendicular moves
    /// bump the border and stay). By hand, with the optimal action "right" everywhere:
    /// U1 = r + γ(0.8·1 + 0.2·U1) ⇒ U1 = (r + 0.72)/0.82;  U0 = r + γ(0.8·U1 + 0.2·U0) ⇒ U0 = (r + 0.72·U1)/0.82.
    func testCorridorMatchesHandComputedFixedPoint() throws {
        for r in [0.0, -0.1] {
            let map = try GridMap(parsing: "discount 0.9\ntransition 0.8\nreward \(r)\ngrid\nS . T+1\n")
            let u1 = (r + 0.72) / 0.82, u0 = (r + 0.72 * u1) / 0.82
            for sweep in SweepOrder.allCases {
                let solution = valueIteration(GridMDP(map), options: .init(epsilon: 1e-10, sweep: sweep))
                XCTAssertTrue(solution.converged)
                assertClose(solution.utilities, [u0, u1, 1], absolute: 1e-9)
                XCTAssertEqual(solution.policy, [GridAction.right.rawValue, GridAction.right.rawValue, -1])
            }
        }
    }

    /// The lecture's 2×3 world made deterministic: U(0,2) = γ·10 = 9, U(0,1) = 8.1, U(0,0) = 7.29, U(1,0) = 6.561.
    func testDeterministicLectureWorldByHand() throws {
        var map = try GridMapParserTests.shipped("lecture-2x3.grid")
        map.intendedProbability = 1
        let solution = valueIteration(GridMDP(map), options: .init(epsilon: 1e-12))
        assertClose(solution.utilities, [7.29, 8.1, 9, 6.561, -10, 10], absolute: 1e-9)
        XCTAssertEqual(solution.policy.map { $0 < 0 ? "·" : GridAction(rawValue: $0)!.arrow }, ["→", "→", "↓", "↑", "·", "·"])
    }

    /// The shipped (stochastic) lecture world against scripts/reference/grid_fixed_points.py
    /// (exhaustive policy enumeration and an exact linear solve in numpy).
    func testLectureWorldMatchesNumpyReference() throws {
        let url = packageRoot.appendingPathComponent("Tests/GridRLTests/Fixtures/lecture-2x3-utilities.json")
        let reference = try JSONDecoder().decode([String: [Double]].self, from: Data(contentsOf: url))["utilities"]!
        let mdp = GridMDP(try GridMapParserTests.shipped("lecture-2x3.grid"))
        // ε = 1e-9 bounds the utility error by 1e-9 (γ < 1 stopping rule).
        assertClose(valueIteration(mdp, options: .init(epsilon: 1e-9)).utilities, reference, absolute: 1e-8)
        // Policy iteration evaluates each policy exactly (its last sweeps used to stop at a change of 1e-9).
        assertClose(policyIteration(mdp).utilities, reference, absolute: 1e-12)
    }

    /// Russell & Norvig Fig. 17.3: the utilities of the 4×3 world with γ = 1 (published to three decimals).
    func testRussellNorvigPublishedUtilities() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("russell-norvig-4x3.grid"))
        let published: [Double] = [0.812, 0.868, 0.918, 1, 0.762, 0, 0.660, -1, 0.705, 0.655, 0.611, 0.388]
        for sweep in SweepOrder.allCases {
            let vi = valueIteration(mdp, options: .init(epsilon: 1e-7, sweep: sweep))
            XCTAssertTrue(vi.converged)
            assertClose(vi.utilities, published, absolute: 1e-3, "\(sweep)")
            // The optimal policy of Fig. 17.2(a): → → → · / ↑ wall ↑ · / ↑ ← ← ←.
            XCTAssertEqual(vi.policy, [1, 1, 1, -1, 0, -1, 0, -1, 0, 3, 3, 3])
        }
    }

    /// Policy iteration against value iteration at a tight ε, on every shipped map and generated
    /// mazes (one with γ = 1): the same utilities and the same printed policy. maze-32x32 has three
    /// cells whose best actions tie exactly (their Q differ by 1e-16); policy iteration used to keep
    /// whichever action it had, and printed ↓ ← ← where value iteration prints → ↓ ↓.
    func testPolicyIterationAgreesWithValueIteration() throws {
        var maps = try ["lecture-2x3.grid", "russell-norvig-4x3.grid", "cliff-walking.grid", "maze-8x8.grid",
                        "maze-32x32.grid"].map(GridMapParserTests.shipped)
        maps.append(generateMaze(.init(rows: 8, cols: 8, seed: 3)))
        maps.append(generateMaze(.init(rows: 41, cols: 37, seed: 7)))
        var undiscounted = MazeOptions(rows: 31, cols: 31, seed: 2)
        undiscounted.discount = 1
        maps.append(generateMaze(undiscounted))
        for map in maps {
            let mdp = GridMDP(map)
            let vi = valueIteration(mdp, options: .init(epsilon: 1e-12, maxIterations: 1_000_000, sweep: .gaussSeidel))
            XCTAssertTrue(vi.converged, map.name)
            let pi = policyIteration(mdp)
            XCTAssertTrue(pi.converged, map.name)
            assertClose(pi.utilities, vi.utilities, absolute: 1e-9, map.name)
            var differing: [String] = []
            for s in mdp.decisionStates.map(Int.init) where pi.policy[s] != vi.policy[s] {
                differing.append("\(mdp.map.position(of: s)) \(pi.policy[s]) vs \(vi.policy[s])")
            }
            XCTAssertEqual(differing, [], map.name)
        }
    }

    /// The evaluation step alone: the utilities of a fixed policy solve U = r_π + γ P_π U. On a maze
    /// with loops, from zero utilities, the residual of every equation is at rounding level after one
    /// evaluation, for the policy that heads straight for the nearest terminal and for the optimal one.
    func testPolicyEvaluationSolvesThePolicyEquations() throws {
        for map in [generateMaze(.init(rows: 41, cols: 37, seed: 7)), try GridMapParserTests.shipped("cliff-walking.grid")] {
            let mdp = GridMDP(map)
            for policy in [mdp.greedyPolicy(mdp.terminalValue), valueIteration(mdp, options: .init(epsilon: 1e-9)).policy] {
                var u = mdp.terminalValue
                let evaluation = evaluatePolicy(mdp, policy, utilities: &u, epsilon: 1e-14, maxSweeps: 10_000)
                XCTAssertTrue(evaluation.converged, map.name)
                var residual = 0.0
                u.withUnsafeBufferPointer { p in
                    for s in mdp.decisionStates.map(Int.init) {
                        residual = max(residual, abs(mdp.qValue(s, policy[s], p.baseAddress!) - u[s]) / max(1, abs(u[s])))
                    }
                }
                XCTAssertLessThan(residual, 1e-13, map.name)
            }
        }
    }

    /// The fast backup (four destinations, R(s) factored out away from cliffs) against the plain
    /// max over the three-outcome Q(s,a) of every action, on maps with cliffs, walls, traps and p < 1.
    func testFastBackupMatchesPlainBellmanBackup() throws {
        var maps = [try GridMapParserTests.shipped("cliff-walking.grid"), generateMaze(.init(rows: 17, cols: 12, seed: 5))]
        maps.append(try GridMap(parsing: "discount 0.8\ntransition 0.6\nreward -0.5\ngrid\nS C 2 T1\n. # C .\n0.3 . . T-4\n"))
        var rng = SeededGenerator(seed: 1)
        for map in maps {
            let mdp = GridMDP(map)
            let u = (0..<mdp.stateCount).map { _ in rng.uniform() * 4 - 2 }
            u.withUnsafeBufferPointer { p in
                for s in mdp.decisionStates.map(Int.init) {
                    let plain = (0..<4).map { mdp.qValue(s, $0, p.baseAddress!) }.max()!
                    XCTAssertEqual(mdp.bestQValue(s, p.baseAddress!), plain, accuracy: 1e-12, "\(map.name) state \(s)")
                }
            }
        }
    }

    func testCliffWalkingOptimalPathHugsTheCliff() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("cliff-walking.grid"))
        let vi = valueIteration(mdp)
        XCTAssertEqual(vi.utilities[mdp.map.start], -13, accuracy: 1e-9) // up, 11 × right, down
        XCTAssertEqual(vi.policy[mdp.map.index(row: 2, col: 5)], GridAction.right.rawValue)
    }

    /// Follows `policy` from `s` with the intended moves only (the maps below are deterministic);
    /// the terminal reached, or nil after `limit` steps.
    func terminalReached(_ mdp: GridMDP, _ policy: [Int], from s: Int, limit: Int = 100) -> Int? {
        var s = s
        for _ in 0..<limit {
            if mdp.terminal[s] { return s }
            s = Int(mdp.destination[s * 4 + policy[s]])
        }
        return nil
    }

    /// γ = 1, no step reward, deterministic moves: bumping a wall keeps U(s) = 1 as moving on does,
    /// so every action ties; the policy must still walk to the goal (the plain first argmax, ↑,
    /// bumped the top wall forever). Value and policy iteration, every start state.
    func testTiedActionsGiveAPolicyThatReachesTheGoal() throws {
        var corner = try GridMapParserTests.shipped("russell-norvig-4x3.grid")
        corner.intendedProbability = 1
        for s in 0..<corner.cellCount { if case .open = corner.cells[s] { corner.cells[s] = .open(reward: 0) } }
        let corridor = try GridMap(parsing: "discount 1\nreward 0\ngrid\nS . T+1\n")
        for map in [corner, corridor] {
            let mdp = GridMDP(map)
            let goal = map.cells.firstIndex(of: .terminal(reward: 1))!
            for solution in [valueIteration(mdp), policyIteration(mdp)] {
                XCTAssertTrue(solution.converged)
                for s in mdp.decisionStates.map(Int.init) {
                    XCTAssertEqual(solution.utilities[s], 1, accuracy: 1e-12)
                    XCTAssertEqual(terminalReached(mdp, solution.policy, from: s), goal, "\(map.name) state \(s): \(solution.policy)")
                }
            }
        }
        XCTAssertEqual(valueIteration(GridMDP(corridor)).policy, [GridAction.right.rawValue, GridAction.right.rawValue, -1])
    }

    /// A loose ε widens the tie tolerance (2ε, relative), but where the first best actions already
    /// reach a terminal they are kept. On the 32×32 maze ε = 0.2 stops with utilities within 0.01 of
    /// U*, and the tie-break used to trade the best action for one that heads for the nearest
    /// terminal: 96 states, e.g. (0, 7) went up into the border (Q* −2.332) instead of left (−2.315).
    /// Every action must be optimal under Q* of a tight solve, and a best action under its own U.
    func testLooseEpsilonKeepsTheBestActions() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("maze-32x32.grid"))
        let exact = valueIteration(mdp, options: .init(epsilon: 1e-9)).utilities
        for sweep in SweepOrder.allCases {
            let loose = valueIteration(mdp, options: .init(epsilon: 0.2, sweep: sweep))
            XCTAssertTrue(loose.converged)
            var suboptimal: [String] = []
            for s in mdp.decisionStates.map(Int.init) {
                let q = mdp.qValues(s, exact)
                if q[loose.policy[s]] < q.max()! - 1e-6 { suboptimal.append("\(mdp.map.position(of: s))") }
                let own = mdp.qValues(s, loose.utilities)
                XCTAssertGreaterThanOrEqual(own[loose.policy[s]], own.max()! - 1e-9, "\(sweep) state \(mdp.map.position(of: s))")
            }
            XCTAssertEqual(suboptimal, [], "\(sweep): \(suboptimal.count) states")
        }
    }

    /// Where one action is best by more than the tolerance, the tie-break changes nothing: on the
    /// shipped maps and a maze the policy is the plain first argmax of Q(s,·).
    func testUnambiguousPoliciesAreThePlainArgmax() throws {
        var maps = try ["lecture-2x3.grid", "russell-norvig-4x3.grid", "cliff-walking.grid", "maze-8x8.grid"].map(GridMapParserTests.shipped)
        maps.append(generateMaze(.init(rows: 17, cols: 12, seed: 5)))
        for map in maps {
            let mdp = GridMDP(map)
            let vi = valueIteration(mdp)
            for s in mdp.decisionStates.map(Int.init) {
                let q = mdp.qValues(s, vi.utilities)
                XCTAssertEqual(vi.policy[s], q.firstIndex(of: q.max()!)!, "\(map.name) state \(s)")
            }
        }
    }
}
