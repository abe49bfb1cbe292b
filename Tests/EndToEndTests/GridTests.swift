// `seqlab grid` through the built binary: stdout, stderr and exit codes.
import XCTest
import Foundation
import TestSupport
import Formats

final class GridTests: XCTestCase {
    let grids = packageRoot.appendingPathComponent("data/grids")
    func path(_ name: String) -> String { grids.appendingPathComponent(name).path }

    /// γ = 1, no step reward, deterministic moves: every action ties with bumping a wall, and the
    /// optimal policy must still walk to the goal: compare's optimal return is the goal's 1.0.
    func testTiedActionsStillReachTheGoal() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let shipped = try String(contentsOfFile: path("russell-norvig-4x3.grid"), encoding: .utf8)
        let corner = try writeTextFile(shipped.replacingOccurrences(of: "reward -0.04", with: "reward 0")
            .replacingOccurrences(of: "transition 0.8", with: "transition 1"), "rn0d.grid", in: dir)
        let corridor = try writeTextFile("discount 1\nreward 0\ngrid\nS . T+1\n", "corridor.grid", in: dir)
        for map in [corner, corridor] {
            let r = try runSeqlab(["grid", "compare", map, "--algorithm", "qlearning", "--episodes", "300"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdoutText.contains("mean discounted return (optimal): 1.0\n"), r.stdoutText)
        }
        let solve = try runSeqlab(["grid", "solve", corner, "--quiet"])
        XCTAssertEqual(solve.status, 0, solve.stderr)
        XCTAssertTrue(solve.stdoutText.hasSuffix("policy:\n →  →  → +1\n ↑  #  ↑ -1\n ↑  →  ↑  ←\n"), solve.stdoutText)
    }

