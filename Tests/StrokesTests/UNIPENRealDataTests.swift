// UNIPEN and pendigits as published (../shared/data): plausible counts on a few files.
import XCTest
import Foundation
import Tensors
import Features
import TestSupport

final class UNIPENRealDataTests: XCTestCase {
    /// The first label file of each category in MANIFEST.tsv, with its declared segment count.
    func testFirstLabelFileOfEachCategory() throws {
        guard let shared = sharedDataDirectory() else { throw XCTSkip("../shared/data is absent") }
        let unipen = shared.appendingPathComponent("unipen")
        guard let manifest = try? String(contentsOf: unipen.appendingPathComponent("MANIFEST.tsv"), encoding: .isoLatin1) else {
            throw XCTSkip("../shared/data/unipen/MANIFEST.tsv is absent")
        }
        var seen = Set<String>()
        let reader = UNIPENReader(includeRoot: unipen.appendingPathComponent("include").path)
        for line in manifest.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t")
            guard f.count >= 4, !seen.contains(String(f[0])), let declared = Int(f[3]) else { continue }
            seen.insert(String(f[0]))
            let r = try reader.read(path: unipen.appendingPathComponent(String(f[2])).path)
            let kind = ["1a": "CHARACTER", "6": "WORD", "7": "WORD", "8": "TEXT"][String(f[0])]
            XCTAssertEqual(r.samples.count + r.rejected.count, declared, "\(f[2]): \(r.rejected.map(\.description))")
            XCTAssertGreaterThanOrEqual(Double(r.samples.count), 0.9 * Double(declared), "\(f[2]): \(r.rejected.prefix(3).map(\.description))")
            for s in r.samples {
                XCTAssertFalse(s.label.isEmpty)
                XCTAssertEqual(s.category, kind, "\(f[2]) segment at line \(s.source.line)")
                XCTAssertGreaterThan(s.pointCount, 1)
            }
        }
        XCTAssertEqual(seen, ["1a", "6", "7", "8"])
    }

    /// Words of the first category-6 file: ~175 points a word after resampling every 0.05 of the
    /// height (the figure measured on the whole set in ../shared/data/README.md), finite features,
    /// one end-of-stroke flag per stroke.
    func testWordFeaturesArePlausible() throws {
        guard let shared = sharedDataDirectory(),
              let manifest = try? String(contentsOf: shared.appendingPathComponent("unipen/MANIFEST.tsv"), encoding: .isoLatin1),
              let line = manifest.split(separator: "\n").first(where: { $0.hasPrefix("6\t") })
        else { throw XCTSkip("../shared/data/unipen is absent") }
        let unipen = shared.appendingPathComponent("unipen")
        let r = try readInkSamples(path: unipen.appendingPathComponent(String(line.split(separator: "\t")[2])).path, format: nil,
                                   includeRoot: unipen.appendingPathComponent("include").path)
        XCTAssertGreaterThan(r.samples.count, 10)
        let config = StrokeFeatureConfig(resampleStep: 0.05, direction: true, curvature: true)
        var points = 0
        for s in r.samples {
            let m = strokeFeatures(s, config: config)
            XCTAssertTrue(m.allFinite, s.id)
            XCTAssertEqual((0..<m.rows).reduce(Float(0)) { $0 + m[$1, 2] }, Float(s.strokes.count), s.id)
            points += m.rows
        }
        let mean = Double(points) / Double(r.samples.count)
        XCTAssertTrue((80...400).contains(mean), "mean \(mean) points a word")
    }

    /// The first 300 digits of the pendigits trajectories: digit labels, 0–500 box, writer ids.
    func testPendigitsPrefix() throws {
        guard let shared = sharedDataDirectory(),
              let data = FileManager.default.contents(atPath: shared.appendingPathComponent("pendigits/pendigits-orig.tra").path)
        else { throw XCTSkip("../shared/data/pendigits is absent") }
        var bytes = [UInt8](data)
        var segments = 0, cut = bytes.count
        for i in 0..<(bytes.count - 9) where bytes[i] == 10 && bytes[i + 1] == UInt8(ascii: ".") && bytes[i + 2] == UInt8(ascii: "S") {
            segments += 1
            if segments == 301 { cut = i + 1; break }
        }
        bytes.removeSubrange(cut...)
        let r = UNIPENReader().read(bytes: bytes, name: "pendigits-orig.tra")
        XCTAssertEqual(r.samples.count, 300)
        XCTAssertEqual(r.rejected.count, 0, "\(r.rejected.prefix(3))")
        XCTAssertEqual(r.warnings.count, 1, "only the missing dene.doc include: \(r.warnings)")
        XCTAssertTrue(r.samples.allSatisfy { $0.label.count == 1 && $0.label.first!.isNumber && $0.writer != nil })
        XCTAssertGreaterThan(Set(r.samples.compactMap(\.writer)).count, 5)
        // Cut at a line inside the next digit's .PEN_DOWN: that digit is rejected, the 300 before it read.
        let all = [UInt8](data)
        let penDown = all[cut...].firstRange(of: Array(".PEN_DOWN\n".utf8))!
        let inside = all[..<(penDown.upperBound + 30)]   // three point lines of the 301st digit
        let cutShort = UNIPENReader().read(bytes: Array(inside[...inside.lastIndex(of: 10)!]), name: "cut.tra")
        XCTAssertEqual(cutShort.samples.count, 300)
        XCTAssertEqual(cutShort.rejected.count, 1, "the cut digit: \(cutShort.rejected)")
        XCTAssertTrue(cutShort.rejected.last!.message.contains("the file ends inside the .PEN_DOWN of line"), "\(cutShort.rejected)")
        let xs = r.samples.flatMap { $0.strokes.flatMap { $0.points.map(\.x) } }
        XCTAssertGreaterThanOrEqual(xs.min()!, 0)
        XCTAssertLessThanOrEqual(xs.max()!, 500)
    }
}
