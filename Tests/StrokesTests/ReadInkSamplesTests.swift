// readInkSamples: format guessing from content and extension, missing files, forced formats.
import XCTest
import Foundation
import Tensors
import Features
import TestSupport

final class ReadInkSamplesTests: XCTestCase {
    func testFormatIsGuessedFromContent() throws {
        let unipen = try readInkSamples(path: strokeFixtures.appendingPathComponent("unipen/data/a.dat").path,
                                        format: nil, includeRoot: strokeFixtures.appendingPathComponent("unipen/include").path)
        XCTAssertEqual(unipen.samples.count, 7)
        XCTAssertEqual(unipen.rejected.count, 4)
        let iam = try readInkSamples(path: strokeFixtures.appendingPathComponent("iam/a01-000u-01.xml").path, format: nil, includeRoot: nil)
        XCTAssertEqual(iam.samples.map(\.label), ["A MOVE to stop"])
        let pen = try readInkSamples(path: strokeFixtures.appendingPathComponent("pentext/sample.pen").path, format: nil, includeRoot: nil)
        XCTAssertEqual(pen.samples.count, 2)
        XCTAssertEqual(guessInkFormat(path: "x.txt", data: Data("  <?xml version=\"1.0\"?>".utf8)), .iam)
        XCTAssertEqual(guessInkFormat(path: "x.txt", data: Data("# c\n.PEN_DOWN\n1 2\n".utf8)), .unipen)
        XCTAssertEqual(guessInkFormat(path: "x.dat", data: Data("1 2\n".utf8)), .unipen)
        XCTAssertEqual(guessInkFormat(path: "x", data: Data("label a\n1 2\n".utf8)), .pentext)
    }

    func testMissingFileAndForcedFormat() {
        XCTAssertThrowsError(try readInkSamples(path: "no/such/file.pen", format: nil, includeRoot: nil)) { e in
            XCTAssertEqual((e as! InputError).message, "no such file")
        }
        // Pen text read as UNIPEN finds no segments.
        let r = try? readInkSamples(path: strokeFixtures.appendingPathComponent("pentext/sample.pen").path, format: .unipen, includeRoot: nil)
        XCTAssertEqual(r?.samples.count, 0)
    }
}

final class DistinctFileKeysTests: XCTestCase {
    func testKeysGrowUntilDistinct() {
        XCTAssertEqual(distinctFileKeys(["data/6/abm/ca0.dat", "data/7/abm/ca0.dat", "data/7/abm/sm0.dat", "x/y z.pen"]),
                       ["6-abm-ca0", "7-abm-ca0", "sm0", "y_z"])
        XCTAssertEqual(distinctFileKeys(["a/b.dat", "c/b.xml", "a/b.dat"]), ["a-b", "c-b", "a-b"])
        XCTAssertEqual(distinctFileKeys(["b.dat", "a/b.dat"]), ["b", "a-b"])
        // "." components and repeated or trailing "/" are no part of a key.
        XCTAssertEqual(distinctFileKeys(["./x.pen"]), ["x"])
        XCTAssertEqual(distinctFileKeys(["./x.pen", "x.pen", "a//./b.dat", "c/b.dat"]), ["x", "x", "a-b", "c-b"])
    }

    /// A file named twice — the same path up to "./" and "//", or through a link — is kept once,
    /// its later mentions listed as repeats; files that do not exist are compared by path.
    func testAFileGivenTwiceIsKeptOnce() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("d"), withIntermediateDirectories: true)
        let file = try writeTextFile("label x\n1 2\n", "d/a.pen", in: dir)
        let link = dir.appendingPathComponent("link.pen").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        let other = try writeTextFile("label y\n1 2\n", "b.pen", in: dir)
        let inputs = KeyedInputFiles([file, dir.path + "/./d//a.pen", other, link, "no/such.pen", "./no/such.pen", "-"])
        XCTAssertEqual(inputs.items.map(\.key), ["a", "b", "such", "stdin"])
        XCTAssertEqual(inputs.items.map(\.path), [file, other, "no/such.pen", "-"])
        XCTAssertEqual(inputs.repeats.map(\.path), [dir.path + "/./d//a.pen", link, "./no/such.pen"])
        XCTAssertEqual(inputs.repeats.map(\.first), [file, file, "no/such.pen"])
        XCTAssertEqual(inputs.repeatWarnings, ["\(dir.path)/./d//a.pen: given 3 times (the same file as \(file)); read once",
                                               "./no/such.pen: given twice (the same file as no/such.pen); read once"])
        XCTAssertEqual(KeyedInputFiles(["a.pen", "a.pen"]).repeatWarnings, ["a.pen: given twice; read once"])
    }

    /// A file given four times is one warning that counts them, not three "given twice"; past ten
    /// repeated files one line counts the rest, so thousands of repeats are not thousands of lines.
    func testRepeatWarningsCountEachFileOnceAndSumUpTheRest() {
        XCTAssertEqual(KeyedInputFiles(["a.pen", "b.pen", "a.pen", "a.pen", "./a.pen"]).repeatWarnings,
                       ["a.pen: given 4 times; read once"])
        XCTAssertEqual(KeyedInputFiles(["a.pen", "./a.pen", "a.pen", "b.pen", "b.pen"]).repeatWarnings,
                       ["./a.pen: given 3 times (the same file as a.pen); read once", "b.pen: given twice; read once"])
        // 2,000 files, each given four times: ten lines, then one for the other 1,990 files.
        let names = (0..<2000).map { "f\($0).wav" }
        let warnings = KeyedInputFiles(names + names + names + names).repeatWarnings
        XCTAssertEqual(warnings.count, 11)
        XCTAssertEqual(warnings.first, "f0.wav: given 4 times; read once")
        XCTAssertEqual(warnings[9], "f9.wav: given 4 times; read once")
        XCTAssertEqual(warnings.last, "… and 1990 more files given more than once (5970 repeats); each read once")
        XCTAssertEqual(KeyedInputFiles((0..<11).flatMap { ["g\($0)", "g\($0)"] }).repeatWarnings.last,
                       "… and 1 more file given more than once (1 repeat); each read once")
    }

    func testIdPrefixReplacesTheFileName() throws {
        let r = try readInkSamples(path: strokeFixtures.appendingPathComponent("pentext/sample.pen").path, format: nil,
                                   includeRoot: nil, idPrefix: "set1-sample")
        XCTAssertEqual(r.samples.map(\.id), ["set1-sample-0000", "set1-sample-0002"])
    }
}
