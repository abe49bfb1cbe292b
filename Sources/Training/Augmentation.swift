// Augmentation: training-time input noise, SpecAugment-style masking and pen distortion, drawn from a seeded generator.
import Features
import Labelling
import Tensors

/// Training-time distortions of a feature matrix (T × D), applied afresh each epoch.
///
/// Gaussian input noise: x ← x + σ·n, n ~ N(0, 1) (Graves 2012 §3.3.2.2, "input noise").
/// Masking as in SpecAugment (Park et al. 2019): `timeMasks` spans of up to `timeMaskWidth`
/// frames and `frequencyMasks` bands of up to `frequencyMaskWidth` dimensions set to the
/// utterance mean of each column (zero after CMVN). Pen distortion (`PenDistortion`) first, on
/// features laid out as `penLayout` says, when both are set.
public struct Augmentation: Sendable, Equatable {
    public var inputNoise: Double
    public var timeMasks: Int, timeMaskWidth: Int
    public var frequencyMasks: Int, frequencyMaskWidth: Int
    public var pen: PenDistortion?
    public var penLayout: StrokeFeatureConfig?

    public init(inputNoise: Double = 0, timeMasks: Int = 0, timeMaskWidth: Int = 10,
                frequencyMasks: Int = 0, frequencyMaskWidth: Int = 4,
                pen: PenDistortion? = nil, penLayout: StrokeFeatureConfig? = nil) {
        self.inputNoise = inputNoise
        self.timeMasks = timeMasks
        self.timeMaskWidth = timeMaskWidth
        self.frequencyMasks = frequencyMasks
        self.frequencyMaskWidth = frequencyMaskWidth
        self.pen = pen
        self.penLayout = penLayout
    }

    /// The augmentation of `options` for a model whose front end is `frontEnd` (the pen layout).
    public init(_ options: TrainingOptions, frontEnd: FrontEnd? = nil) {
        var layout: StrokeFeatureConfig?
        if case .strokes(let c) = frontEnd { layout = c }
        self.init(inputNoise: options.inputNoise, timeMasks: options.timeMasks, timeMaskWidth: options.timeMaskWidth,
                  frequencyMasks: options.frequencyMasks, frequencyMaskWidth: options.frequencyMaskWidth,
                  pen: options.penDistortion, penLayout: layout)
    }

    /// The pen distortion that `apply` draws, nil when none.
    var activePen: (PenDistortion, StrokeFeatureConfig)? {
        guard let pen, !pen.isIdentity, let penLayout else { return nil }
        return (pen, penLayout)
    }

    /// True when `apply` changes nothing.
    public var isIdentity: Bool {
        inputNoise == 0 && (timeMasks == 0 || timeMaskWidth == 0) && (frequencyMasks == 0 || frequencyMaskWidth == 0) && activePen == nil
    }

    /// The distorted copy of `input`.
    public func apply(_ input: Matrix, rng: inout SeededGenerator) -> Matrix {
        if isIdentity || input.rows == 0 { return input }
        // The pen distortion comes first; the masks take the column means of its result.
        var x = input
        if let (pen, layout) = activePen { x = pen.apply(input, layout: layout, rng: &rng) }
        var y = x
        let T = x.rows, D = x.cols
        let masking = (frequencyMasks > 0 && frequencyMaskWidth > 0) || (timeMasks > 0 && timeMaskWidth > 0)
        var means = [Float](repeating: 0, count: D)
        if masking {
            for t in 0..<T { for d in 0..<D { means[d] += x[t, d] } }
            for d in 0..<D { means[d] /= Float(T) }
        }
        if frequencyMasks > 0 && frequencyMaskWidth > 0 {
            for _ in 0..<frequencyMasks {
                let width = Int(rng.next() % UInt64(min(frequencyMaskWidth, D) + 1))
                let start = Int(rng.next() % UInt64(D - width + 1))
                for t in 0..<T { for d in start..<(start + width) { y[t, d] = means[d] } }
            }
        }
        if timeMasks > 0 && timeMaskWidth > 0 {
            for _ in 0..<timeMasks {
                let width = Int(rng.next() % UInt64(min(timeMaskWidth, T) + 1))
                let start = Int(rng.next() % UInt64(T - width + 1))
                for t in start..<(start + width) { for d in 0..<D { y[t, d] = means[d] } }
            }
        }
        if inputNoise > 0 {
            for i in y.data.indices { y.data[i] += Float(inputNoise * rng.normal()) }
        }
        return y
    }
}
