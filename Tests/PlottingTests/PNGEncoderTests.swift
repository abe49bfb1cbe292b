// Tests of the PNG encoder: checksum check values, stored deflate blocks, chunk layout, and heat-map images.
import Foundation
import Plotting
import Tensors
import XCTest

final class PNGEncoderTests: XCTestCase {
    /// The standard check values: CRC-32 of "123456789" (ISO 3309 / PNG) and Adler-32 of "Wikipedia".
    func testChecksumCheckValues() {
        XCTAssertEqual(PNGEncoder.crc32(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(PNGEncoder.crc32([UInt8]()), 0)
        XCTAssertEqual(PNGEncoder.adler32(Array("Wikipedia".utf8)), 0x11E6_0398)
        XCTAssertEqual(PNGEncoder.adler32([]), 1)
    }

    /// The payload of a zlib stream of stored blocks, checking each block's header and the trailer.
    func inflateStored(_ stream: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
        XCTAssertEqual(Array(stream.prefix(2)), [0x78, 0x01], file: file, line: line)
        XCTAssertEqual((Int(stream[0]) << 8 | Int(stream[1])) % 31, 0, "zlib header check bits", file: file, line: line)
        var out: [UInt8] = [], i = 2, final = false
        while !final && i + 5 <= stream.count {
            final = stream[i] & 1 == 1
            XCTAssertEqual(stream[i] >> 1, 0, "stored block type", file: file, line: line)
            let n = Int(stream[i + 1]) | Int(stream[i + 2]) << 8, complement = Int(stream[i + 3]) | Int(stream[i + 4]) << 8
            XCTAssertEqual(n ^ 0xffff, complement, file: file, line: line)
            out += stream[(i + 5)..<(i + 5 + n)]
            i += 5 + n
        }
        XCTAssertTrue(final, file: file, line: line)
        let trailer = stream[i..<(i + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        XCTAssertEqual(trailer, PNGEncoder.adler32(out), file: file, line: line)
        XCTAssertEqual(i + 4, stream.count, file: file, line: line)
        return out
    }

    func testStoredBlocksSplitAt65535Bytes() {
        for count in [0, 1, 65_535, 65_536, 140_000] {
            let data = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let stream = PNGEncoder.zlibStored(data)
            XCTAssertEqual(stream.count, 2 + 5 * max(1, (count + 65_534) / 65_535) + count + 4, "\(count)")
            XCTAssertEqual(inflateStored(stream), data, "\(count)")
        }
    }

    /// Chunks (length, type, data, CRC) of a PNG file, checking the signature and every CRC.
    func chunks(_ png: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [(type: String, data: [UInt8])] {
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], file: file, line: line)
        func u32(_ i: Int) -> Int { png[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        var out: [(String, [UInt8])] = [], i = 8
        while i + 12 <= png.count {
            let n = u32(i)
            let typeAndData = Array(png[(i + 4)..<(i + 8 + n)])
            XCTAssertEqual(UInt32(u32(i + 8 + n)), PNGEncoder.crc32(typeAndData), file: file, line: line)
            out.append((String(decoding: typeAndData.prefix(4), as: UTF8.self), Array(typeAndData.dropFirst(4))))
            i += 12 + n
        }
        XCTAssertEqual(i, png.count, file: file, line: line)
        return out
    }

    func testIndexedImageLayout() throws {
        let png = try PNGEncoder.indexed(width: 3, height: 2, indices: [0, 1, 2, 2, 1, 0], palette: ["#ff0000", "#00ff00", "#0000ff"])
        let parts = chunks(png)
        XCTAssertEqual(parts.map(\.type), ["IHDR", "PLTE", "IDAT", "IEND"])
        XCTAssertEqual(parts[0].data, [0, 0, 0, 3, 0, 0, 0, 2, 8, 3, 0, 0, 0])
        XCTAssertEqual(parts[1].data, [255, 0, 0, 0, 255, 0, 0, 0, 255])
        XCTAssertEqual(inflateStored(parts[2].data), [0, 0, 1, 2, 0, 2, 1, 0])
        XCTAssertThrowsError(try PNGEncoder.indexed(width: 2, height: 2, indices: [0, 1, 2], palette: ["#000000"]))
        XCTAssertThrowsError(try PNGEncoder.indexed(width: 1, height: 1, indices: [3], palette: ["#000000"]))
    }

    /// A heat map drawn as an image: one pixel per cell, the highest dimension in the top row.
    func testHeatMapAsImage() throws {
        var options = HeatMapOptions()
        options.cells = .image
        options.colourLevels = 2
        // Frames: (0, 1, 0), (1, 0, 1): dimension 2 at the top.
        let text = try heatMapSVG(matrix: Matrix([[0, 1, 0], [1, 0, 1]]), frameShift: nil, title: "img", yLabel: "d", options: options)
        let svg = try parseSVG(text)
        let image = try XCTUnwrap(svg.groups("cells").first?.elements("image").first)
        XCTAssertEqual(svg.groups("cells").first?.elements("rect").count, 0)
        XCTAssertEqual(image.number("x"), 78)
        XCTAssertEqual(image.number("width"), 900)
        let uri = try XCTUnwrap(image.attributes["xlink:href"])
        XCTAssertTrue(uri.hasPrefix("data:image/png;base64,"))
        let png = [UInt8](try XCTUnwrap(Data(base64Encoded: String(uri.dropFirst("data:image/png;base64,".count)))))
        let parts = chunks(png)
        XCTAssertEqual(Array(parts[0].data.prefix(8)), [0, 0, 0, 2, 0, 0, 0, 3])   // 2 frames wide, 3 dimensions high
        XCTAssertEqual(parts[1].data, [0x44, 0x01, 0x54, 0xfd, 0xe7, 0x25])         // viridis ends
        // Rows top to bottom: dimension 2 (0, 1), dimension 1 (1, 0), dimension 0 (0, 1).
        XCTAssertEqual(inflateStored(parts[2].data), [0, 0, 1, 0, 1, 0, 0, 0, 1])
    }
}
