// PenDistortion: random rotation, slant and scale of handwriting, applied to pen features.
import Foundation
import Tensors

/// A linear map of the pen plane, x' = A·x with A = [[a, b], [c, d]] (row-major).
public struct PenTransform: Sendable, Equatable {
    public var a: Double, b: Double, c: Double, d: Double

    public init(a: Double, b: Double, c: Double, d: Double) {
        self.a = a; self.b = b; self.c = c; self.d = d
    }

    public static let identity = PenTransform(a: 1, b: 0, c: 0, d: 1)

    /// R(θ)·S·D: first the width and height scaled by `scaleX`, `scaleY`, then the slant x ← x + s·y
    /// (positive s leans upright strokes to the right), then a rotation by θ radians counter-clockwise.
    public init(rotation theta: Double, slant s: Double, scaleX: Double, scaleY: Double) {
        let cosT = cos(theta), sinT = sin(theta)
        // S·D = [[sx, s·sy], [0, sy]]; R = [[cos, −sin], [sin, cos]].
        self.init(a: cosT * scaleX, b: cosT * s * scaleY - sinT * scaleY,
                  c: sinT * scaleX, d: sinT * s * scaleY + cosT * scaleY)
    }

    /// A·(x, y).
    @inline(__always)
    public func apply(_ x: Double, _ y: Double) -> (Double, Double) { (a * x + b * y, c * x + d * y) }
}

/// Writer-style augmentation for online handwriting (a random affine distortion of the pen
/// trajectory per training sample, as in the elastic and affine distortions of Simard et al.
/// 2003 and the slant/size variation handwriting recognisers train with): each sample gets a
/// rotation uniform in ±`rotationDegrees`, a slant (shear x ← x + s·y) uniform in ±`slant`, and
/// width and height factors drawn independently, uniform in 1 ± `scale`.
///
/// It works on the features of `strokeFeatures`, not on points, so training can draw a new
/// distortion every epoch from the archive it holds: Δx, Δy are mapped by A (an offset of a
/// linearly mapped trajectory is the mapped offset); direction and curvature are computed anew
/// from the mapped offsets within each stroke (strokes end where the end-of-stroke flag is 1),
/// exactly as `strokeFeatures` computes them from points. The result equals the features of the
/// normalised (and resampled) points mapped by A (PenDistortionTests); resampling is not redone,
/// so steps along the path are no longer all equal, and the height is not renormalised.
public struct PenDistortion: Sendable, Codable, Equatable {
    /// Largest rotation, degrees (0 ..< 90).
    public var rotationDegrees: Double
    /// Largest slant factor s of x ← x + s·y (0 ... 1; 0.3 is about 17°).
    public var slant: Double
    /// Largest relative change of width and of height (0 ..< 1).
    public var scale: Double

    public init(rotationDegrees: Double = 0, slant: Double = 0, scale: Double = 0) {
        self.rotationDegrees = rotationDegrees
        self.slant = slant
        self.scale = scale
    }

    /// True when every draw is the identity.
    public var isIdentity: Bool { rotationDegrees == 0 && slant == 0 && scale == 0 }

    /// An `InputError` naming the flag when a bound is outside its range or not finite.
    /// `names` are the flags of rotation, slant and scale, and `file` what the error names first.
    public func validate(names: (String, String, String) = ("--pen-rotation", "--pen-slant", "--pen-scale"),
                         file: String = "training options") throws(InputError) {
        func check(_ v: Double, _ flag: String, _ range: String, _ ok: Bool) throws(InputError) {
            guard v.isFinite, ok else { throw InputError(file: file, "\(flag) \(v) is outside \(range)") }
        }
        try check(rotationDegrees, names.0, "0 ..< 90 degrees", rotationDegrees >= 0 && rotationDegrees < 90)
        try check(slant, names.1, "0 ... 1", slant >= 0 && slant <= 1)
        try check(scale, names.2, "0 ..< 1", scale >= 0 && scale < 1)
    }

