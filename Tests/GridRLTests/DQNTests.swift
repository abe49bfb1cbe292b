// DQN: loss gradient by finite differences, replay memory, target-network timing, ε annealing, learning, saving.
import XCTest
import Formats
import GridRL
import Networks
import Tensors
import TestSupport

final class DQNTests: XCTestCase {
    /// The clipped (Huber) loss gradient of the Q-network against central differences in Double,
    /// with targets chosen so that some TD errors fall inside [−1, 1] and some outside.
    func testLossGradientMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 11)
        let network = QNetwork<Double>(inputs: 6, hiddenUnits: 5, rng: &rng)
        let x = Array2D<Double>(rows: 4, cols: 6, uniformScale: 1, rng: &rng)
        let actions = [0, 3, 1, 3]
        let q = network(x)
        let targets = [q[0, 0] + 0.3, q[1, 3] - 2.5, q[2, 1] + 1.7, q[3, 3] - 0.4]  // errors −0.3, 2.5, −1.7, 0.4
        let parameters = network.parameters
        parameters.zeroGradients()
        network.accumulateLossGradient(x, actions: actions, targets: targets, clip: 1)
        let analytic = parameters.map { $0.gradient.data }
        func loss() -> Double {
            let probe = network.copy()
            return probe.accumulateLossGradient(x, actions: actions, targets: targets, clip: 1)
        }
        let h = 1e-6
        for (p, grad) in zip(parameters, analytic) {
            var numeric: [Double] = []
            for i in 0..<p.count {
                let saved = p.value.data[i]
                p.value.data[i] = saved + h; let up = loss()
                p.value.data[i] = saved - h; let down = loss()
                p.value.data[i] = saved
                numeric.append((up - down) / (2 * h))
            }
            // Central differences in Double: truncation O(h²) and rounding ~1e-16/h ≈ 1e-10.
            assertClose(grad, numeric, absolute: 1e-7, p.name)
        }
        XCTAssertGreaterThan(analytic.flatMap { $0 }.map(abs).max()!, 1e-3, "the check is not vacuous")
    }

    func testReplayMemoryOverwritesOldestAndSamplesUniformly() {
        var memory = ReplayMemory(capacity: 3)
        let t = (0..<5).map { Transition(state: $0, action: $0 % 4, reward: Double($0), next: $0 + 1, done: false) }
        for x in t { memory.append(x) }
        XCTAssertEqual(memory.count, 3)
        XCTAssertEqual(memory.totalStored, 5)
        XCTAssertEqual(memory.storage, [t[3], t[4], t[2]], "slots 0 and 1 overwritten by the 4th and 5th")
        var rng = SeededGenerator(seed: 3)
        var counts = [Int: Int]()
        for x in memory.sample(3000, using: &rng) { counts[x.state, default: 0] += 1 }
        XCTAssertEqual(Set(counts.keys), [2, 3, 4])
        // Binomial(3000, 1/3): standard deviation ≈ 26; allow 5σ.
        for (_, n) in counts { XCTAssertEqual(Double(n), 1000, accuracy: 130) }
    }

    /// Q̂ is set to Q exactly at steps C, 2C, …, and stays frozen in between while Q learns.
    func testTargetNetworkResetsEveryCSteps() throws {
        let mdp = GridMDP(try GridMapParserTests.shipped("lecture-2x3.grid"))
        var options = DQNOptions()
        options.targetUpdateInterval = 5; options.learningStarts = 1; options.batchSize = 4; options.hiddenUnits = 8
        var agent = DQNAgent(mdp, options: options)
        var snapshotAt20: [[Float]] = []
        for step in 1...23 {
            let s = step % 2 == 0 ? 0 : 1
            agent.observe(Transition(state: s, action: step % 4, reward: Double(step % 3), next: s + 1, done: false))
            if step == 20 { snapshotAt20 = agent.online.parameters.map { $0.value.data } }
            if step % 5 == 0 {
                XCTAssertEqual(agent.target.parameters.map { $0.value.data }, agent.online.parameters.map { $0.value.data }, "step \(step)")
            }
        }
        XCTAssertEqual(agent.targetResets, 4)
        XCTAssertEqual(agent.lastTargetReset, 20)
        XCTAssertEqual(agent.updates, 23)
        XCTAssertEqual(agent.target.parameters.map { $0.value.data }, snapshotAt20, "frozen since step 20")
        XCTAssertNotEqual(agent.online.parameters.map { $0.value.data }, snapshotAt20, "Q kept learning after step 20")
    }

    func testEpsilonAnnealsLinearlyFromOneToPointOne() {
        var options = DQNOptions()
        options.annealSteps = 1000
        XCTAssertEqual(options.epsilon(afterSteps: 0), 1.0)
        XCTAssertEqual(options.epsilon(afterSteps: 500), 0.55, accuracy: 1e-12)
        XCTAssertEqual(options.epsilon(afterSteps: 1000), 0.1, accuracy: 1e-12)
        XCTAssertEqual(options.epsilon(afterSteps: 5000), 0.1, accuracy: 1e-12)
    }

    func testGridImageChannels() throws {
        let map = try GridMapParserTests.shipped("russell-norvig-4x3.grid")
        let image = GridImage(map)
        let x = image.batch([map.start, 0], as: Float.self)
        let n = 12
        XCTAssertEqual(x.cols, 4 * n)
        XCTAssertEqual(x[0, 5], 1, "wall at (1,1)")
        XCTAssertEqual(x[0, n + 3], 1); XCTAssertEqual(x[0, n + 7], -1)
        XCTAssertEqual(x[0, 2 * n], -0.04, accuracy: 1e-7)
        XCTAssertEqual(x[0, 3 * n + map.start], 1); XCTAssertEqual(x[1, 3 * n], 1)
        XCTAssertEqual((0..<n).map { x[0, 3 * n + $0] }.reduce(0, +), 1, "one agent")
    }

    /// DQN learns the optimal greedy policy of a small deterministic world (→ → → +1 / ↑ −1 ↑ #,
    /// γ = 0.9) with fixed seeds, and the saved network reads back to the same Q-values.
    func testDQNLearnsSmallWorldAndRoundTripsThroughSafetensors() throws {
        let map = try GridMap(parsing: "discount 0.9\ntransition 1\ngrid\nS  .  .  T+1\n.  T-1 . #\n")
        let mdp = GridMDP(map)
        let optimal = valueIteration(mdp)
        var options = DQNOptions()
        options.episodes = 300; options.hiddenUnits = 16; options.annealSteps = 600; options.targetUpdateInterval = 50
        options.learningStarts = 50; options.learningRate = 0.01
        var last: DQNResult?
        for seed in UInt64(1)...2 {
            options.seed = seed
            let result = trainDQN(mdp, options: options)
            XCTAssertEqual(comparePolicy(mdp, policy: result.policy, optimal: optimal).agreement, 1, "seed \(seed): \(result.policy)")
            XCTAssertEqual(result.returns.count, 300)
            XCTAssertTrue(result.losses.suffix(10).allSatisfy { $0.isFinite })
            last = result
        }
        let network = try XCTUnwrap(last).network
        let file = network.safeTensors(rows: 2, cols: 4, metadata: ["map": "small"])
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("q.safetensors").path
        try file.write(to: path)
        let (loaded, rows, cols) = try QNetwork<Float>.load(SafeTensorsFile(contentsOf: path), path: path)
        XCTAssertEqual([rows, cols], [2, 4])
        let x = GridImage(map).batch([0, 1, 2, 4, 6], as: Float.self)
        XCTAssertEqual(loaded(x).data, network(x).data)
        XCTAssertEqual(greedyPolicy(loaded, map: map), last!.policy)
        // The metadata is sealed: a changed map size is refused on reading, not trusted.
        XCTAssertEqual(file.metadata[SafeTensorsFile.metadataChecksumKey], file.metadataChecksum())
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let key = Array("\"grid_cols\":\"4\"".utf8)
        let at = try XCTUnwrap((0...(bytes.count - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key })
        bytes[at + key.count - 2] = UInt8(ascii: "8")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".contains("seqlab.metadata_checksum"), "\(error)")
        }
    }

    func testDQNWithCentredRMSPropLearnsSmallWorld() {
        let map = try! GridMap(parsing: "discount 0.9\ntransition 1\ngrid\nS  .  .  T+1\n.  T-1 . #\n")
        let mdp = GridMDP(map)
        var options = DQNOptions()
        options.episodes = 300; options.hiddenUnits = 16; options.annealSteps = 600; options.targetUpdateInterval = 50
        options.learningStarts = 50; options.learningRate = 0.01; options.centredRMSProp = true; options.seed = 1
        let result = trainDQN(mdp, options: options)
        XCTAssertEqual(comparePolicy(mdp, policy: result.policy, optimal: valueIteration(mdp)).agreement, 1, "\(result.policy)")
    }

    func testLoadingRejectsAModelThatIsNotADQN() throws {
        let file = SafeTensorsFile(tensors: ["w": SafeTensor(floats: [1], shape: [1])], metadata: ["architecture": "lstm-ctc"])
        XCTAssertThrowsError(try QNetwork<Float>.load(file, path: "m.safetensors")) { error in
            XCTAssertTrue("\(error)".hasPrefix("m.safetensors: metadata: expected architecture 'dqn-mlp'"), "\(error)")
        }
        // The architecture the file claims is quoted with its control characters escaped.
        let escaped = SafeTensorsFile(tensors: ["w": SafeTensor(floats: [1], shape: [1])], metadata: ["architecture": "\u{1B}[31mlstm"])
        XCTAssertThrowsError(try QNetwork<Float>.load(escaped, path: "m.safetensors")) { error in
            XCTAssertEqual("\(error)", "m.safetensors: metadata: expected architecture 'dqn-mlp' (a model from 'seqlab grid learn --algorithm dqn'), found '\\x1B[31mlstm'")
        }
    }
}