    func testSolvePrintsPublishedUtilitiesAndPolicy() throws {
        let r = try runSeqlab(["grid", "solve", path("russell-norvig-4x3.grid")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("0.812 0.868 0.918    +1"), r.stdoutText)
        XCTAssertTrue(lines.contains("0.762     # 0.660    -1"), r.stdoutText)
        XCTAssertTrue(lines.contains("0.705 0.655 0.611 0.388"), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("iterations: "), r.stdoutText)
        XCTAssertTrue(r.stderr.contains("solved in"), r.stderr)
    }

    func testSolveJSONAndPolicyIterationAgree() throws {
        var utilities: [[[Double?]]] = []
        for method in ["value", "policy"] {
            let r = try runSeqlab(["grid", "solve", path("lecture-2x3.grid"), "--json", "--method", method])
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
            XCTAssertEqual(object["method"] as? String, method)
            XCTAssertEqual(object["converged"] as? Bool, true)
            let u = try XCTUnwrap(object["utilities"] as? [[Any]]).map { $0.map { $0 as? Double } }
            // The start's (top left) utility, as the text summary prints it.
            XCTAssertEqual(try XCTUnwrap(object["start_utility"] as? Double), try XCTUnwrap(u[0][0]))
            XCTAssertEqual(try XCTUnwrap(object["start_utility"] as? Double), 4.8026, accuracy: 1e-4)
            utilities.append(u)
            XCTAssertEqual((object["policy"] as? [[Any]])?[0].compactMap { $0 as? String }, ["right", "right", "down"])
        }
        for (a, b) in zip(utilities[0].joined(), utilities[1].joined()) { XCTAssertEqual(a!, b!, accuracy: 1e-6) }
    }

    func testShowPolicyDrawsArrows() throws {
        let r = try runSeqlab(["grid", "show", path("russell-norvig-4x3.grid"), "--policy"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains(" →  →  → +1"), r.stdoutText)
        XCTAssertTrue(lines.contains(" ↑  #  ↑ -1"), r.stdoutText)
        XCTAssertTrue(lines.contains(" ↑  ←  ←  ←"), r.stdoutText)
    }

    func testShowWritesSVG() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let svg = dir.appendingPathComponent("values.svg").path
        let r = try runSeqlab(["grid", "show", path("cliff-walking.grid"), "--svg", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("<?xml"), text)
        let cells = try XCTUnwrap(text.components(separatedBy: "<g class=\"cells\">").last?.components(separatedBy: "</g>").first)
        XCTAssertEqual(cells.components(separatedBy: "<rect ").count - 1, 48)
        XCTAssertTrue(text.contains("<g class=\"colour-scale\">"))
        XCTAssertTrue(text.contains(">→</text>"))
        XCTAssertTrue(text.hasSuffix("</svg>\n"))
    }

    /// --digits reaches the SVG's cells as it does the text.
    func testShowDigitsReachTheSVG() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var texts: [String] = []
        for digits in ["3", "1"] {
            let svg = dir.appendingPathComponent("v\(digits).svg").path
            let r = try runSeqlab(["grid", "show", path("russell-norvig-4x3.grid"), "--svg", svg, "--digits", digits])
            XCTAssertEqual(r.status, 0, r.stderr)
            // The cells only: the colour scale has numbers of its own.
            let text = try String(contentsOfFile: svg, encoding: .utf8)
            texts.append(try XCTUnwrap(text.components(separatedBy: "<g class=\"cells\">").last?.components(separatedBy: "</g>").first))
        }
        XCTAssertTrue(texts[0].contains(">0.812</text>"), texts[0])   // R&N's U(3,3)
        XCTAssertTrue(texts[1].contains(">0.8</text>"), texts[1])
        XCTAssertFalse(texts[1].contains(">0.812</text>"), texts[1])
    }

    /// Flags with nothing to act on are refused, not dropped.
    func testFlagsThatWouldBeIgnoredAreRefused() throws {
        let map = path("lecture-2x3.grid")
        let cases: [([String], String)] = [
            (["grid", "solve", map, "--method", "policy", "--epsilon", "0.01"], "--epsilon, --max-iterations and --sweep set value iteration"),
            (["grid", "solve", map, "--method", "policy", "--sweep", "gauss-seidel"], "--epsilon, --max-iterations and --sweep set value iteration"),
            (["grid", "solve", map, "--json", "--summary"], "--summary shortens the text output"),
            (["grid", "show", map, "--svg", "-", "--values"], "--values and --policy print text to standard output"),
            (["grid", "learn", map, "--algorithm", "qlearning", "--episodes", "3", "--curve-format", "jsonl"], "--curve-format is the format of --curve FILE"),
        ]
        for (args, message) in cases {
            let r = try runSeqlab(args)
            XCTAssertEqual(r.status, 64, "\(args)")
            XCTAssertEqual(r.stdoutText, "", "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        // --quiet drops the timing lines, and only them.
        let solve = try runSeqlab(["grid", "solve", map, "--quiet"])
        XCTAssertEqual(solve.status, 0, solve.stderr)
        XCTAssertEqual(solve.stderr, "")
        XCTAssertTrue(solve.stdoutText.contains("policy:"), solve.stdoutText)
        let learn = try runSeqlab(["grid", "learn", map, "--algorithm", "qlearning", "--episodes", "3", "--quiet"])
        XCTAssertEqual(learn.status, 0, learn.stderr)
        XCTAssertEqual(learn.stderr, "")
        XCTAssertTrue(learn.stdoutText.contains("policy (run 1):"), learn.stdoutText)
        let loud = try runSeqlab(["grid", "learn", map, "--algorithm", "qlearning", "--episodes", "3"])
        XCTAssertTrue(loud.stderr.contains("qlearning, 1 run(s) of 3 episodes in"), loud.stderr)
        // Not converged within the limit: the exit says so with --json as without.
        for json in [false, true] {
            let r = try runSeqlab(["grid", "solve", path("russell-norvig-4x3.grid"), "--max-iterations", "2"] + (json ? ["--json"] : []))
            XCTAssertEqual(r.status, 1, "--json \(json): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("not converged after 2 iterations"), r.stderr)
            XCTAssertFalse(r.stdoutText.isEmpty)
        }
    }

    func testMalformedMapFailsWithLineAndColumn() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.grid")
        try "discount 0.9\ngrid\nS . T+1\n. X .\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try runSeqlab(["grid", "solve", bad.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stdoutText, "")
        XCTAssertTrue(r.stderr.contains("bad.grid: line 4, column 3: unknown cell 'X'"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    }

    func testGeneratedMazeSolvesFromStdin() throws {
        let maze = try runSeqlab(["grid", "generate", "--rows", "9", "--cols", "11", "--seed", "4"])
        XCTAssertEqual(maze.status, 0, maze.stderr)
        let again = try runSeqlab(["grid", "generate", "--rows", "9", "--cols", "11", "--seed", "4"])
        XCTAssertEqual(maze.stdout, again.stdout, "same seed, same maze")
        let r = try runSeqlab(["grid", "solve", "-", "--summary", "--sweep", "gauss-seidel"], stdin: maze.stdout)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdoutText.contains("converged"), r.stdoutText)
        // Every size the command accepts parses back and solves (even sizes end in a wall row or
        // column); 2×2 would have one room for both start and goal, and is refused.
        for (rows, cols) in [(2, 3), (3, 2), (4, 5), (6, 6), (3, 3)] {
            let m = try runSeqlab(["grid", "generate", "--rows", "\(rows)", "--cols", "\(cols)"])
            XCTAssertEqual(m.status, 0, m.stderr)
            let solved = try runSeqlab(["grid", "solve", "-", "--summary"], stdin: m.stdout)
            XCTAssertEqual(solved.status, 0, "\(rows)×\(cols): \(solved.stderr)\n\(m.stdoutText)")
        }
        let tiny = try runSeqlab(["grid", "generate", "--rows", "2", "--cols", "2"])
        XCTAssertEqual(tiny.status, 64)
        XCTAssertTrue(tiny.stderr.contains("a 2×2 maze has one room"), tiny.stderr)
    }

    /// A map holds finite rewards only, so generate refuses the others rather than write a map
    /// ("Tnan") its own parser rejects.
    func testGenerateRefusesNonFiniteRewards() throws {
        for (flag, value) in [("--goal-reward", "nan"), ("--step-reward", "inf"), ("--trap-reward", "1e400")] {
            let r = try runSeqlab(["grid", "generate", "--rows", "5", "--cols", "5", flag + "=" + value])
            XCTAssertEqual(r.status, 64, "\(flag) \(value)")
            XCTAssertEqual(r.stdoutText, "", "\(flag) \(value)")
            XCTAssertTrue(r.stderr.contains("\(flag) must be a finite number"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }

    /// Rewards are often negative: they are taken with a space as with '=' (the defaults' help shows -10.0).
    func testGenerateTakesNegativeRewardsWithASpace() throws {
        let spaced = try runSeqlab(["grid", "generate", "--rows", "5", "--cols", "5", "--trap-reward", "-3", "--goal-reward", "-0.5", "--step-reward", "-1"])
        XCTAssertEqual(spaced.status, 0, spaced.stderr)
        let joined = try runSeqlab(["grid", "generate", "--rows", "5", "--cols", "5", "--trap-reward=-3", "--goal-reward=-0.5", "--step-reward=-1"])
        XCTAssertEqual(spaced.stdout, joined.stdout)
        XCTAssertTrue(spaced.stdoutText.contains("--trap-reward -3.0 --goal-reward -0.5 --step-reward -1.0"), spaced.stdoutText)
        XCTAssertTrue(spaced.stdoutText.contains("\nreward -1\n"), spaced.stdoutText)
        XCTAssertTrue(spaced.stdoutText.contains("T-0.5"), spaced.stdoutText)
    }

    func testLearnWritesCurveReproducibly() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var curves: [String] = []
        for name in ["a.tsv", "b.tsv"] {
            let curve = dir.appendingPathComponent(name).path
            let r = try runSeqlab(["grid", "learn", path("cliff-walking.grid"), "--algorithm", "sarsa", "--alpha", "0.5",
                                   "--episodes", "60", "--runs", "2", "--seed", "5", "--curve", curve])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdoutText.contains("policy (run 1):"), r.stdoutText)
            curves.append(try String(contentsOfFile: curve, encoding: .utf8))
        }
        XCTAssertEqual(curves[0], curves[1])
        let lines = curves[0].split(separator: "\n")
        XCTAssertEqual(lines.count, 61)
        XCTAssertEqual(lines[0], "episode\tmean_return\tmean_steps")
        let jsonl = try runSeqlab(["grid", "learn", path("lecture-2x3.grid"), "--algorithm", "qlearning",
                                   "--episodes", "5", "--curve", "-", "--curve-format", "jsonl"])
        XCTAssertEqual(jsonl.status, 0, jsonl.stderr)
        let records = jsonl.stdoutText.split(separator: "\n")
        XCTAssertEqual(records.count, 5)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(records[0].utf8)) as? [String: Any])
    }

    /// Ctrl-C, SIGTERM and SIGHUP stop learn after an episode: it exits with 128 + the signal, says
    /// on one line where it stopped and that nothing was written, leaves the curve and model an
    /// earlier run wrote as they were, and leaves no temporary file beside them.
    func testAnInterruptedLearnWritesNothingAndLeavesNoTemporaryFile() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let curve = dir.appendingPathComponent("c.tsv").path, model = dir.appendingPathComponent("m.safetensors").path
        try Data("old curve".utf8).write(to: URL(fileURLWithPath: curve))
        try Data("old model".utf8).write(to: URL(fileURLWithPath: model))
        let cases: [([String], Int32, String)] = [
            (["--algorithm", "dqn", "--episodes", "100000", "--curve", curve, "--model", model], SIGINT,
             "of 100000; --model \(model) and --curve \(curve) were not written (files from an earlier run are left as they were)\n"),
            (["--algorithm", "qlearning", "--episodes", "20000000", "--runs", "2", "--curve", curve], SIGTERM,
             "of 20000000 of run 1 of 2; --curve \(curve) was not written (files from an earlier run are left as they were)\n"),
            (["--algorithm", "sarsa", "--episodes", "20000000", "--curve", curve], SIGHUP, "of 20000000; --curve \(curve) was not written (files from an earlier run are left as they were)\n"),
        ]
        for (flags, signal, ending) in cases {
            let process = Process()
            process.executableURL = seqlabBinary()
            process.arguments = ["grid", "learn", path("maze-8x8.grid"), "--quiet"] + flags
            let stderr = Pipe(), stdout = Pipe()
            process.standardError = stderr
            process.standardOutput = stdout
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            func temporaries() -> [String] {
                (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.contains(".tmp-") } ?? []
            }
            while process.isRunning && temporaries().isEmpty && Date() < deadline { usleep(1_000) }
            usleep(200_000)
            XCTAssertTrue(process.isRunning, "\(flags): learn finished before the signal; the interrupt tests nothing")
            kill(process.processIdentifier, signal)
            let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let report = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .exit, "\(flags): \(message)")
            XCTAssertEqual(process.terminationStatus, 128 + signal, "\(flags): \(message)")
            XCTAssertTrue(message.hasPrefix("seqlab grid learn: interrupted after episode "), message)
            XCTAssertTrue(message.hasSuffix(ending), "\(flags): \(message)")
            XCTAssertEqual(message.split(separator: "\n").count, 1, message)
            XCTAssertEqual(report, Data(), "no report of a learning that did not finish")
            XCTAssertEqual(try String(contentsOfFile: curve, encoding: .utf8), "old curve")
            XCTAssertEqual(try String(contentsOfFile: model, encoding: .utf8), "old model")
            XCTAssertEqual(temporaries(), [], "\(flags)")
        }
    }

    func testCompareReportsAgreement() throws {
        let r = try runSeqlab(["grid", "compare", path("lecture-2x3.grid"), "--algorithm", "qlearning", "--episodes", "20000",
                               "--alpha", "1", "--alpha-decay-visits", "5", "--exploring-starts", "--epsilon", "0.3",
                               "--epsilon-decay", "0.9997", "--min-epsilon", "0.02"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdoutText.contains("agreement: 1.0"), r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("mean discounted return (optimal): "), r.stdoutText)
    }

    /// --max-steps cuts the training episodes only: the optimal policy's rollouts still reach a
    /// terminal, so its mean return estimates U(start) = 0.7053 (R&N Fig. 17.3; 1000 rollouts, whose
    /// returns lie in [−1.2, 1], put the estimate within 0.05 of it), not 0.113 as with 5-step rollouts.
    func testCompareMaxStepsCutsTrainingOnly() throws {
        let map = path("russell-norvig-4x3.grid")
        let r = try runSeqlab(["grid", "compare", map, "--algorithm", "qlearning", "--episodes", "300", "--max-steps", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        func optimalReturn(_ text: String) throws -> Double {
            let prefix = "mean discounted return (optimal): "
            let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix(prefix) }, text)
            return try XCTUnwrap(Double(line.dropFirst(prefix.count)), text)
        }
        XCTAssertEqual(try optimalReturn(r.stdoutText), 0.7053, accuracy: 0.05)
        // The rollouts' own limit, asked for: most 5-step rollouts end before a terminal.
        let cut = try runSeqlab(["grid", "compare", map, "--algorithm", "qlearning", "--episodes", "30", "--evaluation-max-steps", "5"])
        XCTAssertEqual(cut.status, 0, cut.stderr)
        XCTAssertLessThan(try optimalReturn(cut.stdoutText), 0.3)
    }

    func testDQNLearnSavesModelThatPlayRuns() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = dir.appendingPathComponent("small.grid"), model = dir.appendingPathComponent("q.safetensors")
        try "discount 0.9\ntransition 1\ngrid\nS  .  .  T+1\n.  T-1 . #\n".write(to: map, atomically: true, encoding: .utf8)
        let learn = try runSeqlab(["grid", "learn", map.path, "--algorithm", "dqn", "--episodes", "300", "--hidden-units", "16",
                                   "--anneal-steps", "600", "--target-update", "50", "--learning-starts", "50", "--alpha", "0.01",
                                   "--seed", "1", "--model", model.path])
        XCTAssertEqual(learn.status, 0, learn.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: model.path))
        let play = try runSeqlab(["grid", "play", map.path, "--model", model.path])
        XCTAssertEqual(play.status, 0, play.stderr)
        XCTAssertTrue(play.stdoutText.contains("episode 1: return 1.0, 3 steps: (0,0) (0,1) (0,2) (0,3)"), play.stdoutText)
        let wrongMap = try runSeqlab(["grid", "play", path("lecture-2x3.grid"), "--model", model.path])
        XCTAssertNotEqual(wrongMap.status, 0)
        XCTAssertTrue(wrongMap.stderr.contains("trained on a 2×4 map"), wrongMap.stderr)
    }

