// Q-learning, SARSA and ADP with fixed seeds: optimal policies on the lecture's grid, Sutton & Barto's cliff result, P̂ → P.
import XCTest
import GridRL
import TestSupport

final class TabularLearningTests: XCTestCase {
    /// The cells visited by following `policy` from the start with intended moves, until a terminal
    /// or a cell seen before (a loop).
    func greedyWalk(_ mdp: GridMDP, _ policy: [Int]) -> (cells: [Int], reachedGoal: Bool) {
        var s = mdp.map.start, path = [s], seen: Set<Int> = [s]
        while true {
            let next = Int(mdp.destination[s * 4 + policy[s]])
            path.append(next)
            if mdp.terminal[next] { return (path, true) }
            if !seen.insert(next).inserted { return (path, false) }
            s = next
        }
    }

    /// `shouldStop` ends every learner after the episode during which it first says yes: the run
    /// holds those episodes, the same as the first ones of a run that was not stopped (one seed).
    func testShouldStopEndsLearningAfterAnEpisode() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("cliff-walking.grid"))
        var options = TabularLearningOptions()
        options.episodes = 40; options.seed = 3
        for algorithm in [LearningAlgorithm.qlearning, .sarsa, .adp] {
            let full = learnTabular(mdp, algorithm: algorithm, options: options)
            var asked = 0
            let stopped = learnTabular(mdp, algorithm: algorithm, options: options) { asked += 1; return asked == 7 }
            XCTAssertEqual(asked, 7, "\(algorithm)")
            XCTAssertEqual(stopped.returns, Array(full.returns.prefix(7)), "\(algorithm)")
            XCTAssertEqual(stopped.steps, Array(full.steps.prefix(7)), "\(algorithm)")
        }
        var dqn = DQNOptions()
        dqn.episodes = 20; dqn.hiddenUnits = 4; dqn.learningStarts = 10; dqn.maxStepsPerEpisode = 30
        let full = trainDQN(mdp, options: dqn)
        var asked = 0
        let stopped = trainDQN(mdp, options: dqn, shouldStop: { asked += 1; return asked == 5 })
        XCTAssertEqual(asked, 5)
        XCTAssertEqual(stopped.returns, Array(full.returns.prefix(5)))
        XCTAssertEqual(stopped.steps, Array(full.steps.prefix(5)))
    }

    /// Sutton & Barto Example 6.6 (ε = 0.1, α = 0.5, 500 episodes, 4 seeded runs): Q-learning's greedy
    /// policy takes the optimal path along the cliff edge (13 steps); SARSA's keeps off the edge (its greedy
    /// walk from the start never steps on row 3's cells above the cliff and, when it reaches the goal,
    /// is longer); exploring next to the edge makes Q-learning fall more often, so SARSA's online
    /// return per episode is higher.
    func testCliffWalkingQLearningVersusSARSA() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("cliff-walking.grid"))
        var options = TabularLearningOptions()
        options.alpha = 0.5; options.epsilon = 0.1; options.episodes = 500
        var qRuns: [LearningResult] = [], sRuns: [LearningResult] = []
        for seed in UInt64(1)...4 {
            options.seed = seed
            let q = qLearning(mdp, options: options), s = sarsa(mdp, options: options)
            qRuns.append(q); sRuns.append(s)
            let qWalk = greedyWalk(mdp, q.policy)
            XCTAssertEqual(qWalk.reachedGoal ? qWalk.cells.count - 1 : -1, 13, "Q-learning path (seed \(seed))")
            XCTAssertTrue(qWalk.cells.dropFirst().dropLast().allSatisfy { mdp.map.position(of: $0).row == 2 }, "Q-learning hugs the edge")
            let sWalk = greedyWalk(mdp, s.policy)
            XCTAssertFalse(sWalk.cells.contains { let p = mdp.map.position(of: $0); return p.row == 2 && (2...9).contains(p.col) },
                           "SARSA keeps off the cliff edge (seed \(seed)): \(sWalk.cells)")
            if sWalk.reachedGoal { XCTAssertGreaterThan(sWalk.cells.count - 1, 13, "SARSA path (seed \(seed))") }
        }
        // Online return per episode, averaged over runs and the last 400 episodes (after the first 100).
        let q = LearningCurve(qRuns).meanReturns.dropFirst(100), s = LearningCurve(sRuns).meanReturns.dropFirst(100)
        let qMean = q.reduce(0, +) / Double(q.count), sMean = s.reduce(0, +) / Double(s.count)
        XCTAssertGreaterThan(sMean, qMean + 10, "SARSA \(sMean) vs Q-learning \(qMean)")
        func falls(_ runs: [LearningResult]) -> Int { runs.map { $0.returns.dropFirst(100).filter { $0 <= -100 }.count }.reduce(0, +) }
        XCTAssertLessThan(falls(sRuns), falls(qRuns))
        print("cliff walking online return, episodes 101–500, 4 runs: Q-learning \(qMean), SARSA \(sMean); episodes with a fall: \(falls(qRuns)) vs \(falls(sRuns))")
    }

    /// On the lecture's 2×3 world (stochastic moves) the learners reach value iteration's optimal policy.
    /// The bottom-left state's best action (up) beats "left" by only 0.1 and is rarely reached from the
    /// start, so this uses exploring starts, visit-count step sizes α = 5/(4 + N) and ε decaying 0.3 → 0.02.
    func testLearnersFindTheLectureOptimum() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("lecture-2x3.grid"))
        let optimal = valueIteration(mdp)
        var options = TabularLearningOptions()
        options.episodes = 20000; options.alpha = 1; options.alphaDecayVisits = 5; options.exploringStarts = true
        options.epsilon = 0.3; options.epsilonDecay = 0.9997; options.minimumEpsilon = 0.02
        for algorithm in [LearningAlgorithm.qlearning, .sarsa, .adp] {
            options.episodes = algorithm == .adp ? 3000 : 20000
            for seed in UInt64(1)...3 {
                options.seed = seed
                let result = learnTabular(mdp, algorithm: algorithm, options: options)
                let comparison = comparePolicy(mdp, policy: result.policy, optimal: optimal)
                XCTAssertEqual(comparison.agreement, 1, "\(algorithm) seed \(seed): \(result.policy) vs \(optimal.policy)")
            }
        }
    }

    /// ADP's P̂(s'|s,a) = N[s,a,s']/N[s,a] approaches the true P: every estimate of an action tried
    /// n ≥ 50 times lies within 5 binomial standard deviations (√(p(1−p)/n)) plus 0.01 of the truth.
    func testADPEstimatedTransitionsConvergeToTrueModel() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("russell-norvig-4x3.grid"))
        var options = TabularLearningOptions()
        options.episodes = 400; options.epsilon = 0.3; options.seed = 7
        let (result, counts) = adaptiveDynamicProgramming(mdp, options: options)
        var checked = 0
        for s in mdp.decisionStates.map(Int.init) {
            for a in 0..<4 where counts.actionCounts[s * 4 + a] >= 50 {
                let n = Double(counts.actionCounts[s * 4 + a])
                var truth = [Int: Double]()
                for (m, p) in mdp.outcomes(of: a) { truth[Int(mdp.destination[s * 4 + m]), default: 0] += p }
                for next in Set(truth.keys).union(counts.outcomes[s * 4 + a].keys) {
                    let p = truth[next] ?? 0
                    let estimate = try XCTUnwrap(counts.probability(s, a, next))
                    XCTAssertEqual(estimate, p, accuracy: 5 * (p * (1 - p) / n).squareRoot() + 0.01, "s \(s) a \(a) s' \(next)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 20)
        let comparison = comparePolicy(mdp, policy: result.policy, optimal: valueIteration(mdp))
        XCTAssertGreaterThanOrEqual(comparison.agreement, 0.8)
    }

    func testSameSeedSameRunDifferentSeedDifferentRun() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("russell-norvig-4x3.grid"))
        var options = TabularLearningOptions()
        options.episodes = 50
        let a = qLearning(mdp, options: options), b = qLearning(mdp, options: options)
        XCTAssertEqual(a.q, b.q); XCTAssertEqual(a.returns, b.returns)
        options.seed = 2
        XCTAssertNotEqual(qLearning(mdp, options: options).returns, a.returns)
    }

    /// U(s) = max_a Q(s,a) on decision states, the terminal's reward on terminals, 0 on walls.
    func testStateValuesAreTheBestQ() throws {
        let mdp = GridMDP(try GridMap(parsing: "grid\nS # T-2\n. . .\n"))
        var q = [Double](repeating: 0, count: mdp.stateCount * 4)
        q[0 * 4 + 0] = -1; q[0 * 4 + 1] = 0.25; q[0 * 4 + 2] = 0.5; q[0 * 4 + 3] = -3   // S
        for s in [3, 4, 5] { for a in 0..<4 { q[s * 4 + a] = Double(s) - Double(a) } }    // best: action 0
        let result = LearningResult(q: q, policy: [], returns: [], steps: [])
        XCTAssertEqual(result.stateValues(mdp), [0.5, 0, -2, 3, 4, 5])
    }
}
