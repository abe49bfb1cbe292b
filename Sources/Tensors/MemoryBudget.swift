// MemoryBudget: how much memory a run may use (--max-memory, or the system's MemAvailable), and sizes as text.
import Foundation

/// The memory limit long commands check their estimates against before they allocate.
///
/// The default is the kernel's estimate of memory available to new work without swapping
/// (`MemAvailable` in /proc/meminfo, Linux ≥ 3.14); `--max-memory SIZE` overrides it.
public enum MemoryBudget {
    /// Bytes from `MemAvailable` in /proc/meminfo, nil where that is not known.
    public static func available() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kB = Int(fields[1]) else { return nil }
            return kB * 1024
        }
        return nil
    }

    /// Bytes from a size such as `512M`, `1.5G`, `800000K` or `1048576` (powers of 1024; a
    /// trailing `B` or `iB` is allowed); nil when it is not a positive size.
    public static func parse(_ text: String) -> Int? {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        if s.hasSuffix("IB") { s.removeLast(2) } else if s.hasSuffix("B") { s.removeLast() }
        var scale = 1.0
        if let unit = s.last, let power = ["K": 1.0, "M": 2.0, "G": 3.0, "T": 4.0][String(unit)] {
            scale = pow(1024, power)
            s.removeLast()
        }
        guard let value = Double(s), value > 0, value.isFinite, value * scale < 9e18 else { return nil }
        return Int(value * scale)
    }

    /// A size for messages: `820 MB`, `4.9 GB` (powers of 1024).
    public static func describe(_ bytes: Int) -> String {
        let mb = Double(bytes) / 1_048_576
        if mb >= 1024 { return String(format: "%.1f GB", mb / 1024) }
        if mb >= 10 { return String(format: "%.0f MB", mb) }
        if mb >= 1 { return String(format: "%.1f MB", mb) }
        return String(format: "%.0f KB", (Double(bytes) / 1024).rounded(.up))
    }
}
