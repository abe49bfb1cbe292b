// ROVER (combineHypotheses): alignments and votes worked out by hand.
import XCTest
import Decoding

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
}
