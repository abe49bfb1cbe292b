// ARPA reading and back-off scoring: hand-computed values, a plain-dictionary oracle, and errors.
import XCTest
import Tensors
import TestSupport
@testable import Decoding

let bigramARPA = """
\\data\\
ngram 1=5
ngram 2=4

\\1-grams:
-0.5\t</s>
-99\t<s>\t-0.3
-0.4\ta\t-0.2
-0.6\tb\t-0.25
-1.5\t<unk>

\\2-grams:
-0.2\t<s> a
-0.3\ta b
-0.4\tb a
-0.35\tb </s>

\\end\\

"""

let trigramARPA = """
Some tools write free text before the header.
\\data\\
ngram 1=6
ngram 2=5
ngram 3=3

\\1-grams:
-0.7 </s>
-99 <s> -0.5
-0.5 a -0.3
-0.6 b -0.2
-0.9 c -0.4
-2 <unk>

\\2-grams:
-0.3 <s> a -0.1
-0.4 a b -0.15
-0.2 b c -0.05
-0.5 c a
-0.25 b </s>

\\3-grams:
-0.1 <s> a b
-0.2 a b c
-0.15 a b </s>

\\end\\
"""

final class NGramModelTests: XCTestCase {
    func testBigramByHand() throws {
        let lm = try NGramModel(arpa: bigramARPA, file: "bigram.arpa")
        XCTAssertEqual(lm.order, 2)
        XCTAssertEqual(lm.counts, [5, 4])
        let l = Float(log(10.0))
        // a b: p(a|<s>) p(b|a) p(</s>|b) = -0.2 - 0.3 - 0.35 (log10), all listed.
        assertClose([lm.sentenceLogProb(["a", "b"])], [-0.85 * l], absolute: 1e-5)
        // b b: bo(<s>) + p(b), bo(b) + p(b), p(</s>|b) = (-0.3 - 0.6) + (-0.25 - 0.6) - 0.35.
        assertClose([lm.sentenceLogProb(["b", "b"])], [-2.1 * l], absolute: 1e-5)
        // a zzz: zzz is <unk>; p(<unk>|a) = bo(a) + p(<unk>); p(</s>|<unk>) = p(</s>) (no back-off).
        assertClose([lm.sentenceLogProb(["a", "zzz"])], [(-0.2 - 0.2 - 1.5 - 0.5) * l], absolute: 1e-5)
        assertClose([lm.sentenceLogProb([])], [(-0.3 - 0.5) * l], absolute: 1e-5)
    }

    func testTrigramAgreesWithPlainBackoffOracle() throws {
        let lm = try NGramModel(arpa: trigramARPA, file: "trigram.arpa")
        let oracle = PlainBackoffModel(arpa: trigramARPA)
        XCTAssertEqual(lm.counts, [6, 5, 3])
        var rng = SeededGenerator(seed: 5)
        let vocabulary = ["a", "b", "c", "d"]
        for _ in 0..<300 {
            let sentence = (0..<Int(rng.next() % 7)).map { _ in vocabulary[Int(rng.next() % 4)] }
            assertClose([lm.sentenceLogProb(sentence)], [oracle.sentenceLogProb(sentence)], absolute: 1e-4, "\(sentence)")
        }
    }

