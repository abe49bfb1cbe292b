// PNGEncoder: palette (indexed-colour) PNG images with stored deflate blocks, for raster cells inside an SVG.
import Foundation

/// Writes 8-bit indexed-colour PNG files (W3C PNG 2nd ed., 2003: IHDR, PLTE, IDAT, IEND).
///
/// The image data is a zlib stream (RFC 1950) of *stored*, uncompressed deflate blocks (RFC 1951
/// §3.2.4), so no compression library is needed: each pixel costs one byte plus one filter byte
/// (type 0) per row. Chunk checksums are CRC-32 (ISO 3309, the PNG polynomial); the zlib trailer
/// is Adler-32.
public enum PNGEncoder {
    /// The PNG bytes of a `width × height` image whose pixel (x, y), y = 0 at the top, is
    /// `palette[indices[y · width + x]]`; `palette` holds at most 256 `#rrggbb` colours.
    public static func indexed(width: Int, height: Int, indices: [UInt8], palette: [String]) throws -> [UInt8] {
        guard width > 0, height > 0, indices.count == width * height else {
            throw PlotError("a \(width) × \(height) image needs \(width * height) pixels, got \(indices.count)")
        }
        guard !palette.isEmpty, palette.count <= 256, let top = indices.max(), Int(top) < palette.count else {
            throw PlotError("the palette has \(palette.count) colours, fewer than the pixels use or more than 256")
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 3, 0, 0, 0]   // bit depth 8, colour type 3 (indexed), deflate, filter 0, no interlace
        chunk("IHDR", header, into: &out)
        var plte: [UInt8] = []
        for colour in palette {
            let v = Int(colour.dropFirst(), radix: 16) ?? 0
            plte += [UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
        }
        chunk("PLTE", plte, into: &out)
        var raw: [UInt8] = []
        raw.reserveCapacity((width + 1) * height)
        for y in 0..<height {
            raw.append(0)   // filter type 0: none
            raw += indices[(y * width)..<((y + 1) * width)]
        }
        chunk("IDAT", zlibStored(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    /// A zlib stream holding `data` in stored deflate blocks of at most 65,535 bytes.
    public static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]   // deflate, 32 KiB window, no dictionary, fastest (31 | 0x7801)
        var start = 0
        repeat {
            let n = min(65_535, data.count - start)
            let final: UInt8 = start + n == data.count ? 1 : 0
            out.append(final)   // BFINAL, BTYPE 00 (stored), padded to the byte
            out += [UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            out += data[start..<(start + n)]
            start += n
        } while start < data.count
        return out + bigEndian(adler32(data))
    }

    /// Adler-32 of `data` (RFC 1950 §8).
    public static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    /// CRC-32 with the polynomial 0xEDB88320 (reflected), as PNG chunks use.
    public static func crc32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += bigEndian(UInt32(data.count))
        out += typeBytes
        out += data
        out += bigEndian(crc32(typeBytes + data))
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }
}
