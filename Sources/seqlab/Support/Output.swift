// Output: data to stdout, messages to stderr.
import Foundation

/// Writes text to stdout (data).
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Writes one line to stderr (logs, warnings, per-item errors).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
