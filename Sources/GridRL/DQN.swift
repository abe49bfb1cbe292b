// DQN: deep Q-learning with experience replay and a target network (Mnih et al. 2015, Algorithm 1) on grid images.
import Networks
import Tensors

/// Hyperparameters of DQN, with their defaults (Mnih et al. 2015, Extended Data Table 1, scaled down to grids).
public struct DQNOptions: Sendable {
    /// Training episodes. Default 1000.
    public var episodes: Int = 1000
    /// An episode is cut after this many steps. Default 200.
    public var maxStepsPerEpisode: Int = 200
    /// Hidden units of the MLP (ReLU). Default 64.
    public var hiddenUnits: Int = 64
    /// Replay memory capacity N. Default 10 000.
    public var replayCapacity: Int = 10_000
    /// Minibatch size. Default 32.
    public var batchSize: Int = 32
    /// The target network Q̂ is reset to Q every C steps. Default 200.
    public var targetUpdateInterval: Int = 200
    /// Updates start once the memory holds this many transitions ("replay start size"). Default 200.
    public var learningStarts: Int = 200
    /// One minibatch update every this many steps. Default 1.
    public var updateInterval: Int = 1
    /// RMSProp step size η. Default 0.003 (0.001 learns the small grids too slowly).
    public var learningRate: Double = 0.003
    /// RMSProp decay ρ of the squared-gradient average. Default 0.95.
    public var rmsDecay: Double = 0.95
    /// RMSProp ε under the square root. Default 0.01.
    public var rmsEpsilon: Double = 0.01
    /// RMSProp form: false = the lecture's (eq. 13–14: w ← w − η g / sqrt(r + ε), r the moving
    /// average of g²); true = the centred form of the Nature DQN code (Graves 2013 eq. 38–41:
    /// the moving average of g is subtracted, n − ḡ²). Default false.
    public var centredRMSProp = false
    /// ε-greedy exploration: ε annealed linearly from `epsilonStart` to `epsilonEnd` over `annealSteps` steps.
    /// Defaults 1.0 → 0.1 over 2 000 steps.
    public var epsilonStart: Double = 1.0
    public var epsilonEnd: Double = 0.1
    public var annealSteps: Int = 2_000
    /// Error clipping: the TD error's gradient is clipped to [−clip, clip] (Huber loss). Default 1.
    public var errorClip: Double = 1
    /// Rewards are multiplied by this for learning (a positive scale leaves the optimal policy unchanged;
    /// Mnih et al. clip rewards to [−1, 1] instead). Default 1: on the shipped maps, 1/max|R| learnt
    /// worse (cliff walking, maze 8×8) or the same (lecture 2×3).
    public var rewardScale: Double = 1
    /// Seed of the run (weights, exploration, transitions, minibatches).
    public var seed: UInt64 = 1
    public init() {}

    /// ε after `step` steps: linear from epsilonStart to epsilonEnd, then constant.
    public func epsilon(afterSteps step: Int) -> Double {
        guard annealSteps > 0 else { return epsilonEnd }
        let t = min(1, Double(step) / Double(annealSteps))
        return epsilonStart + (epsilonEnd - epsilonStart) * t
    }
}

extension DQNOptions {
    /// Roughly the bytes one run holds on a map whose image has `inputs` values: the weights of the
    /// online and target networks with their gradients and RMSProp's averages, a minibatch's
    /// images and activations through both networks, the replay memory as full as the run can
    /// fill it, and the return, steps and loss of every episode. A Double, so that absurd settings
    /// give a large number rather than overflow.
    public func estimatedBytes(inputs: Int) -> Double {
        let h = Double(hiddenUnits), weights = h * Double(inputs + 1) + 4 * (h + 1)
        let weightBytes = 4 * weights * (centredRMSProp ? 7 : 6)
        let batchBytes = 2 * 4 * Double(batchSize) * (2 * Double(inputs) + 3 * h + 8)
        let transitions = min(Double(replayCapacity), Double(episodes) * Double(maxStepsPerEpisode))
        return weightBytes + batchBytes + transitions * Double(MemoryLayout<Transition>.stride) + Double(episodes) * 24
    }
}

/// A DQN agent: the online network Q, the target network Q̂, the replay memory D and RMSProp.
///
/// `act` chooses ε-greedily; `observe` stores a transition, and every `updateInterval` steps (once
/// D holds `learningStarts`) samples a minibatch, sets y_j = r_j (+ γ·R(s'_j) if s'_j is terminal,
/// else + γ·max_a' Q̂(s'_j, a')), takes an RMSProp step on the clipped loss, and every C steps sets Q̂ ← Q.
public struct DQNAgent {
    public let options: DQNOptions
    public let mdp: GridMDP
    public let image: GridImage
    public private(set) var online: QNetwork<Float>
    public private(set) var target: QNetwork<Float>
    public private(set) var memory: ReplayMemory
    public private(set) var optimizer: RMSProp
    /// Environment steps observed.
    public private(set) var steps = 0
    /// Minibatch updates done, and target-network resets done.
    public private(set) var updates = 0
    public private(set) var targetResets = 0
    /// The step at which Q̂ was last set to Q.
    public private(set) var lastTargetReset = 0
    public var rng: SeededGenerator
    /// The reward scale in use (Q is learnt in these units).
    public let rewardScale: Double

