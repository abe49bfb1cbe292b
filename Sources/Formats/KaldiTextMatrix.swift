// KaldiTextMatrix: Kaldi's text matrix form "[ rows of numbers ]", read and written.
import Tensors

/// Kaldi's text matrix (`Matrix::Read`/`Write` in text mode):
///
///     key  [
///       1 2 3
///       4 5 6 ]
///
/// Each line between `[` and `]` is a row; all rows must have the same length. A vector is
/// written on one line (`key [ 1 2 3 ]`) and reads as a 1 × n matrix.
///
/// Values are written the way kaldiio writes them (Python's `repr` of the value as a double,
/// e.g. `0.10000000149011612`), so our text archives are byte-identical to kaldiio's; any
/// decimal form (Kaldi's own `0.1`, `1e+10`, `inf`, `nan`) reads back.
enum KaldiTextMatrix {
    /// Reads from the opening `[` (leading spaces allowed) through the closing `]` and the end of its line.
    static func read(_ input: ByteInput, key: String?) throws -> Matrix {
        var rows = try Rows(input, key: key)
        var data: [Float] = []
        while let row = try rows.next() { data += row }
        return Matrix(rows: rows.count, cols: rows.width ?? 0, data: data)
    }

    /// A text matrix read row by row as its lines arrive: `init` consumes the opening `[`, each
    /// `next()` returns one row as soon as its line ends (or the `]` closes it) and nil after the
    /// `]` and the rest of its line. `read` is this loop, so both check the same things.
    struct Rows {
        let input: ByteInput
        let key: String?
        /// Byte offset of the `[`.
        let open: Int
        /// Values per row (that of row 1), nil before the first row.
        private(set) var width: Int?
        /// Rows returned so far.
        private(set) var count = 0
        private var closed = false
        private var current: [Float] = []
        private var token: [UInt8] = []
        private var tokenStart = 0
        private var firstRowLine = 0

        init(_ input: ByteInput, key: String?) throws {
            self.input = input
            self.key = key
            while let b = try input.peekByte(), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { _ = try input.readByte() }
            open = input.offset
            guard let first = try input.readByte() else {
                throw InputError(file: input.name, place: KaldiBinaryMatrix.place(open, key), "input ends where a matrix was expected (\"[\" or the binary marker \\0B)")
            }
            guard first == UInt8(ascii: "[") else {
                throw InputError(file: input.name, place: KaldiBinaryMatrix.place(open, key),
                                 "expected \"[\" (text matrix) or \\0B (binary matrix), found \(describe(first))")
            }
        }

        private mutating func finishToken() throws {
            guard !token.isEmpty else { return }
            let text = String(decoding: token, as: UTF8.self)
            guard let value = Float(text) else {
                throw InputError(file: input.name, place: KaldiBinaryMatrix.place(tokenStart, key),
                                 "\"\(InputError.quoted(text, limit: 40))\" is not a number; expected numbers between \"[\" and \"]\"")
            }
            current.append(value)
            token.removeAll(keepingCapacity: true)
        }

        /// The row just completed, or nil when the line held no numbers.
        private mutating func finishRow() throws -> [Float]? {
            try finishToken()
            guard !current.isEmpty else { return nil }
            if let width, width != current.count {
                throw InputError(file: input.name, place: KaldiBinaryMatrix.place(input.offset, key),
                                 "row \(count + 1) has \(current.count) values, expected \(width) like row 1 (from byte \(firstRowLine))")
            }
            if width == nil { firstRowLine = input.offset; width = current.count }
            count += 1
            defer { current.removeAll(keepingCapacity: true) }
            return current
        }

        /// The next row, or nil once the matrix is closed.
        mutating func next() throws -> [Float]? {
            while !closed {
                guard let b = try input.readByte() else {
                    throw InputError(file: input.name, place: KaldiBinaryMatrix.place(input.offset, key),
                                     "input ends before the \"]\" closing the matrix opened at byte \(open)")
                }
                switch b {
                case UInt8(ascii: "]"):
                    let row = try finishRow()
                    // The rest of the line after "]" must be blank.
                    while let n = try input.peekByte(), n != UInt8(ascii: "\n") {
                        guard n == UInt8(ascii: " ") || n == UInt8(ascii: "\t") || n == UInt8(ascii: "\r") else {
                            throw InputError(file: input.name, place: KaldiBinaryMatrix.place(input.offset, key),
                                             "unexpected \(describe(n)) after \"]\"; expected the end of the line")
                        }
                        _ = try input.readByte()
                    }
                    _ = try input.readByte()
                    closed = true
                    return row
                case UInt8(ascii: "\n"):
                    if let row = try finishRow() { return row }
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    try finishToken()
                default:
                    if token.isEmpty { tokenStart = input.offset - 1 }
                    token.append(b)
                    if token.count > 64 {
                        throw InputError(file: input.name, place: KaldiBinaryMatrix.place(tokenStart, key),
                                         "number longer than 64 characters; expected numbers between \"[\" and \"]\"")
                    }
                }
            }
            return nil
        }
    }

    static func describe(_ b: UInt8) -> String {
        (33..<127).contains(b) ? "\"\(UnicodeScalar(b))\"" : "byte \\x\(KaldiBinaryMatrix.hex(b))"
    }

    /// The text form kaldiio writes after the key and its space: ` [` + per row `\n  v v … ` + `]\n`.
    static func encode(_ matrix: Matrix) -> String {
        var s = " ["
        for r in 0..<matrix.rows {
            s += "\n  "
            for c in 0..<matrix.cols {
                s += pythonRepr(Double(matrix.data[r * matrix.cols + c]))
                s += " "
            }
        }
        s += "]\n"
        return s
    }

    /// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
    /// decimal exponent is in [-4, 16), otherwise `d.ddde±XX`; integers keep `.0`.
    static func pythonRepr(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        // Swift's description also gives the shortest round-trip digits; re-lay them out Python's way.
        var text = x.description
        var sign = ""
        if text.hasPrefix("-") { sign = "-"; text.removeFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0]), fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = Array(whole + fraction)
        var point = whole.count + exponent           // decimal point after this many digits
        while let f = digits.first, f == "0", digits.count > 1 { digits.removeFirst(); point -= 1 }
        while let l = digits.last, l == "0", digits.count > 1 { digits.removeLast() }
        if digits == ["0"] { return sign + "0.0" }
        let exp10 = point - 1
        if exp10 < -4 || exp10 >= 16 {
            var mantissa = String(digits[0])
            if digits.count > 1 { mantissa += "." + String(digits[1...]) }
            let e = abs(exp10) < 10 ? "0\(abs(exp10))" : "\(abs(exp10))"
            return sign + mantissa + "e" + (exp10 < 0 ? "-" : "+") + e
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
        if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0" }
        return sign + String(digits[..<point]) + "." + String(digits[point...])
    }
}