    /// Infinite step sizes are refused; a finite one so large that the values overflow ends in an
    /// error, not a NaN policy or model; a model with non-finite weights is refused by play and
    /// reported by inspect.
    func testStepSizesThatDivergeAreErrors() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = try writeTextFile("discount 0.9\ntransition 1\nreward -0.04\ngrid\nS . T+1\n", "c3.grid", in: dir)
        let refused: [([String], String)] = [
            (["--algorithm", "qlearning", "--alpha", "inf"], "--alpha must be a positive finite number"),
            (["--algorithm", "sarsa", "--alpha-decay-visits", "inf"], "--alpha-decay-visits must be a finite number ≥ 0"),
            (["--algorithm", "dqn", "--alpha", "inf"], "--alpha must be a positive finite number"),
            (["--algorithm", "dqn", "--reward-scale", "inf"], "--reward-scale must be a positive finite number"),
        ]
        try assertUsageErrors(refused, map: map)
        let model = dir.appendingPathComponent("q.safetensors").path
        let diverging: [[String]] = [
            ["--algorithm", "qlearning", "--alpha", "1e300", "--episodes", "20"],
            ["--algorithm", "dqn", "--alpha", "1e300", "--episodes", "20", "--learning-starts", "10", "--hidden-units", "8", "--model", model, "--quiet"],
        ]
        for args in diverging {
            for command in ["learn", "compare"] where command == "learn" || !args.contains("--model") {
                let r = try runSeqlab(["grid", command, map] + args.filter { $0 != "--quiet" })
                XCTAssertEqual(r.status, 1, "\(command) \(args): \(r.stderr)")
                XCTAssertEqual(r.stdoutText, "", "\(command) \(args)")
                XCTAssertTrue(r.stderr.contains("diverged: run 1 ended with non-finite"), "\(command) \(args): \(r.stderr)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: model), "no model is written when the training diverged")
        // A model whose weights are not finite (as a diverged run would have saved it).
        let learn = try runSeqlab(["grid", "learn", map, "--algorithm", "dqn", "--episodes", "5", "--hidden-units", "4", "--model", model, "--quiet"])
        XCTAssertEqual(learn.status, 0, learn.stderr)
        var file = try SafeTensorsFile(contentsOf: model)
        file.tensors["output.bias"] = SafeTensor(floats: [0, .nan, 0, 0], shape: [4])
        try file.write(to: model)
        let play = try runSeqlab(["grid", "play", map, "--model", model])
        XCTAssertEqual(play.status, 1, play.stderr)
        XCTAssertEqual(play.stdoutText, "")
        XCTAssertTrue(play.stderr.hasSuffix("q.safetensors: tensor output.bias: expected finite weights, found nan at index 1 (the training that wrote it diverged)\n"), play.stderr)
        let inspect = try runSeqlab(["inspect", model])
        XCTAssertEqual(inspect.status, 1, inspect.stderr)
        XCTAssertTrue(inspect.stdoutText.contains("output.bias"), inspect.stdoutText)
        XCTAssertTrue(inspect.stderr.contains("tensor output.bias: expected finite weights"), inspect.stderr)
    }

    /// Counts that would need absurd memory are refused up front with one line, not a crash
    /// ("failed to allocate") after the map is read.
    func testAbsurdMemoryIsRefused() throws {
        let map = path("lecture-2x3.grid")
        for args in [["--algorithm", "qlearning", "--episodes", "1000000000000"], ["--algorithm", "sarsa", "--runs", "1000000000000"],
                     ["--algorithm", "dqn", "--hidden-units", "100000000"], ["--algorithm", "dqn", "--batch-size", "1000000000"]] {
            for command in ["learn", "compare"] {
                let r = try runSeqlab(["grid", command, map] + args)
                XCTAssertEqual(r.status, 64, "\(command) \(args): \(r.stderr)")
                XCTAssertEqual(r.stdoutText, "")
                XCTAssertTrue(r.stderr.contains("GB of memory on a 2×3 map, more than the 4.29 GB allowed"), "\(args): \(r.stderr)")
                XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            }
        }
    }

    /// A map too large to solve within the memory allowed (4 GB by default, --max-memory) is refused
    /// with one line before its tables are built, as learn refuses settings: a 2000×2000 maze took
    /// 462 MB, and generate writes mazes of up to 10000×10000, which would need about 12 GB.
    func testMapsTooLargeToSolveAreRefused() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = dir.appendingPathComponent("maze.grid").path
        XCTAssertEqual(try runSeqlab(["grid", "generate", "--rows", "30", "--cols", "30", "-o", map]).status, 0)
        let tail = "solving would take about 0.000108 GB of memory on a 30×30 map, more than the 0.000102 GB allowed: "
        for (args, raise) in [(["solve", map, "--summary"], "solve a smaller map or raise --max-memory"),
                              (["solve", map, "--method", "policy"], "solve a smaller map or raise --max-memory"),
                              (["show", map, "--values"], "show a smaller map, without --values, --policy and --svg, or raise --max-memory")] {
            let r = try runSeqlab(["grid"] + args + ["--max-memory", "100K"])
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdoutText, "", "\(args)")
            XCTAssertEqual(r.stderr, "seqlab grid \(args[0]): \(map): \(tail)\(raise)\n", "\(args)")
            let roomy = try runSeqlab(["grid"] + args + ["--max-memory", "110K"])
            XCTAssertEqual(roomy.status, 0, "\(args): \(roomy.stderr)")
        }
        let piped = try runSeqlab(["grid", "solve", "-", "--max-memory", "1K"], stdin: Data("grid\nS . . . . . . . . T+1\n".utf8))
        XCTAssertEqual(piped.stderr, "seqlab grid solve: stdin: solving would take about 1.2e-06 GB of memory on a 1×10 map, more than the 1.02e-06 GB allowed: solve a smaller map or raise --max-memory\n")
        for (args, message) in [(["show", map, "--max-memory", "1G"], "--max-memory bounds solving the map: give --values, --policy or --svg"),
                                (["solve", map, "--max-memory", "lots"], "--max-memory takes a size such as 512M or 8G")] {
            let r = try runSeqlab(["grid"] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
    }

    /// A goal no move sequence reaches: solve, learn and compare refuse the map with one line naming
    /// the start; show draws it but warns, as solve warns when value iteration does not converge.
    func testUnreachableGoalIsDiagnosed() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = try writeTextFile("discount 1\nreward -0.04\ngrid\nS # T+1\n", "unreach.grid", in: dir)
        let message = "unreach.grid: line 4, column 1: no terminal cell can be reached from the start: walls, the border or cliffs close every way to one\n"
        for args in [["solve", map, "--summary"], ["solve", map, "--method", "policy"], ["learn", map, "--algorithm", "adp"],
                     ["compare", map, "--algorithm", "qlearning"], ["learn", "-", "--algorithm", "dqn", "--episodes", "2"]] {
            let r = try runSeqlab(["grid"] + args, stdin: args[1] == "-" ? Data("grid\nS # .\n# . T+1\n".utf8) : Data())
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdoutText, "", "\(args)")
            XCTAssertTrue(r.stderr.hasSuffix(args[1] == "-" ? "stdin: line 2, column 1: no terminal cell can be reached from the start: walls, the border or cliffs close every way to one\n" : message), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        let show = try runSeqlab(["grid", "show", map, "--values"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdoutText.contains("-4000.000"), show.stdoutText)
        XCTAssertTrue(show.stderr.contains("warning: \(map): no terminal cell can be reached from the start"), show.stderr)
        let piped = try runSeqlab(["grid", "show", "-", "--policy"], stdin: Data("grid\nS # T+1\n".utf8))
        XCTAssertTrue(piped.stderr.contains("seqlab grid show: warning: stdin: no terminal cell can be reached from the start"), piped.stderr)
        XCTAssertTrue(show.stderr.contains("warning: not converged after 100000 iterations"), show.stderr)
        let plain = try runSeqlab(["grid", "show", map])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.stderr, "", "a drawing without values needs no solution")
    }

    /// A pocket of cells sealed off from every terminal, with discount 1: its utilities never stop
    /// adding up, so solve and compare refuse the map with one line naming the pocket's first cell
    /// (solve ran to its iteration limit and printed -4000), as does learn with exploring starts
    /// (episodes would start in the pocket); learn from the start alone never enters it. show
    /// draws it and warns that the utilities there mean nothing.
    func testUndiscountedPocketIsDiagnosed() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = "discount 1\ntransition 0.8\nreward -0.04\ngrid\nS . . T1\n# # # #\n. . . .\n"
        let map = try writeTextFile(text, "pocket.grid", in: dir)
        let message = "line 7, column 1: no terminal cell can be reached from this cell, so with discount 1 its utility is a sum of rewards that never ends: wall it off with '#' or give a discount below 1\n"
        for args in [["solve", map], ["solve", map, "--method", "policy"], ["compare", map, "--algorithm", "qlearning"],
                     ["learn", map, "--algorithm", "sarsa", "--exploring-starts"]] {
            let r = try runSeqlab(["grid"] + args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdoutText, "", "\(args)")
            XCTAssertEqual(r.stderr, "seqlab grid \(args[0]): \(map): \(message)", "\(args)")
        }
        let learn = try runSeqlab(["grid", "learn", map, "--algorithm", "qlearning", "--quiet"])
        XCTAssertEqual(learn.status, 0, learn.stderr)
        XCTAssertTrue(learn.stdoutText.contains("policy (run 1):\n →  →  → +1\n"), learn.stdoutText)
        let discounted = try runSeqlab(["grid", "solve", "-", "--summary", "--quiet"], stdin: Data(text.replacingOccurrences(of: "discount 1", with: "discount 0.9").utf8))
        XCTAssertEqual(discounted.status, 0, discounted.stderr)
        let show = try runSeqlab(["grid", "show", map, "--policy"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stderr.contains("warning: \(map): no terminal cell can be reached from row 3, column 1 of the grid: with discount 1 its utility is not defined"), show.stderr)
    }

    /// play streams its episode lines as the episodes end: with 10⁸ episodes to play, the
    /// first thousands of lines arrive long before the run could end (they were all held
    /// in memory until the end, which wrote nothing for a long time).
    func testPlayStreamsEpisodes() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = try writeTextFile("discount 0.9\ntransition 1\ngrid\nS . T+1\n", "c3.grid", in: dir)
        let model = dir.appendingPathComponent("q.safetensors").path
        let learn = try runSeqlab(["grid", "learn", map, "--algorithm", "dqn", "--episodes", "3", "--hidden-units", "4", "--model", model, "--quiet"])
        XCTAssertEqual(learn.status, 0, learn.stderr)
        let process = Process()
        process.executableURL = seqlabBinary()
        process.arguments = ["grid", "play", map, "--model", model, "--episodes", "100000000", "--max-steps", "3"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }
        // Stopped after 30 s at most, so that a run holding its output ends the read with nothing.
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { if process.isRunning { process.terminate() } }
        var received = Data()
        while !String(decoding: received, as: UTF8.self).contains("\nepisode 2000: ") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received += chunk
        }
        let text = String(decoding: received, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("policy:\n"), String(text.prefix(200)))
        XCTAssertTrue(text.contains("\nepisode 1: return "), String(text.prefix(200)))
        XCTAssertTrue(text.contains("\nepisode 2000: "), "\(received.count) bytes in 30 s")
        XCTAssertTrue(process.isRunning, "the run is far from its end")
    }

