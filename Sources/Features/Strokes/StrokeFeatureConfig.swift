// StrokeFeatureConfig: the options of the pen-stroke front end, with a `--name=value` text form.
import Tensors

/// Options of `strokeFeatures` (the per-point pen features of Graves et al. 2009, "A Novel
/// Connectionist System for Unconstrained Handwriting Recognition", IEEE TPAMI 31(5), sec. 3).
///
/// The text form is one `--name=value` line per field, as Kaldi writes its option files, so a
/// model can store the exact front end it was trained with and `init(text:)` can rebuild it.
public struct StrokeFeatureConfig: Equatable, Sendable {
    /// What length is made 1 before anything else.
    public enum Scale: String, CaseIterable, Sendable {
        /// The sample's bounding-box height (its width when it is flat, 1 for a single dot):
        /// every word or line gets the same height, as in Graves et al. The default.
        case height
        /// `resolutionInches` inches at the file's `.Y_POINTS_PER_INCH`: keeps the true size of
        /// isolated characters (a '.' stays small beside an 'o'); falls back to `height` for a
        /// sample whose file gives no resolution.
        case resolution
        /// The typical height of the samples read from the same file (`fileScaleUnit`: their
        /// heights' median, each weighted by its points), i.e. of one writer's words: every
        /// writer gets the same word height while a '.' or ',' stays small beside the words
        /// around it (UNIPEN files hold one writer's session). A sample read alone, or a file
        /// whose samples have no height, falls back to `height`.
        case file
    }

    /// The unit length (default `.height`).
    public var scale: Scale = .height
    /// Inches that make one unit with `scale = .resolution` (default 0.25 in ≈ 6.4 mm, a digit's height).
    public var resolutionInches: Double = 0.25
    /// Resample each stroke to points this far apart along the pen path, in units (e.g. 0.05 of
    /// the height); nil (the default) keeps the recorded points.
    public var resampleStep: Double? = nil
    /// Append cos and sin of the local writing direction (default false).
    public var direction = false
    /// Append cos and sin of the change of direction at each point, i.e. the curvature (default false).
    public var curvature = false

    public init(scale: Scale = .height, resolutionInches: Double = 0.25, resampleStep: Double? = nil,
                direction: Bool = false, curvature: Bool = false) {
        self.scale = scale
        self.resolutionInches = resolutionInches
        self.resampleStep = resampleStep
        self.direction = direction
        self.curvature = curvature
    }

    /// Features per point: Δx, Δy, end of stroke, then cos/sin direction, then cos/sin curvature.
    public var dimension: Int { 3 + (direction ? 2 : 0) + (curvature ? 2 : 0) }

    /// The value of the `--kind` line that marks a stroke front end among other front-end configs.
    public static let kind = "strokes"

    /// True when `text` is a stroke front end (it has the line `--kind=strokes`), as a model's
    /// stored front end must be told apart from an audio one.
    public static func describesStrokes(_ text: String) -> Bool {
        text.textLines.contains { $0.trimmingCharacters(in: .whitespaces) == "--kind=\(kind)" }
    }

    /// The `--name=value` lines, `--kind=strokes` first (a resample step of 0 means none).
    public var text: String {
        """
        --kind=\(Self.kind)
        --scale=\(scale.rawValue)
        --resolution-inches=\(resolutionInches)
        --resample-step=\(resampleStep.map { "\($0)" } ?? "0")
        --direction=\(direction)
        --curvature=\(curvature)

        """
    }

    /// Parses `--name=value` lines (blank lines and `#` comments allowed; absent names keep
    /// their defaults; a later line overrides an earlier one); an unknown name, a bad value or a
    /// `--kind` other than `strokes` is an `InputError` naming the line.
    public init(text: String, file: String = "stroke feature config") throws(InputError) {
        self.init()
        var lineNumber = 0
        for raw in text.textLines {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ why: String) -> InputError { InputError(file: file, place: "line \(lineNumber)", why) }
            guard line.hasPrefix("--"), let eq = line.firstIndex(of: "=") else { throw fail("expected --name=value, found '\(InputError.quoted(line))'") }
            let name = line[line.index(line.startIndex, offsetBy: 2)..<eq], value = String(line[line.index(after: eq)...])
            func bool() throws(InputError) -> Bool {
                switch value { case "true": return true; case "false": return false
                default: throw fail("--\(name) expects true or false, found '\(InputError.quoted(value))'") }
            }
            func number(_ allowZero: Bool) throws(InputError) -> Double {
                guard let v = Double(value), v.isFinite, v > 0 || (allowZero && v == 0) else {
                    throw fail("--\(name) expects a \(allowZero ? "non-negative" : "positive") number, found '\(InputError.quoted(value))'")
                }
                return v
            }
            switch name {
            case "kind":
                guard value == Self.kind else { throw fail("this is a '\(InputError.quoted(value))' front end, not a stroke one (--kind=\(Self.kind))") }
            case "scale":
                guard let s = Scale(rawValue: value) else {
                    throw fail("--scale expects \(Scale.allCases.map(\.rawValue).joined(separator: " or ")), found '\(InputError.quoted(value))'")
                }
                scale = s
            case "resolution-inches": resolutionInches = try number(false)
            case "resample-step": let v = try number(true); resampleStep = v == 0 ? nil : v
            case "direction": direction = try bool()
            case "curvature": curvature = try bool()
            default:
                // An audio front end's options (Kaldi's --feature-type, --num-mel-bins, …) are a common mix-up.
                let audio = FrontendConfig.optionNames.contains(String(name))
                throw fail("unknown stroke feature option --\(InputError.quoted(name))" + (audio ? " (an audio front-end option: this looks like a config for extract audio, not extract strokes)" : ""))
            }
        }
    }
}
