// GridImage: a grid state as an image (walls, terminals, rewards, agent position) for the DQN's input.
import Networks

/// The grid as a 4-channel image, flattened channel-major (channel, row, column), the DQN's input
/// (the "screen" of Mnih et al. 2015, here the map itself):
///
/// - channel 0: 1 on walls;
/// - channel 1: terminal rewards, divided by the largest |reward| of the map;
/// - channel 2: R(s) of open cells and cliff penalties, divided by the same scale;
/// - channel 3: 1 on the agent's cell.
///
/// Channels 0–2 do not change within a map; channel 3 is the state.
public struct GridImage: Sendable {
    public static let channels = 4
    public let rows: Int, cols: Int
    /// Channels 0–2, already filled; channel 3 zero.
    public let background: [Float]
    /// rows · cols · 4.
    public var size: Int { background.count }

    public init(_ map: GridMap) {
        rows = map.rows
        cols = map.cols
        let n = map.cellCount
        var scale = 0.0
        for s in 0..<n { scale = max(scale, abs(map.reward(s))) }
        if scale == 0 { scale = 1 }
        var image = [Float](repeating: 0, count: n * GridImage.channels)
        for s in 0..<n {
            switch map.cells[s] {
            case .wall: image[s] = 1
            case .terminal(let r): image[n + s] = Float(r / scale)
            case .open(let r): image[2 * n + s] = Float(r / scale)
            case .cliff(let p): image[2 * n + s] = Float(p / scale)
            }
        }
        background = image
    }

    /// The image of the agent standing on cell `s`, written into `out` (size elements).
    @inlinable public func write<S: NetworkScalar>(state s: Int, into out: UnsafeMutableBufferPointer<S>) {
        for i in 0..<background.count { out[i] = S(background[i]) }
        out[3 * rows * cols + s] = 1
    }

    /// A batch of images, one row per state: states.count × size.
    public func batch<S: NetworkScalar>(_ states: [Int], as: S.Type = S.self) -> Array2D<S> {
        var x = Array2D<S>(rows: states.count, cols: size)
        x.data.withUnsafeMutableBufferPointer { p in
            for (i, s) in states.enumerated() {
                write(state: s, into: UnsafeMutableBufferPointer(rebasing: p[(i * size)..<((i + 1) * size)]))
            }
        }
        return x
    }
}
