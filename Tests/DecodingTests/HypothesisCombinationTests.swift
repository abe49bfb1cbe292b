// ROVER (combineHypotheses): alignments and votes worked out by hand.
import XCTest
import Decoding
import Tensors

final class HypothesisCombinationTests: XCTestCase {
    func split(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }
    func combine(_ systems: String...) -> String { combineHypotheses(systems.map(split)).joined(separator: " ") }

    /// Each slot keeps what most systems put there: a substitution outvoted, a word only one
    /// system inserted dropped (its slot is ∅ ∅ d).
    func testTheMajorityWinsEachSlot() {
        XCTAssertEqual(combine("a b c", "a x c", "a b c d"), "a b c")
        XCTAssertEqual(combine("a x c", "a b c", "a b c"), "a b c")
    }

    /// A word most systems leave out is deleted; a word most systems add is kept.
    func testDeletionsAndInsertionsByMajority() {
        XCTAssertEqual(combine("a b c", "a c", "a c"), "a c")
        XCTAssertEqual(combine("a c", "a b c", "a b c"), "a b c")
        XCTAssertEqual(combine("", "a", "a"), "a")
        XCTAssertEqual(combine("a", "", ""), "")
    }

    /// A later system aligns to a word an earlier non-first system brought: after two systems
    /// the network is [a a] [∅ x] [b b]; "y x b" substitutes y for a (cost 1), then matches x
    /// (cost 0, x is in the slot) and b, so the slots vote a, x (2 of 3), b.
    func testAlignmentUsesEveryWordInTheNetwork() {
        XCTAssertEqual(combine("a b", "a x b", "y x b"), "a x b")
    }

    /// Ties go to the earliest system among the tied ones.
    func testTiesGoToTheEarliestSystem() {
        XCTAssertEqual(combine("a", "b", "c"), "a")
        XCTAssertEqual(combine("a b", "a c", "a d", "a c"), "a c")        // c 2, b 1, d 1
        XCTAssertEqual(combine("a b", "a c", "a c", "a b"), "a b")        // b 2, c 2: b is earlier
    }

    func testIdenticalAndEmptyInputs() {
        XCTAssertEqual(combine("1 2 3", "1 2 3", "1 2 3"), "1 2 3")
        XCTAssertEqual(combineHypotheses([[], [], []]), [])
        XCTAssertEqual(combineHypotheses([]), [])
        XCTAssertEqual(combineHypotheses([split("x y")]), split("x y"))
    }

    // Votes with confidences (VoteWeights): scores score(w) = α·N(w)/3 + (1 − α)·C(w) worked out by hand.
    func scored(_ s: String) -> [ScoredToken] {
        split(s).map { field in
            let parts = field.split(separator: ":")
            return ScoredToken(String(parts[0]), confidence: Double(parts[1])!)
        }
    }
    func combine(_ weights: VoteWeights, _ systems: String...) -> String {
        combineHypotheses(systems.map(scored), weights: weights).joined(separator: " ")
    }

    /// Slot 2 has 2 (0.9) from the first system against 7 from the other two (0.2, 0.3).
    /// α = 1: 7 (2/3 against 1/3). α = 0.5: 2 scores 1/6 + 0.45 = 0.617, 7 scores 1/3 + 0.125 = 0.458.
    func testConfidenceCanOutweighTheCount() {
        let systems = ["1:0.9 2:0.9", "1:0.8 7:0.2", "1:0.7 7:0.3"]
        XCTAssertEqual(combineHypotheses(systems.map(scored), weights: .frequency), ["1", "7"])
        XCTAssertEqual(combineHypotheses(systems.map(scored), weights: VoteWeights(alpha: 0.5)), ["1", "2"])
        // The string API is the vote by frequency.
        XCTAssertEqual(combineHypotheses(systems.map { split($0).map { String($0.prefix(1)) } }), ["1", "7"])
    }

    /// Mean against max: 7 has 0.2 and 0.95 (mean 0.575, max 0.95), 2 has 0.9. With α = 0 the mean
    /// elects 2 and the max elects 7.
    func testMeanAndMaximumConfidence() {
        XCTAssertEqual(combine(VoteWeights(alpha: 0, confidence: .mean), "2:0.9", "7:0.2", "7:0.95"), "2")
        XCTAssertEqual(combine(VoteWeights(alpha: 0, confidence: .max), "2:0.9", "7:0.2", "7:0.95"), "7")
    }