    public init(_ mdp: GridMDP, options: DQNOptions) {
        self.options = options
        self.mdp = mdp
        rewardScale = options.rewardScale
        image = GridImage(mdp.map)
        rng = SeededGenerator(seed: options.seed)
        online = QNetwork(inputs: image.size, hiddenUnits: options.hiddenUnits, rng: &rng)
        target = online.copy()
        memory = ReplayMemory(capacity: options.replayCapacity)
        optimizer = RMSProp(learningRate: options.learningRate, decay: options.rmsDecay,
                            epsilon: options.rmsEpsilon, momentum: 0, centered: options.centredRMSProp)
    }

    /// The current ε.
    public var epsilon: Double { options.epsilon(afterSteps: steps) }

    /// An ε-greedy action for state `s` under the online network.
    public mutating func act(_ s: Int) -> Int {
        if rng.uniform() < epsilon { return Int(rng.next() % 4) }
        let q = online(image.batch([s], as: Float.self))
        var best = 0
        for a in 1..<4 where q[0, a] > q[0, best] { best = a }
        return best
    }

    /// Stores a transition and trains when due. Returns the minibatch loss if an update ran.
    @discardableResult
    public mutating func observe(_ t: Transition) -> Double? {
        memory.append(t)
        steps += 1
        var loss: Double?
        if memory.count >= max(options.learningStarts, 1) && steps % max(1, options.updateInterval) == 0 {
            loss = update()
        }
        if steps % max(1, options.targetUpdateInterval) == 0 {
            target.copyWeights(from: online)
            targetResets += 1
            lastTargetReset = steps
        }
        return loss
    }

    /// One minibatch step of Algorithm 1; returns the loss before the step.
    mutating func update() -> Double {
        let batch = memory.sample(options.batchSize, using: &rng)
        let nextQ = target(image.batch(batch.map(\.next), as: Float.self))
        let g = mdp.discount, k = rewardScale
        let targets: [Float] = batch.enumerated().map { j, t in
            if t.done { return Float(k * (t.reward + g * mdp.terminalValue[t.next])) }
            var best = nextQ[j, 0]
            for a in 1..<4 { best = max(best, nextQ[j, a]) }
            return Float(k * t.reward + g * Double(best))
        }
        let parameters = online.parameters
        parameters.zeroGradients()
        let loss = online.accumulateLossGradient(image.batch(batch.map(\.state), as: Float.self), actions: batch.map(\.action),
                                                 targets: targets, clip: Float(options.errorClip))
        optimizer.step(parameters)
        updates += 1
        return loss
    }
}

/// What a DQN run produced.
public struct DQNResult {
    /// The trained network; its outputs are Q-values times `rewardScale`.
    public var network: QNetwork<Float>
    public var rewardScale: Double
    /// The greedy policy of the trained network.
    public var policy: [Int]
    /// Undiscounted return and steps of every training episode.
    public var returns: [Double]
    public var steps: [Int]
    /// Mean minibatch loss per episode (NaN before updates start).
    public var losses: [Double]

    /// The run as a `LearningResult` (Q table from the network's outputs), for curves and comparisons.
    public func learningResult(_ mdp: GridMDP) -> LearningResult {
        var q = [Double](repeating: 0, count: mdp.stateCount * 4)
        let states = mdp.decisionStates.map(Int.init)
        if !states.isEmpty {
            let out = network(GridImage(mdp.map).batch(states, as: Float.self))
            for (i, s) in states.enumerated() { for a in 0..<4 { q[s * 4 + a] = Double(out[i, a]) / rewardScale } }
        }
        return LearningResult(q: q, policy: policy, returns: returns, steps: steps)
    }
}

/// Trains a DQN on `mdp` (Mnih et al. 2015, Algorithm 1, with the grid image as the state).
/// `progress` is called after every episode with (episode, return); `shouldStop`, asked after every
/// episode, ends the training early (the result then holds the episodes done).
public func trainDQN(_ mdp: GridMDP, options: DQNOptions, progress: ((Int, Double) -> Void)? = nil,
                     shouldStop: () -> Bool = { false }) -> DQNResult {
    var agent = DQNAgent(mdp, options: options)
    var returns: [Double] = [], steps: [Int] = [], losses: [Double] = []
    for episode in 0..<options.episodes {
        var s = mdp.map.start, total = 0.0, t = 0, lossSum = 0.0, lossCount = 0
        while t < options.maxStepsPerEpisode {
            let a = agent.act(s)
            let (next, r, done) = mdp.step(s, a, using: &agent.rng)
            t += 1
            total += r
            if let loss = agent.observe(Transition(state: s, action: a, reward: r, next: next, done: done)) {
                lossSum += loss; lossCount += 1
            }
            if done { total += mdp.terminalValue[next]; break }
            s = next
        }
        returns.append(total); steps.append(t)
        losses.append(lossCount > 0 ? lossSum / Double(lossCount) : .nan)
        progress?(episode + 1, total)
        if shouldStop() { break }
    }
    return DQNResult(network: agent.online, rewardScale: agent.rewardScale, policy: greedyPolicy(agent.online, map: mdp.map),
                     returns: returns, steps: steps, losses: losses)
}
