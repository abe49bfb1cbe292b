// `seqlab grid play`: runs a trained Q-network (from `grid learn --algorithm dqn --model`) greedily on a map.
import ArgumentParser
import Formats
import GridRL
import Tensors

struct GridPlay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play a grid map greedily with a trained DQN model: the path, the return, the policy.")

    @Argument(help: "The grid map file (- for standard input).", completion: .file())
    var map: String

    @Option(name: [.short, .long], help: "The Q-network (safetensors) written by 'seqlab grid learn --algorithm dqn --model'.", completion: .file())
    var model: String

    @Option(help: "Episodes to play (moves are random when the map's transitions are).")
    var episodes = 1

    @Option(help: "Cut an episode after this many steps.")
    var maxSteps = 200

    @Option(help: "Seed of the transitions.")
    var seed: UInt64 = 1

    func validate() throws {
        guard episodes >= 1, maxSteps >= 1 else { throw ValidationError("--episodes and --max-steps must be at least 1") }
    }

    func run() throws {
        try Self.reportingErrors {
            let map = try GridMap(contentsOf: self.map)
            let (network, rows, cols) = try QNetwork<Float>.load(SafeTensorsFile(contentsOf: model), path: model)
            guard rows == map.rows, cols == map.cols else {
                throw InputError(file: model, place: "metadata", "the model was trained on a \(rows)×\(cols) map, \(self.map) is \(map.rows)×\(map.cols)")
            }
            let mdp = GridMDP(map)
            let policy = greedyPolicy(network, map: map)
            var rng = SeededGenerator(seed: seed)
            // Streamed: the policy first, then each episode's line as it ends (in blocks of about
            // 64 kB), the mean at the end, so a long run neither holds its output nor shows nothing.
            var text = "policy:\n" + GridRendering.policy(map, policy)
            var sum = 0.0
            for episode in 1...episodes {
                var s = map.start, total = 0.0, path = [map.position(of: s)]
                var ended = false
                for _ in 0..<maxSteps {
                    let (next, r, done) = mdp.step(s, policy[s], using: &rng)
                    total += r
                    path.append(map.position(of: next))
                    if done { total += mdp.terminalValue[next]; ended = true; break }
                    s = next
                }
                sum += total
                let cells = path.map { "(\($0.row),\($0.col))" }.joined(separator: " ")
                text += "episode \(episode): return \(total), \(path.count - 1) steps\(ended ? "" : " (cut)"): \(cells)\n"
                if text.utf8.count >= 1 << 16 || episode == 1 { try writeOut(text); text = "" }
            }
            text += "mean return: \(sum / Double(episodes))\n"
            try writeOut(text)
        }
    }
}
