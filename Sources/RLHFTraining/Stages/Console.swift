import Foundation

/// Where the stages' progress lines and messages go: standard output, written line by line
/// (not through `print`'s buffer), so that a log file or mpirun's output forwarding shows each
/// line as it happens.
public enum Console {
    /// Writes `text` and a newline to standard output at once.
    public static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes `text` and a newline to standard error.
    public static func warning(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
