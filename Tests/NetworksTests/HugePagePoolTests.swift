import XCTest
@testable import Networks

/// `HugePagePool`: whole 2 MB blocks, aligned to 2 MB, reused smallest-fitting first, never more held
/// than the most bytes in use at once; and the `ScratchBuffer`s it backs.
final class HugePagePoolTests: XCTestCase {
    private let mb = 1 << 20

    func testBlocksAreWhole2MBPagesAndReusedSmallestFirst() throws {
        let pool = HugePagePool()
        let a = try XCTUnwrap(pool.take(5 * mb)), b = try XCTUnwrap(pool.take(9 * mb))
        XCTAssertEqual(a.bytes, 6 * mb)
        XCTAssertEqual(b.bytes, 10 * mb)
        for block in [a, b] { XCTAssertEqual(Int(bitPattern: block.pointer) % (2 * mb), 0, "2 MB-aligned") }
        // Every byte of a block can be written and read back.
        let floats = b.pointer.bindMemory(to: Float.self, capacity: b.bytes / 4)
        for i in 0..<(b.bytes / 4) { floats[i] = Float(i % 1000) }
        XCTAssertEqual(floats[b.bytes / 4 - 1], Float((b.bytes / 4 - 1) % 1000))
        pool.give(a.pointer, bytes: a.bytes)
        pool.give(b.pointer, bytes: b.bytes)
        XCTAssertEqual(pool.mostInUse, 16 * mb)
        XCTAssertEqual(pool.idleBlocks.count, 2)
        XCTAssertEqual(pool.idleBlocks.bytes, 16 * mb)
        // 4 MB fits both: the smaller is taken; 7 MB only fits the larger; 11 MB neither.
        let c = try XCTUnwrap(pool.take(4 * mb))
        XCTAssertEqual(c.pointer, a.pointer)
        XCTAssertEqual(c.bytes, 6 * mb)
        let d = try XCTUnwrap(pool.take(7 * mb))
        XCTAssertEqual(d.pointer, b.pointer)
        XCTAssertEqual(pool.idleBlocks.count, 0)
        let e = try XCTUnwrap(pool.take(11 * mb))
        XCTAssertNotEqual(e.pointer, a.pointer)
        XCTAssertNotEqual(e.pointer, b.pointer)
        XCTAssertEqual(e.bytes, 12 * mb)
        XCTAssertEqual(pool.mostInUse, 28 * mb)
        for block in [c, d, e] { pool.give(block.pointer, bytes: block.bytes) }
        XCTAssertEqual(pool.idleBlocks.bytes, 28 * mb)
    }

    /// A request no idle block fits frees idle blocks, the smallest first, as far as the pool would
    /// otherwise hold more than the most bytes ever in use at once.
    func testThePoolHoldsNoMoreThanTheMostInUse() throws {
        let pool = HugePagePool()
        let a = try XCTUnwrap(pool.take(8 * mb))
        pool.give(a.pointer, bytes: a.bytes)
        XCTAssertEqual(pool.idleBlocks.bytes, 8 * mb)
        let b = try XCTUnwrap(pool.take(10 * mb))   // too large for the idle 8 MB, which goes
        XCTAssertEqual(pool.idleBlocks.count, 0)
        XCTAssertEqual(pool.mostInUse, 10 * mb)
        pool.give(b.pointer, bytes: b.bytes)
        let c = try XCTUnwrap(pool.take(4 * mb))
        XCTAssertEqual(c.pointer, b.pointer)
        pool.give(c.pointer, bytes: c.bytes)
        // Steps whose buffers grow: 3 × 6 MB, then 3 × 8 MB, then 2 × 8 MB and 12 MB. Each new block
        // frees the smallest idle ones while the pool would hold more than the peak in use.
        let steps = [[6, 6, 6], [8, 8, 8], [8, 8, 12]].map { $0.map { $0 * mb } }
        var held: [Int] = []
        for step in steps {
            let blocks = try step.map { try XCTUnwrap(pool.take($0)) }
            held.append(pool.idleBlocks.bytes + blocks.reduce(0) { $0 + $1.bytes })
            XCTAssertLessThanOrEqual(held.last!, pool.mostInUse)
            for block in blocks { pool.give(block.pointer, bytes: block.bytes) }
        }
        XCTAssertEqual(pool.mostInUse, 28 * mb)
        XCTAssertEqual(held, [22 * mb, 26 * mb, 28 * mb])
        XCTAssertEqual(pool.idleBlocks.bytes, 28 * mb)
    }

    /// Buffers of the threshold or more come from the shared pool; a zeroed one is zero even where
    /// the block's last user left values, and every buffer's elements can be written.
    func testLargeScratchBuffersAreZeroedFromReusedBlocks() {
        let count = HugePagePool.threshold / MemoryLayout<Float>.stride + 3
        var pointer: UnsafeMutablePointer<Float>? = nil
        do {
            let first = ScratchBuffer<Float>(count: count, zeroed: false)
            first.pointer.update(repeating: .nan, count: count)
            pointer = first.pointer
            XCTAssertEqual(Int(bitPattern: first.pointer) % HugePagePool.blockBytes, 0, "a pool block")
        }
        let second = ScratchBuffer<Float>(count: count)
        XCTAssertEqual(second.pointer, pointer, "the block handed back is taken again")
        XCTAssertTrue((0..<count).allSatisfy { second.pointer[$0] == 0 })
        let small = ScratchBuffer<Float>(count: 1000)
        XCTAssertTrue((0..<1000).allSatisfy { small.pointer[$0] == 0 })
        let doubles = ScratchBuffer<Double>(count: count)
        doubles.pointer[count - 1] = 1.5
        XCTAssertEqual(doubles.array(rows: 1, cols: count).data.last, 1.5)
    }
}
