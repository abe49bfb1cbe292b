// ReplayMemory: the DQN's experience replay — a ring buffer of transitions sampled uniformly (Mnih et al. 2015).
import Tensors

/// One transition (s, a, r, s', done). States are cell indices; `GridImage` turns them into images.
public struct Transition: Equatable, Sendable {
    public var state: Int
    public var action: Int
    public var reward: Double
    public var next: Int
    /// True when s' is terminal (its reward then stands in for max_a' Q(s',a')).
    public var done: Bool
    public init(state: Int, action: Int, reward: Double, next: Int, done: Bool) {
        self.state = state; self.action = action; self.reward = reward; self.next = next; self.done = done
    }
}

/// Replay memory D of capacity N (Mnih et al. 2015, Algorithm 1): once full, each new transition
/// replaces the oldest; minibatches are drawn uniformly at random (with replacement) from what is stored.
public struct ReplayMemory: Sendable {
    public let capacity: Int
    public private(set) var storage: [Transition] = []
    /// Where the next transition goes once the memory is full (the oldest entry).
    public private(set) var nextSlot = 0
    /// Transitions ever stored (including those overwritten).
    public private(set) var totalStored = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "replay capacity must be positive")
        self.capacity = capacity
        storage.reserveCapacity(min(capacity, 1 << 20))
    }

    public var count: Int { storage.count }

    public mutating func append(_ t: Transition) {
        if storage.count < capacity {
            storage.append(t)
        } else {
            storage[nextSlot] = t
        }
        nextSlot = (nextSlot + 1) % capacity
        totalStored += 1
    }

    /// `size` transitions drawn uniformly with replacement.
    public func sample<G: RandomNumberGenerator>(_ size: Int, using rng: inout G) -> [Transition] {
        precondition(!storage.isEmpty, "sampling an empty replay memory")
        return (0..<size).map { _ in storage[Int(rng.next() % UInt64(storage.count))] }
    }
}
