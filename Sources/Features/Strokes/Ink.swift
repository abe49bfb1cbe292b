// Ink: the data model every stroke reader produces (pen points, pen-down strokes, labelled samples).
import Tensors

/// One sampled pen position.
///
/// `x`, `y` are in the file's own units (tablet points); `t` is seconds from the start of the
/// recording (or set) when the file gives time, either as a `T` column or as a sampling rate;
/// `pressure` is in the file's units when it has a `P` column.
public struct PenPoint: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var t: Double?
    public var pressure: Double?

    public init(x: Double, y: Double, t: Double? = nil, pressure: Double? = nil) {
        self.x = x
        self.y = y
        self.t = t
        self.pressure = pressure
    }
}

/// One pen-down component: the points between touching the surface and lifting the pen.
public struct Stroke: Equatable, Sendable {
    public var points: [PenPoint]
    public init(points: [PenPoint]) { self.points = points }
}

/// A labelled piece of ink: one UNIPEN `.SEGMENT`, one IAM-OnDB stroke set, one text-format sample.
///
/// `source` names where it was declared (the file and 1-based line) so errors and users can
/// find it. `writer` is the writer identity when the file gives one (UNIPEN `.WRITER_ID`, the
/// pendigits `.COMMENT label writer n` line), so data can be split by writer.
public struct InkSample: Equatable, Sendable {
    public var id: String
    public var label: String
    public var strokes: [Stroke]
    public var source: (file: String, line: Int)
    /// The segment type (UNIPEN: CHARACTER, WORD, TEXT, DIGIT…), nil when the format has none.
    public var category: String?
    public var writer: String?
    /// Resolution in points per inch (x, y) when the file declares it.
    public var pointsPerInch: (x: Double, y: Double)?
    /// True when y grows upwards (UNIPEN tablets), false when it grows downwards (screens, IAM-OnDB).
    public var yPointsUp: Bool

    public init(id: String, label: String, strokes: [Stroke], source: (file: String, line: Int),
                category: String? = nil, writer: String? = nil, pointsPerInch: (x: Double, y: Double)? = nil,
                yPointsUp: Bool = true) {
        self.id = id
        self.label = label
        self.strokes = strokes
        self.source = source
        self.category = category
        self.writer = writer
        self.pointsPerInch = pointsPerInch
        self.yPointsUp = yPointsUp
    }

    /// Number of points over all strokes.
    public var pointCount: Int { strokes.reduce(0) { $0 + $1.points.count } }

    public static func == (a: InkSample, b: InkSample) -> Bool {
        a.id == b.id && a.label == b.label && a.strokes == b.strokes && a.source.file == b.source.file
            && a.source.line == b.source.line && a.category == b.category && a.writer == b.writer
            && a.pointsPerInch?.x == b.pointsPerInch?.x && a.pointsPerInch?.y == b.pointsPerInch?.y
            && a.yPointsUp == b.yPointsUp
    }
}

/// What a reader returns: the samples it could read, one error per sample it skipped, and
/// warnings about the file that reject no sample by themselves (a UNIPEN include it could not
/// read: the samples that need its ink are rejected, each in `rejected`).
public struct InkReadResult: Sendable {
    public var samples: [InkSample]
    public var rejected: [InputError]
    public var warnings: [InputError]
    /// The other files read to read this one (UNIPEN `.INCLUDE`s, nested or not), each once, as
    /// opened: inputs of the command as much as the file itself.
    public var included: [String]
    public init(samples: [InkSample] = [], rejected: [InputError] = [], warnings: [InputError] = [], included: [String] = []) {
        self.samples = samples
        self.rejected = rejected
        self.warnings = warnings
        self.included = included
    }
}

/// The stroke file formats seqlab reads.
public enum InkFormat: String, CaseIterable, Sendable {
    /// UNIPEN 1.0 text (Guyon et al. 1994), including the UCI pendigits variant.
    case unipen
    /// IAM On-Line Handwriting Database XML (`<StrokeSet><Stroke><Point x y time/>`).
    case iam
    /// seqlab's own plain-text pen format (docs/FORMATS.md).
    case pentext

    /// The format's name in messages: "UNIPEN", "IAM-OnDB XML", "pen text".
    public var name: String {
        switch self {
        case .unipen: return "UNIPEN"
        case .iam: return "IAM-OnDB XML"
        case .pentext: return "pen text"
        }
    }
}

/// Decodes bytes as ISO 8859-1 (Latin-1): every byte is the Unicode scalar of the same value.
func latin1String<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var s = String()
    s.unicodeScalars.reserveCapacity(bytes.count)
    for b in bytes { s.unicodeScalars.append(Unicode.Scalar(b)) }
    return s
}
