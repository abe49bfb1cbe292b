// Optimizer: the protocol every update rule implements, and the slot and weight-decay helpers they share.

/// An update rule that moves parameters against their gradients.
///
/// `step` reads each parameter's `gradient` (as left by `backward`, after any clipping with
/// `clipGradientNorm(maxNorm:)`), updates `value` in place and keeps its own per-parameter
/// state in the parameter's `slots`. It does not zero the gradients: call `zeroGradients()`
/// before the next accumulation. Weight decay, where an optimizer offers it, is the L2 term
/// added to the gradient: g ← g + λ·w.
public protocol Optimizer: Sendable {
    mutating func step<S: NetworkScalar>(_ parameters: [Parameter<S>])
}

extension Parameter {
    /// Runs `body` on the slot named `key` (zeros the first time), without copying its storage.
    /// When not `enabled`, the slot is neither created nor kept and `body` gets an empty buffer.
    @inlinable
    func withSlot<R>(_ key: String, enabled: Bool = true, _ body: (UnsafeMutableBufferPointer<S>) -> R) -> R {
        guard enabled else {
            slots[key] = nil
            return body(UnsafeMutableBufferPointer(start: nil, count: 0))
        }
        var slot = slots.removeValue(forKey: key) ?? [S](repeating: 0, count: shape.reduce(1, *))  // not value.count: value may be under access
        defer { slots[key] = slot }
        return slot.withUnsafeMutableBufferPointer { body($0) }
    }

    /// Runs `body` on (value, gradient) buffers.
    @inlinable
    func withValueAndGradient<R>(_ body: (UnsafeMutableBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> R) -> R {
        value.data.withUnsafeMutableBufferPointer { w in
            gradient.data.withUnsafeMutableBufferPointer { g in body(w, g) }
        }
    }
}