    func testErrorsNameFileAndLine() {
        func expectError(_ text: String, _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try NGramModel(arpa: text, file: "x.arpa"), line: line) { error in
                XCTAssertTrue(error is InputError, line: line)
                XCTAssertTrue("\(error)".hasPrefix("x.arpa: "), "\(error)", line: line)
                XCTAssertTrue("\(error)".contains(fragment), "\(error)", line: line)
            }
        }
        expectError("just text\n", "no \\data\\ header")
        expectError(bigramARPA.replacingOccurrences(of: "ngram 2=4", with: "ngram 2=5"), "line 18: \\2-grams: section has 4 entries, \\data\\ declared 5")
        expectError(bigramARPA.replacingOccurrences(of: "-0.3\ta b", with: "x\ta b"), "line 14: expected a log10 probability")
        expectError(bigramARPA.replacingOccurrences(of: "-0.3\ta b", with: "-0.3\ta q"), "line 14: word 'q' of a 2-gram is not in the 1-grams")
        expectError(bigramARPA.replacingOccurrences(of: "\\end\\", with: ""), "missing \\end\\")
        expectError(bigramARPA.replacingOccurrences(of: "ngram 2=4", with: "ngram two"), "line 3: expected 'ngram 2=COUNT'")
        expectError(bigramARPA.replacingOccurrences(of: "-0.2\t<s> a", with: "-0.2\t<s> a b c"), "line 13: a 2-gram line needs")
        expectError(bigramARPA.replacingOccurrences(of: "-0.2\t<s> a", with: "-0.2\t<s> a b"), "line 13: expected a log10 back-off weight, found b")
        // Pieces of the file in messages have their control characters escaped.
        expectError(bigramARPA.replacingOccurrences(of: "-0.3\ta b", with: "\u{1B}[31m\ta b"), "line 14: expected a log10 probability ≤ 0, found \\x1B[31m")
        expectError(bigramARPA.replacingOccurrences(of: "-0.3\ta b", with: "-0.3\ta \u{1B}[31mq"),
                    "line 14: word '\\x1B[31mq' of a 2-gram is not in the 1-grams")
        expectError(bigramARPA.replacingOccurrences(of: "ngram 2=4", with: "ngram \u{1B}[2J"), "line 3: expected 'ngram 2=COUNT' in \\data\\, found ngram \\x1B[2J")
    }

    /// Damaged files (bytes replaced, lines dropped, truncation) either read or throw InputError;
    /// nothing crashes and nothing else is thrown.
    func testDamagedFilesNeverCrash() {
        var rng = SeededGenerator(seed: 17)
        let source = Array(trigramARPA.utf8)
        let junk = Array("\\-=0123456789 \t\nab<>sgram".utf8)
        var parsed = 0, rejected = 0
        for _ in 0..<500 {
            var bytes = source
            switch rng.next() % 3 {
            case 0:
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = junk[Int(rng.next() % UInt64(junk.count))]
                }
            case 1:
                var lines = trigramARPA.split(separator: "\n", omittingEmptySubsequences: false)
                lines.remove(at: Int(rng.next() % UInt64(lines.count)))
                bytes = Array(lines.joined(separator: "\n").utf8)
            default:
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            }
            do {
                let model = try NGramModel(arpa: String(decoding: bytes, as: UTF8.self), file: "damaged.arpa")
                _ = model.sentenceLogProb(["a", "b", "c", "zz"])
                parsed += 1
            } catch let error as InputError {
                XCTAssertEqual(error.file, "damaged.arpa")
                rejected += 1
            } catch {
                XCTFail("unexpected error \(error)")
            }
        }
        XCTAssertGreaterThan(rejected, 100)
        XCTAssertGreaterThan(parsed, 10)
    }

    func testReadsFileAndReportsMissingFile() throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("lm.arpa").path
        try bigramARPA.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try NGramModel(path: path).order, 2)
        XCTAssertThrowsError(try NGramModel(path: dir.appendingPathComponent("none.arpa").path))
        // Saved with a UTF-8 byte order mark (refused before as having no \data\ header): the same model.
        let bom = dir.appendingPathComponent("bom.arpa").path
        try Data([0xEF, 0xBB, 0xBF] + Array(bigramARPA.utf8)).write(to: URL(fileURLWithPath: bom))
        let withMark = try NGramModel(path: bom), plain = try NGramModel(path: path)
        XCTAssertEqual(withMark.words, plain.words)
        XCTAssertEqual(withMark.counts, [5, 4])
        XCTAssertEqual(withMark.sentenceLogProb(["b", "b"]), plain.sentenceLogProb(["b", "b"]))
    }
}
