// XMLPreflight: refuses XML that swift-corelibs-foundation's XMLParser would crash on, before parsing.
import Foundation
import Tensors

/// A check of raw XML bytes run before `XMLParser` (libxml2 underneath on Linux).
///
/// swift-corelibs-foundation's `XMLParser` hands the data of a processing instruction to
/// `strlen` without checking it for null, and libxml2 passes null for an instruction with no
/// data, `<?name?>` (XML 1.0 §2.6 allows it): a 7-byte document crashes the process. Its DTD
/// callbacks do the same with other null pointers libxml2 passes (a `NOTATION` or `NDATA` entity
/// without a public id, an `ATTLIST` default of `#IMPLIED`). The check finds such an instruction
/// in the bytes, refuses any `<!DOCTYPE` (IAM-OnDB files have none), and, so that neither can be
/// hidden by an encoding the bytes do not show, refuses what libxml2 would decode in an encoding
/// other than an ASCII-compatible one: NUL bytes (UTF-16 and UTF-32 need them; XML forbids U+0000) and UTF-16
/// byte-order marks (libxml2 decodes by them alone), the EBCDIC
/// signature `4C 6F A7 94`, and a declared encoding other than UTF-8, US-ASCII or ISO-8859-1
/// (libxml2 itself crashes on unknown names and on unmappable bytes). Line numbers count `\n`
/// bytes.
enum XMLPreflight {
    /// The problem with `bytes`, as an `InputError` for `file`, or nil when the parser can be run.
    static func problem(_ bytes: UnsafeRawBufferPointer, file: String) -> InputError? {
        let n = bytes.count
        if n >= 4 && bytes[0] == 0x4C && bytes[1] == 0x6F && bytes[2] == 0xA7 && bytes[3] == 0x94 {
            return InputError(file: file, place: "line 1", "EBCDIC XML is not supported; expected UTF-8 or ISO-8859-1")
        }
        if n >= 2 && (bytes[0] == 0xFE && bytes[1] == 0xFF || bytes[0] == 0xFF && bytes[1] == 0xFE) {
            // A UTF-16 (or UTF-32LE) byte-order mark: libxml2 decodes by it even without NUL bytes.
            return InputError(file: file, place: "line 1", "UTF-16 byte-order mark: UTF-16 XML is not supported; expected UTF-8 or ISO-8859-1")
        }
        if let encoding = declaredEncoding(bytes), !isASCIICompatible(encoding) {
            return InputError(file: file, place: "line 1", "XML encoding \"\(encoding)\" is not supported; expected UTF-8 or ISO-8859-1")
        }
        var line = 1
        var i = 0
        while i < n {
            switch bytes[i] {
            case 0x0A: line += 1
            case 0x00:
                return InputError(file: file, place: "line \(line)", "NUL byte in XML (UTF-16 or UTF-32 is not supported; expected UTF-8 or ISO-8859-1)")
            case 0x3C where i + 9 <= n && UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 9)]).elementsEqual("<!DOCTYPE".utf8):
                return InputError(file: file, place: "line \(line)", "document type declarations (<!DOCTYPE …>) are not supported in IAM-OnDB XML")
            case 0x3C where i + 1 < n && bytes[i + 1] == 0x3F:   // "<?"
                var j = i + 2
                while j < n, !isNameEnd(bytes[j]) { j += 1 }
                if j > i + 2, j + 1 < n, bytes[j] == 0x3F, bytes[j + 1] == 0x3E {
                    let target = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(i + 2)..<j]).prefix(40), as: UTF8.self)
                    return InputError(file: file, place: "line \(line)",
                                      "processing instruction <?\(target)?> has no data; it is refused (XMLParser on Linux crashes on it)")
                }
            default: break
            }
            i += 1
        }
        return nil
    }

    /// Bytes that end a processing instruction's target: white space, `?`, `>`.
    private static func isNameEnd(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x3F || b == 0x3E
    }

    /// The `encoding` of an XML declaration at the start (after a UTF-8 byte-order mark), if any.
    static func declaredEncoding(_ bytes: UnsafeRawBufferPointer) -> String? {
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        let head = Array(bytes[start..<min(bytes.count, start + 256)])
        guard head.starts(with: Array("<?xml".utf8)) else { return nil }
        // Up to the first ">", "?>" or not: libxml2 acts on the encoding of an unclosed declaration too.
        let declaration = head[..<(head.firstIndex(of: 0x3E) ?? head.endIndex)]
        guard let at = declaration.firstRange(of: Array("encoding".utf8)) else { return nil }
        var k = at.upperBound
        while k < declaration.endIndex, declaration[k] == 0x20 || declaration[k] == 0x09 || declaration[k] == 0x3D { k += 1 }
        guard k < declaration.endIndex, declaration[k] == 0x22 || declaration[k] == 0x27 else {
            return String(decoding: declaration[k...].prefix(40), as: UTF8.self)   // unquoted: refused below
        }
        let quote = declaration[k]
        let value = declaration[(k + 1)...].prefix { $0 != quote }
        return String(decoding: value.prefix(40), as: UTF8.self)
    }

    /// The encodings accepted, by exact name (case-insensitive): UTF-8, US-ASCII and ISO-8859-1
    /// (IAM-OnDB's). Anything else is refused before libxml2 sees it: besides the
    /// ASCII-incompatible ones, libxml2 2.9 crashes on an unknown name (`ISO-8859-1.1`, SEGV in
    /// `xmlSwitchToEncoding`) and on a byte its converter cannot map in an encoding with holes
    /// (ISO-8859-7, -11, windows-1252: SEGV in `xmlParseChunk`).
    static let acceptedEncodings: Set<String> = ["utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "iso_8859-1", "latin1"]

    static func isASCIICompatible(_ encoding: String) -> Bool {
        acceptedEncodings.contains(encoding.lowercased())
    }
}
