// StrokeFeatures: per-sample normalisation, arc-length resampling and per-point pen features.
import Tensors

/// A point of a normalised trajectory (unit height, y up).
public struct InkXY: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// The sample's strokes normalised as `strokeFeatures` sees them: y made to grow upwards, the
/// bounding box moved to the origin, lengths divided by the unit of `config.scale`, each stroke
/// resampled to `config.resampleStep` when set (`resampledByArcLength`). `fileUnit` is the unit
/// of `Scale.file` (`fileScaleUnit` of the samples read with this one); other scales ignore it.
public func normalisedStrokes(_ sample: InkSample, config: StrokeFeatureConfig, fileUnit: Double? = nil) -> [[InkXY]] {
    let flip = sample.yPointsUp ? 1.0 : -1.0
    var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
    for s in sample.strokes {
        for p in s.points {
            minX = min(minX, p.x); maxX = max(maxX, p.x)
            minY = min(minY, flip * p.y); maxY = max(maxY, flip * p.y)
        }
    }
    guard minX.isFinite else { return [] }
    var unit = maxY - minY
    if config.scale == .resolution, let ppi = sample.pointsPerInch?.y, ppi > 0 {
        unit = ppi * config.resolutionInches
    } else if config.scale == .file, let fileUnit, fileUnit > 0, fileUnit.isFinite {
        unit = fileUnit
    } else if unit <= 0 {
        unit = maxX - minX > 0 ? maxX - minX : 1
    }
    return sample.strokes.compactMap { s -> [InkXY]? in
        guard !s.points.isEmpty else { return nil }
        let pts = s.points.map { InkXY(x: ($0.x - minX) / unit, y: (flip * $0.y - minY) / unit) }
        guard let step = config.resampleStep else { return pts }
        return resampledByArcLength(pts, step: step)
    }
}

/// The unit length of `StrokeFeatureConfig.Scale.file` for the samples read from one file: the
/// weighted median of their bounding-box heights (y extent), each sample weighted by its number of
/// recorded points, so that a writer's words outweigh the punctuation between them. Nil when the
/// samples have no height at all (only dots or flat lines).
public func fileScaleUnit(_ samples: [InkSample]) -> Double? {
    var heights: [(height: Double, weight: Double)] = []
    for sample in samples {
        var low = Double.infinity, high = -Double.infinity
        for s in sample.strokes { for p in s.points { low = min(low, p.y); high = max(high, p.y) } }
        if high - low > 0, (high - low).isFinite { heights.append((high - low, Double(sample.pointCount))) }
    }
    guard !heights.isEmpty else { return nil }
    heights.sort { $0.height < $1.height }
    let half = heights.reduce(0) { $0 + $1.weight } / 2
    var cumulative = 0.0
    for h in heights {
        cumulative += h.weight
        if cumulative >= half { return h.height }
    }
    return heights[heights.count - 1].height
}

extension StrokeFeatureConfig {
    /// The `fileUnit` to pass with each of `samples` (all read from one file): `fileScaleUnit`
    /// for `Scale.file`, nil for the scales that need none.
    public func fileUnit(for samples: [InkSample]) -> Double? {
        scale == .file ? fileScaleUnit(samples) : nil
    }
}

/// Points every `step` along the polyline's arc length, starting at its first point; the last
/// point is kept when it lies beyond the last emitted one (so the final gap may be shorter).
public func resampledByArcLength(_ points: [InkXY], step: Double) -> [InkXY] {
    guard let first = points.first, step > 0 else { return points }
    var out = [first]
    var carried = 0.0              // arc length since the last emitted point
    let tolerance = step * 1e-9    // so that exact multiples of the step are not lost to rounding
    for i in 1..<points.count {
        let a = points[i - 1], b = points[i]
        let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
        guard length > 0, length.isFinite else { continue }   // an infinite step would never end
        var pos = 0.0
        while carried + (length - pos) >= step - tolerance {
            pos = min(length, pos + (step - carried))
            let f = pos / length
            out.append(InkXY(x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f))
            carried = 0
        }
        carried += length - pos
    }
    if carried > tolerance, let last = points.last { out.append(last) }
    return out
}

/// The pen features of a sample, one row per (resampled) point: T × `config.dimension`.
///
/// After `normalisedStrokes`, for point i of the whole sample (strokes in order):
/// - Δx, Δy: the offset from point i−1 (across a pen lift too, so the jump between strokes is
///   seen), 0 for the first point (Graves et al. 2009, sec. 3.1 online features);
/// - end of stroke: 1 on the last point of each stroke, else 0;
/// - direction (optional): cos θ, sin θ of p(i+1) − p(i−1) within the stroke (one-sided at the
///   ends), 0, 0 where the pen did not move;
/// - curvature (optional): cos φ, sin φ of the angle φ from p(i) − p(i−1) to p(i+1) − p(i)
///   (positive counter-clockwise); 1, 0 at stroke ends and where a step has zero length.
/// `fileUnit`: the unit of `Scale.file` (see `normalisedStrokes`).
public func strokeFeatures(_ sample: InkSample, config: StrokeFeatureConfig = StrokeFeatureConfig(), fileUnit: Double? = nil) -> Matrix {
    strokeFeatures(normalised: normalisedStrokes(sample, config: config, fileUnit: fileUnit), config: config)
}

