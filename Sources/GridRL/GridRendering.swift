// GridRendering: the map, utilities and policy arrows as terminal text, drawn as the lecture draws them.
import Foundation

/// Text drawings of a grid map, one line per row, cells in fixed-width columns.
///
/// Walls are `#`, cliffs `C`, terminals their signed reward (`+1`, `-10`), the start `S`.
public enum GridRendering {
    /// The map: `.` an open cell with the most common reward (of the cells other than the start),
    /// `(r)` an open cell with another reward r (a bare number is always a terminal), `S` the start,
    /// `S(r)` a start with another reward r.
    public static func map(_ map: GridMap) -> String {
        var rewardCounts: [Double: Int] = [:]
        for (s, cell) in map.cells.enumerated() where s != map.start { if case .open(let r) = cell { rewardCounts[r, default: 0] += 1 } }
        let common = rewardCounts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        return table(map) { s in
            guard case .open(let r) = map.cells[s] else { return nil }
            let special = r != (common ?? 0)
            if s == map.start { return special ? "S(" + number(r) + ")" : "S" }
            return special ? "(" + number(r) + ")" : "."
        }
    }

    /// Utilities per cell with `digits` decimals.
    public static func values(_ map: GridMap, _ utilities: [Double], digits: Int = 3) -> String {
        table(map) { s in map.isDecision(s) ? String(format: "%.\(digits)f", utilities[s]) : nil }
    }

    /// The policy as arrows ← ↑ → ↓ (GridAction raw values; -1 off the decision states).
    public static func policy(_ map: GridMap, _ policy: [Int]) -> String {
        table(map) { s in map.isDecision(s) ? (GridAction(rawValue: policy[s])?.arrow ?? "?") : nil }
    }

    /// A signed compact number: `+1`, `-0.04`, `-10`.
    public static func number(_ v: Double) -> String {
        let text = v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", v)
        return v > 0 ? "+" + text : text
    }

    /// Lays out one label per cell; `label` gives the text of open cells (nil: the default for walls,
    /// terminals and cliffs). Columns are right-aligned to the widest label.
    static func table(_ map: GridMap, label: (Int) -> String?) -> String {
        var labels = [String](repeating: "", count: map.cellCount)
        var width = 1
        for s in 0..<map.cellCount {
            let text: String
            if let l = label(s) {
                text = l
            } else {
                switch map.cells[s] {
                case .wall: text = "#"
                case .cliff: text = "C"
                case .terminal(let r): text = number(r)
                case .open: text = "?"
                }
            }
            labels[s] = text
            width = max(width, text.count)
        }
        var out = ""
        for r in 0..<map.rows {
            var line = ""
            for c in 0..<map.cols {
                let text = labels[r * map.cols + c]
                if c > 0 { line += " " }
                line += String(repeating: " ", count: width - text.count) + text
            }
            out += line + "\n"
        }
        return out
    }
}

extension GridRendering {
    /// A solution as one JSON object: `{"map","rows","cols","method","iterations","converged",
    /// "last_change","start_utility","utilities":[[…]],"policy":[[…]]}`; walls and cliffs are null in both grids,
    /// terminals have their utility and a null action; actions are "up", "right", "down", "left".
    public static func json(_ map: GridMap, _ solution: MDPSolution, method: String) -> String {
        func string(_ s: String) -> String {
            var out = "\""
            for ch in s.unicodeScalars {
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where ch.value < 0x20: out += String(format: "\\u%04x", ch.value)
                default: out.unicodeScalars.append(ch)
                }
            }
            return out + "\""
        }
        var utilities: [String] = [], policy: [String] = []
        for r in 0..<map.rows {
            var u: [String] = [], p: [String] = []
            for c in 0..<map.cols {
                let s = r * map.cols + c
                u.append(map.isDecision(s) || map.isTerminal(s) ? "\(solution.utilities[s])" : "null")
                p.append(map.isDecision(s) ? string(GridAction(rawValue: solution.policy[s])?.name ?? "?") : "null")
            }
            utilities.append("[" + u.joined(separator: ",") + "]")
            policy.append("[" + p.joined(separator: ",") + "]")
        }
        return "{\"map\":\(string(map.name)),\"rows\":\(map.rows),\"cols\":\(map.cols),\"method\":\(string(method)),"
            + "\"iterations\":\(solution.iterations),\"converged\":\(solution.converged),\"last_change\":\(solution.lastChange),"
            + "\"start_utility\":\(solution.utilities[map.start]),"
            + "\"utilities\":[" + utilities.joined(separator: ",") + "],\"policy\":[" + policy.joined(separator: ",") + "]}\n"
    }
}
