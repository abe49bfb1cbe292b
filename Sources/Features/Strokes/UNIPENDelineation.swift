// UNIPENDelineation: the `[A[:M]]-[B[:N]],[C]` expression that names the components of a segment.
import Tensors

/// A UNIPEN segment delineation (UNIPEN 1.0 definition, reserved string `[A[:M]]-[B[:N]],[C]`).
///
/// Components and points are numbered from 0. Items are separated by commas and their union
/// is taken: `7` is component 7; `83-95` components 83 to 95; `1:40-3` component 1 from point
/// 40 to the end, then all of 2 and 3; `6:0-6:12` component 6 points 0…12. An omitted `A`
/// means component 0, an omitted `B` the last component; an omitted `:M` point 0, an omitted
/// `:N` the last point. No spaces are allowed.
public struct UNIPENDelineation: Equatable, Sendable {
    /// One end of a range: a component and, optionally, a point inside it.
    public struct Reference: Equatable, Sendable {
        public var component: Int?
        public var point: Int?
    }

    /// One comma-separated item: a single component or a range `from-to`.
    public enum Item: Equatable, Sendable {
        case component(Int)
        case range(from: Reference, to: Reference)
    }

    public var items: [Item]

    /// Parses the expression; the error message says what was expected.
    public init(parsing text: Substring) throws(DelineationError) {
        guard !text.isEmpty else { throw DelineationError("empty delineation") }
        var items: [Item] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw DelineationError("empty item in delineation '\(InputError.quoted(text))'") }
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            switch ends.count {
            case 1:
                let r = try Self.reference(ends[0], in: text)
                guard let c = r.component, r.point == nil else {
                    throw DelineationError("'\(InputError.quoted(part))' in '\(InputError.quoted(text))': a single item must be a component number (point references need a range A:M-B:N)")
                }
                items.append(.component(c))
            case 2:
                let from = try Self.reference(ends[0], in: text), to = try Self.reference(ends[1], in: text)
                if from.component == nil && from.point != nil || to.component == nil && to.point != nil {
                    throw DelineationError("'\(InputError.quoted(part))' in '\(InputError.quoted(text))': a point needs its component (A:M)")
                }
                items.append(.range(from: from, to: to))
            default:
                throw DelineationError("'\(InputError.quoted(part))' in '\(InputError.quoted(text))': expected A[:M]-B[:N], found more than one '-'")
            }
        }
        self.items = items
    }

    private static func reference(_ s: Substring, in text: Substring) throws(DelineationError) -> Reference {
        if s.isEmpty { return Reference(component: nil, point: nil) }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw DelineationError("'\(InputError.quoted(s))' in '\(InputError.quoted(text))': expected A or A:M") }
        func number(_ p: Substring) throws(DelineationError) -> Int {
            guard !p.isEmpty, p.utf8.count <= 9, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(p) else {
                throw DelineationError("'\(InputError.quoted(p))' in '\(InputError.quoted(text))': expected a non-negative integer")
            }
            return v
        }
        let c = try number(parts[0])
        return Reference(component: c, point: parts.count == 2 ? try number(parts[1]) : nil)
    }

    /// The points this delineation selects, given the point count of each component in the set:
    /// component indices in increasing order, each with its closed point range(s), merged.
    public func resolve(pointCounts: [Int]) throws(DelineationError) -> [(component: Int, points: ClosedRange<Int>)] {
        var selected: [Int: [ClosedRange<Int>]] = [:]
        func add(_ c: Int, _ r: ClosedRange<Int>) { selected[c, default: []].append(r) }
        let n = pointCounts.count
        func checkComponent(_ c: Int) throws(DelineationError) {
            guard n > 0 else { throw DelineationError("component \(c) out of range: the set has no pen points (no non-empty .PEN_DOWN component)") }
            guard c < n else { throw DelineationError("component \(c) out of range (the set has \(n) non-empty components, 0…\(n - 1))") }
        }
        for item in items {
            switch item {
            case .component(let c):
                try checkComponent(c)
                add(c, 0...(pointCounts[c] - 1))
            case .range(let from, let to):
                let a = from.component ?? 0, b = to.component ?? (n - 1)
                try checkComponent(a)
                try checkComponent(b)
                let m = from.point ?? 0, last = to.point ?? (pointCounts[b] - 1)
                guard m < pointCounts[a] else { throw DelineationError("point \(m) out of range in component \(a) (\(pointCounts[a]) points)") }
                guard last < pointCounts[b] else { throw DelineationError("point \(last) out of range in component \(b) (\(pointCounts[b]) points)") }
                guard a < b || (a == b && m <= last) else { throw DelineationError("range \(a):\(m)-\(b):\(last) runs backwards") }
                if a == b {
                    add(a, m...last)
                } else {
                    add(a, m...(pointCounts[a] - 1))
                    for c in (a + 1)..<b { add(c, 0...(pointCounts[c] - 1)) }
                    add(b, 0...last)
                }
            }
        }
        var out: [(component: Int, points: ClosedRange<Int>)] = []
        for c in selected.keys.sorted() {
            let ranges = selected[c]!.sorted { $0.lowerBound < $1.lowerBound }
            var current = ranges[0]
            for r in ranges.dropFirst() {
                if r.lowerBound <= current.upperBound + 1 {
                    current = current.lowerBound...max(current.upperBound, r.upperBound)
                } else {
                    out.append((c, current))
                    current = r
                }
            }
            out.append((c, current))
        }
        return out
    }
}

/// Why a delineation could not be parsed or resolved (wrapped into an `InputError` by the reader).
public struct DelineationError: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