/// The pen features of strokes already normalised (see `strokeFeatures(_:config:)`); the
/// config's direction and curvature flags choose the columns.
public func strokeFeatures(normalised strokes: [[InkXY]], config: StrokeFeatureConfig) -> Matrix {
    let total = strokes.reduce(0) { $0 + $1.count }
    var m = Matrix(rows: total, cols: config.dimension)   // (T, D)
    var row = 0
    var previous: InkXY?
    for s in strokes {
        for (i, p) in s.enumerated() {
            var c = 0
            func put(_ v: Double) { m[row, c] = Float(v); c += 1 }
            put(previous.map { p.x - $0.x } ?? 0)
            put(previous.map { p.y - $0.y } ?? 0)
            put(i == s.count - 1 ? 1 : 0)
            if config.direction {
                let a = s[max(i - 1, 0)], b = s[min(i + 1, s.count - 1)]
                let dx = b.x - a.x, dy = b.y - a.y, n = (dx * dx + dy * dy).squareRoot()
                put(n > 0 ? dx / n : 0)
                put(n > 0 ? dy / n : 0)
            }
            if config.curvature {
                var cosPhi = 1.0, sinPhi = 0.0
                if i > 0 && i < s.count - 1 {
                    let ux = p.x - s[i - 1].x, uy = p.y - s[i - 1].y, vx = s[i + 1].x - p.x, vy = s[i + 1].y - p.y
                    let n = (ux * ux + uy * uy).squareRoot() * (vx * vx + vy * vy).squareRoot()
                    if n > 0 { cosPhi = (ux * vx + uy * vy) / n; sinPhi = (ux * vy - uy * vx) / n }
                }
                put(cosPhi)
                put(sinPhi)
            }
            previous = p
            row += 1
        }
    }
    return m
}

/// The most points `checkedStrokeFeatures` lets a sample have after resampling (2^20, hours of
/// handwriting at usual steps): more means a degenerate sample, such as a long flat line made
/// unit height by `.height` scaling, whose points would not fit in memory.
public let maxResampledPoints = 1 << 20

/// An upper bound on the points `resampledByArcLength` makes of the sample's normalised strokes:
/// one per stroke plus arc length / step (infinite when a length overflows).
func resampledPointCount(_ sample: InkSample, config: StrokeFeatureConfig, fileUnit: Double?, step: Double) -> Double {
    var recorded = config
    recorded.resampleStep = nil
    var count = 0.0
    for s in normalisedStrokes(sample, config: recorded, fileUnit: fileUnit) {
        count += 2
        for i in s.indices.dropFirst() {
            let length = ((s[i].x - s[i - 1].x) * (s[i].x - s[i - 1].x) + (s[i].y - s[i - 1].y) * (s[i].y - s[i - 1].y)).squareRoot()
            if length > 0 { count += length / step }
        }
    }
    return count
}

/// `strokeFeatures` for a sample about to be written as a Kaldi record: an `InputError` naming
/// the sample's file and line when its id cannot be a Kaldi key (empty, white space), when
/// resampling would make more than `maxResampledPoints` points (checked before any is made), or
/// when a feature is not finite (coordinates so large that their range overflows). `fileUnit`: the
/// unit of `Scale.file` (`fileScaleUnit` of the samples read from the sample's file).
public func checkedStrokeFeatures(_ sample: InkSample, config: StrokeFeatureConfig = StrokeFeatureConfig(),
                                  fileUnit: Double? = nil) throws(InputError) -> Matrix {
    let place = "line \(sample.source.line)"
    guard !sample.id.isEmpty, !sample.id.contains(where: { $0.isWhitespace }) else {
        throw InputError(file: sample.source.file, place: place, "sample id '\(InputError.quoted(sample.id))' is empty or holds white space; ids are Kaldi keys")
    }
    if let step = config.resampleStep, step > 0 {
        let points = resampledPointCount(sample, config: config, fileUnit: fileUnit, step: step)
        guard points <= Double(maxResampledPoints) else {
            let shown = points < 1e15 ? String(Int(points)) : points.isFinite ? "\(points)" : "infinitely many"
            throw InputError(file: sample.source.file, place: place,
                             "sample \(sample.id): resampling every \(step) units would give \(shown) points, more than \(maxResampledPoints) "
                             + "(a path far longer than the sample is high, or coordinates too large)")
        }
    }
    let m = strokeFeatures(sample, config: config, fileUnit: fileUnit)
    if let bad = m.firstNonFinite {
        throw InputError(file: sample.source.file, place: place,
                         "sample \(sample.id): feature \(bad.col) of point \(bad.row) is not finite (coordinates too large?)")
    }
    return m
}