    /// An output that cannot be written stops the command before any work: no training, no drawing,
    /// one line naming the path.
    func testUnwritableOutputsFailBeforeTheWork() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nodir").path
        let cases: [([String], String)] = [
            (["learn", path("maze-8x8.grid"), "--algorithm", "dqn", "--episodes", "300", "--model", missing + "/m.safetensors"], missing + "/m.safetensors"),
            (["learn", path("maze-8x8.grid"), "--algorithm", "qlearning", "--curve", missing + "/x.tsv"], missing + "/x.tsv"),
            (["show", path("lecture-2x3.grid"), "--svg", dir.path], dir.path),
        ]
        for (args, file) in cases {
            let r = try runSeqlab(["grid"] + args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdoutText, "", "\(args): nothing drawn or learnt")
            XCTAssertTrue(r.stderr.hasPrefix("seqlab grid \(args[0]): \(file): cannot open for writing"), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
        }
        // A model and curve that can be written are, after learning; the report stays on stdout.
        let model = dir.appendingPathComponent("m.safetensors").path, curve = dir.appendingPathComponent("c.jsonl").path
        let r = try runSeqlab(["grid", "learn", path("lecture-2x3.grid"), "--algorithm", "dqn", "--episodes", "4", "--hidden-units", "4",
                               "--model", model, "--curve", curve, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdoutText.hasPrefix("algorithm: dqn\n"), r.stdoutText)
        XCTAssertEqual(try String(contentsOfFile: curve, encoding: .utf8).split(separator: "\n").count, 4)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: model).metadata["architecture"], "dqn-mlp")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["c.jsonl", "m.safetensors"], "no temporary file left")
    }

    /// A byte that is not UTF-8 is named by line and column (characters, as parse errors count
    /// them), for a file, standard input ("stdin", as parse errors and the other commands call it) and inspect.
    func testInvalidUTF8IsPlaced() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = Data("name x\ngrid\nS . T+1\n. ".utf8) + Data([0xFF]) + Data(" .\n".utf8)
        let file = dir.appendingPathComponent("badutf.grid")
        try bytes.write(to: file)
        let accented = Data("grid\nS . T+1\né ".utf8) + Data([0xC3, 0x28]) + Data(" .\n".utf8)   // 0xC3 lacks its continuation
        let cases: [([String], Data, String)] = [
            (["grid", "solve", file.path], Data(), "seqlab grid solve: \(file.path): line 4, column 3: expected UTF-8 text, found the byte 0xFF\n"),
            (["grid", "solve", "-"], bytes, "seqlab grid solve: stdin: line 4, column 3: expected UTF-8 text, found the byte 0xFF\n"),
            (["grid", "show", "-"], accented, "seqlab grid show: stdin: line 3, column 3: expected UTF-8 text, found the byte 0xC3\n"),
            (["inspect", file.path], Data(), "seqlab inspect: \(file.path): line 4, column 3: expected UTF-8 text, found the byte 0xFF\n"),
        ]
        for (args, stdin, message) in cases {
            let r = try runSeqlab(args, stdin: stdin)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdoutText, "", "\(args)")
            XCTAssertEqual(r.stderr, message, "\(args)")
        }
        // Parse errors from standard input name it the same way.
        let parse = try runSeqlab(["grid", "solve", "-"], stdin: Data("grid\nS X T+1\n".utf8))
        XCTAssertEqual(parse.stderr, "seqlab grid solve: stdin: line 2, column 3: unknown cell 'X': expected '.', '#', a reward, S, T<reward> or C[<penalty>]\n")
    }

    /// Each `grid learn MAP ARGS` is refused as a usage error (exit 64) with one line containing its message.
    func assertUsageErrors(_ cases: [([String], String)], map: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for (args, message) in cases {
            let r = try runSeqlab(["grid", "learn", map] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)", file: file, line: line)
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)", file: file, line: line)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)", file: file, line: line)
        }
    }

    /// ε only falls towards --min-epsilon, so a floor above the start is refused rather than
    /// silently raising exploration (with the defaults filled in: 0.1 for the tabular learners'
    /// ε, 0.1 for DQN's final ε).
    func testMinEpsilonAboveEpsilonIsRefused() throws {
        let map = path("lecture-2x3.grid")
        let cases: [([String], String)] = [
            (["--algorithm", "qlearning", "--epsilon", "0", "--min-epsilon", "1"], "--min-epsilon (1.0) must not exceed --epsilon (0.0)"),
            (["--algorithm", "sarsa", "--min-epsilon", "0.5"], "--min-epsilon (0.5) must not exceed --epsilon (0.1, the default)"),
            (["--algorithm", "dqn", "--epsilon", "0.05", "--min-epsilon", "0.1"], "--min-epsilon (0.1) must not exceed --epsilon (0.05)"),
        ]
        try assertUsageErrors(cases, map: map)
        let equal = try runSeqlab(["grid", "learn", map, "--algorithm", "qlearning", "--episodes", "3", "--epsilon", "0.2", "--min-epsilon", "0.2"])
        XCTAssertEqual(equal.status, 0, equal.stderr)
        // DQN's default final ε (0.1) yields to a lower --epsilon given alone: ε stays at 0.05.
        let low = try runSeqlab(["grid", "learn", map, "--algorithm", "dqn", "--episodes", "3", "--epsilon", "0.05", "--quiet"])
        XCTAssertEqual(low.status, 0, low.stderr)
    }

    /// --values prints the learned U(s) = max_a Q(s,a) beside the policy, to set against solve's:
    /// Q-learning with α = 1 on a deterministic corridor learns them exactly, γ² = 0.81 and γ = 0.9.
    func testLearnAndComparePrintLearnedValues() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = try writeTextFile("discount 0.9\ntransition 1\nreward 0\ngrid\nS . T+1\n", "c3d.grid", in: dir)
        for command in ["learn", "compare"] {
            let r = try runSeqlab(["grid", command, map, "--algorithm", "qlearning", "--alpha", "1", "--episodes", "50", "--values"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdoutText.hasSuffix("values (run 1):\n0.810 0.900    +1\n"), "\(command): \(r.stdoutText)")
            let plain = try runSeqlab(["grid", command, map, "--algorithm", "qlearning", "--alpha", "1", "--episodes", "50"])
            XCTAssertFalse(plain.stdoutText.contains("values"), plain.stdoutText)
        }
        let solve = try runSeqlab(["grid", "solve", map, "--quiet"])
        XCTAssertTrue(solve.stdoutText.contains("utilities:\n0.810 0.900    +1\n"), solve.stdoutText)
    }

    /// An infinite (or NaN, zero) ε would stop value iteration after one sweep and report
    /// "converged" with utilities that are not a solution (start utility 0.0 on the lecture map).
    func testSolveRefusesAnEpsilonThatIsNotAPositiveFiniteNumber() throws {
        for value in ["inf", "nan", "0", "-1"] {
            let r = try runSeqlab(["grid", "solve", path("lecture-2x3.grid"), "--epsilon=\(value)"])
            XCTAssertEqual(r.status, 64, "--epsilon \(value): \(r.stderr)")
            XCTAssertEqual(r.stdoutText, "", "--epsilon \(value)")
            XCTAssertTrue(r.stderr.contains("--epsilon must be a positive finite number"), r.stderr)
        }
        let limit = try runSeqlab(["grid", "solve", path("lecture-2x3.grid"), "--max-iterations", "0"])
        XCTAssertEqual(limit.status, 64, limit.stderr)
        XCTAssertTrue(limit.stderr.contains("--max-iterations must be at least 1"), limit.stderr)
        let large = try runSeqlab(["grid", "solve", path("lecture-2x3.grid"), "--epsilon", "1e-3", "--quiet"])
        XCTAssertEqual(large.status, 0, large.stderr)
        XCTAssertTrue(large.stdoutText.contains("start utility: 4.80"), large.stdoutText)
    }

    func testBadFlagValueFails() throws {
        let r = try runSeqlab(["grid", "learn", path("lecture-2x3.grid"), "--algorithm", "qlearning", "--epsilon", "2"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--epsilon"), r.stderr)
        let ignored = try runSeqlab(["grid", "learn", path("lecture-2x3.grid"), "--algorithm", "sarsa", "--hidden-units", "8"])
        XCTAssertNotEqual(ignored.status, 0, "a DQN flag with a tabular learner is an error, not ignored")
        XCTAssertTrue(ignored.stderr.contains("--hidden-units"), ignored.stderr)
    }
}
