// FrontEnd: how a model's input features are made from raw input (audio or pen strokes), as stored in the model.
import Features
import Tensors

/// The feature front end a model was trained with, so `label` can turn raw input into the
/// features the network expects. Stored in the model's metadata as config text
/// (`seqlab.frontend`) and its kind (`seqlab.frontend_kind`: `audio` or `strokes`).
public enum FrontEnd: Sendable, Equatable {
    /// Kaldi-compatible audio features (`extract audio`).
    case audio(FrontendConfig)
    /// Pen-stroke features (`extract strokes`).
    case strokes(StrokeFeatureConfig)

    /// The stored kind name.
    public var kind: String {
        switch self { case .audio: "audio"; case .strokes: "strokes" }
    }

    /// The config text (`--name=value` lines), as `extract --config` reads it.
    public var text: String {
        switch self {
        case .audio(let c): c.configText
        case .strokes(let c): c.text
        }
    }

    /// The feature dimension it produces.
    public var dimension: Int {
        switch self {
        case .audio(let c): c.outputDimension
        case .strokes(let c): c.dimension
        }
    }

    /// Seconds between frames (audio), or nil (strokes have points, not a frame rate).
    public var frameShiftSeconds: Double? {
        switch self {
        case .audio(let c): c.frameShift / 1000
        case .strokes: nil
        }
    }

    /// A front end from config text: `kind` when known, else strokes when the text carries the
    /// stroke config's `--kind=strokes` line and audio otherwise. Errors name `file`.
    public init(text: String, kind: String? = nil, file: String) throws {
        switch kind ?? (StrokeFeatureConfig.describesStrokes(text) ? "strokes" : "audio") {
        case "audio": self = .audio(try FrontendConfig(configText: text, file: file))
        case "strokes": self = .strokes(try StrokeFeatureConfig(text: text, file: file))
        case let other:
            throw InputError(file: file, place: "seqlab.frontend_kind", "unknown front end \"\(other)\", expected audio or strokes")
        }
    }
}