    /// The fixed transforms of test-time augmentation: the identity, then rotations by
    /// ±`rotationDegrees`, slants ±`slant` and widths 1 ± `scale` (the height kept), each pair left
    /// out when its bound is 0: the corners, one axis at a time, of the box training draws from.
    public var testTimeVariants: [PenTransform] {
        var transforms = [PenTransform.identity]
        for sign in [-1.0, 1.0] where rotationDegrees > 0 {
            transforms.append(PenTransform(rotation: sign * rotationDegrees * Double.pi / 180, slant: 0, scaleX: 1, scaleY: 1))
        }
        for sign in [-1.0, 1.0] where slant > 0 { transforms.append(PenTransform(rotation: 0, slant: sign * slant, scaleX: 1, scaleY: 1)) }
        for sign in [-1.0, 1.0] where scale > 0 { transforms.append(PenTransform(rotation: 0, slant: 0, scaleX: 1 + sign * scale, scaleY: 1)) }
        return transforms
    }

    /// A random transform within the bounds: four uniform draws from `rng` (rotation, slant,
    /// width, height), in that order.
    public func draw(rng: inout SeededGenerator) -> PenTransform {
        func symmetric(_ bound: Double) -> Double { (2 * rng.uniform() - 1) * bound }
        let theta = symmetric(rotationDegrees) * Double.pi / 180
        let s = symmetric(slant)
        let sx = 1 + symmetric(scale), sy = 1 + symmetric(scale)
        return PenTransform(rotation: theta, slant: s, scaleX: sx, scaleY: sy)
    }

    /// `features` (T × `layout.dimension`, columns as `strokeFeatures` writes them) of a
    /// trajectory mapped by a random draw.
    public func apply(_ features: Matrix, layout: StrokeFeatureConfig, rng: inout SeededGenerator) -> Matrix {
        let transform = draw(rng: &rng)
        return PenDistortion.apply(transform, to: features, layout: layout)
    }

    /// `features` of the trajectory mapped by `transform` (see the type's description).
    public static func apply(_ transform: PenTransform, to features: Matrix, layout: StrokeFeatureConfig) -> Matrix {
        precondition(features.cols == layout.dimension, "pen features have \(features.cols) columns, the layout \(layout.dimension)")
        var out = features
        let T = features.rows
        guard T > 0 else { return out }
        var dx = [Double](repeating: 0, count: T), dy = dx
        for t in 0..<T {
            (dx[t], dy[t]) = transform.apply(Double(features[t, 0]), Double(features[t, 1]))
            out[t, 0] = Float(dx[t])
            out[t, 1] = Float(dy[t])
        }
        guard layout.direction || layout.curvature else { return out }
        let directionColumn = 3, curvatureColumn = layout.direction ? 5 : 3
        var start = 0
        while start < T {
            var end = start
            while end < T - 1 && features[end, 2] < 0.5 { end += 1 }
            // Points start...end form a stroke; p(j) − p(j−1) = Δ_j for start < j ≤ end.
            for i in start...end {
                if layout.direction {
                    // p(min(i+1, end)) − p(max(i−1, start)) = Σ Δ_j over max(i−1, start) < j ≤ min(i+1, end).
                    var vx = 0.0, vy = 0.0
                    var j = max(i - 1, start) + 1
                    while j <= min(i + 1, end) { vx += dx[j]; vy += dy[j]; j += 1 }
                    let n = (vx * vx + vy * vy).squareRoot()
                    out[i, directionColumn] = Float(n > 0 ? vx / n : 0)
                    out[i, directionColumn + 1] = Float(n > 0 ? vy / n : 0)
                }
                if layout.curvature {
                    var cosPhi = 1.0, sinPhi = 0.0
                    if i > start && i < end {
                        let ux = dx[i], uy = dy[i], vx = dx[i + 1], vy = dy[i + 1]
                        let n = (ux * ux + uy * uy).squareRoot() * (vx * vx + vy * vy).squareRoot()
                        if n > 0 { cosPhi = (ux * vx + uy * vy) / n; sinPhi = (ux * vy - uy * vx) / n }
                    }
                    out[i, curvatureColumn] = Float(cosPhi)
                    out[i, curvatureColumn + 1] = Float(sinPhi)
                }
            }
            start = end + 1
        }
        return out
    }
}
