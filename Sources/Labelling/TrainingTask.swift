// TrainingTask: which problem a model solves — temporal, sequence or segment (frame) classification, or next-value prediction.

/// The supervised sequence-learning problem a model is trained for (Graves 2012, ch. 2: temporal
/// classification, sequence classification and segment classification; plus next-value
/// prediction with a squared error, Graves 2012 §3.1.3 / Bishop 2006 §5.2). Stored in the model
/// file as `seqlab.task`; a model without the key (written before tasks existed) is `ctc`.
///
/// - `ctc`: one label sequence per utterance, unaligned; CTC loss; outputs labels + blank.
/// - `sequence`: one label per utterance. A unidirectional network is scored at its last frame
///   (whose output has seen the whole sequence); a bidirectional one on the **mean over frames of
///   the output layer's activations** z(t) — the output layer is linear, so this is the output
///   layer applied to the time-averaged [forward | reverse] hidden states, and every frame of
///   both directions contributes. Cross-entropy on the softmax of that vector.
/// - `framewise`: one label per frame (segment classification with known segments, here
///   frame by frame); cross-entropy summed over frames.
/// - `predict`: the output at t predicts the input frame at t + 1 (identity output layer of the
///   input's dimension); squared error ½‖z(t) − x(t+1)‖² summed over the first T − 1 frames.
///   Needs a unidirectional network (a reverse direction would see the target).
///
/// The classifying tasks keep the blank at output 0 so every model has the same alphabet layout;
/// it is never a target, and decoding takes the best of the real labels.
public enum TrainingTask: String, Sendable, CaseIterable, Codable {
    case ctc, sequence, framewise, predict

    /// The metadata key that stores the task.
    public static let metadataKey = "seqlab.task"

    /// Whether the outputs are classes of the alphabet (all but `predict`).
    public var classifies: Bool { self != .predict }

    /// What the validation error of this task measures (epoch lines, `--log`).
    public var errorName: String {
        switch self {
        case .ctc: return "label error"
        case .sequence: return "classification error"
        case .framewise: return "frame error"
        case .predict: return "mean squared error"
        }
    }

    /// Whether `errorName` is a rate printed as a percentage (the squared error is not).
    public var errorIsRate: Bool { self != .predict }

    /// The key of the best validation error in a model's training summary (`seqlab.training`).
    public var errorSummaryKey: String {
        switch self {
        case .ctc: return "valid_label_error_rate"
        case .sequence: return "valid_classification_error"
        case .framewise: return "valid_frame_error"
        case .predict: return "valid_mean_squared_error"
        }
    }
}