    /// A system's nothing counts with Conf(@). 4 from two systems (0.3, 0.4) against ∅ from one:
    /// α = 1 keeps 4 (2/3); α = 0 with Conf(@) = 0.9 drops it (0.35 < 0.9), with 0.1 keeps it.
    /// 4 from one system against two ∅, α = 0.5, Conf(@) = 0: at 0.3 it scores 1/6 + 0.15 = 0.317
    /// against ∅'s 1/3 and goes; at 0.6 it scores 1/6 + 0.3 = 0.467 and stays.
    func testNothingCountsWithTheNullConfidence() {
        XCTAssertEqual(combine(.frequency, "a:1 4:0.3", "a:1 4:0.4", "a:1"), "a 4")
        XCTAssertEqual(combine(VoteWeights(alpha: 0, nullConfidence: 0.9), "a:1 4:0.3", "a:1 4:0.4", "a:1"), "a")
        XCTAssertEqual(combine(VoteWeights(alpha: 0, nullConfidence: 0.1), "a:1 4:0.3", "a:1 4:0.4", "a:1"), "a 4")
        XCTAssertEqual(combine(VoteWeights(alpha: 0.5, nullConfidence: 0), "a:1 4:0.3", "a:1", "a:1"), "a")
        XCTAssertEqual(combine(VoteWeights(alpha: 0.5, nullConfidence: 0), "a:1 4:0.6", "a:1", "a:1"), "a 4")
    }

    /// Equal scores go to the earliest system, as in the vote by frequency.
    func testEqualScoresGoToTheEarliestSystem() {
        XCTAssertEqual(combine(VoteWeights(alpha: 0.5), "b:0.5", "c:0.5", "d:0.5"), "b")
        XCTAssertEqual(combine(VoteWeights(alpha: 0), "b:0.4", "c:0.8", "d:0.8"), "c")
    }

    /// ROVER by frequency as the documentation states it, over full tables of costs and moves: the
    /// reference `combineHypotheses` must match while it keeps two rows of costs.
    func fullTableCombination(_ systems: [[String]]) -> [String] {
        guard let first = systems.first else { return [] }
        var network = first.map { [Optional($0)] }
        for (count, hypothesis) in systems.dropFirst().enumerated().map({ ($0 + 1, $1) }) {
            let n = network.count, m = hypothesis.count
            var cost = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
            var move = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)   // 0 match, 1 skip, 2 insert
            func skipCost(_ i: Int) -> Int { network[i].allSatisfy { $0 == nil } ? 0 : 1 }
            for i in 1..<(n + 1) { cost[i][0] = cost[i - 1][0] + skipCost(i - 1); move[i][0] = 1 }
            for j in 1..<(m + 1) { cost[0][j] = j; move[0][j] = 2 }
            for i in 1..<(n + 1) {
                for j in 1..<(m + 1) {
                    let candidates = [cost[i - 1][j - 1] + (network[i - 1].contains { $0 == hypothesis[j - 1] } ? 0 : 1),
                                      cost[i - 1][j] + skipCost(i - 1), cost[i][j - 1] + 1]
                    cost[i][j] = candidates.min()!
                    move[i][j] = candidates.firstIndex(of: cost[i][j])!
                }
            }
            var joined: [[String?]] = [], i = n, j = m
            while i > 0 || j > 0 {
                switch move[i][j] {
                case 0: joined.append(network[i - 1] + [hypothesis[j - 1]]); i -= 1; j -= 1
                case 1: joined.append(network[i - 1] + [nil]); i -= 1
                default: joined.append([String?](repeating: nil, count: count) + [hypothesis[j - 1]]); j -= 1
                }
            }
            network = joined.reversed()
        }
        return network.compactMap { slot in
            let votes = slot.map { entry in slot.filter { $0 == entry }.count }
            return slot[votes.firstIndex(of: votes.max()!)!]
        }
    }

    /// Long transcripts of three systems, each the truth with a tenth of its words substituted,
    /// deleted or doubled, and systems of different lengths, combine as the full tables do.
    func testLongTranscriptsCombineAsTheFullTablesDo() {
        var g = SeededGenerator(seed: 61)
        func word() -> String { String(g.next() % 10) }
        for length in [0, 1, 40, 400] {
            let truth = (0..<length).map { _ in word() }
            let systems = (0..<3).map { _ in
                truth.flatMap { w -> [String] in
                    switch g.next() % 40 {
                    case 0: return [word()]
                    case 1: return []
                    case 2: return [w, word()]
                    default: return [w]
                    }
                }
            } + [Array(truth.prefix(length / 2))]
            XCTAssertEqual(combineHypotheses(systems), fullTableCombination(systems), "length \(length)")
        }
    }
}
