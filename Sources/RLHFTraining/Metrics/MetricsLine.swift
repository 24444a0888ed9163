/// One line of `metrics.jsonl`: `{"step": 12, "loss/policy": 0.31, ...}`.
///
/// `step` comes first and the metrics follow with keys sorted, so lines diff cleanly between
/// runs. JSON has no NaN or infinity: such a value is written as `null` and its key is listed
/// in a trailing `"nonfinite"` array, so that a diverging run is visible in the log rather
/// than breaking every JSON reader.
enum MetricsLine {
    static func encode(step: Int, values: [String: Double]) -> String {
        var fields = ["\"step\": \(step)"]
        var nonfinite: [String] = []
        for key in values.keys.sorted() {
            let value = values[key] ?? .nan
            if value.isFinite {
                fields.append("\(quoted(key)): \(value)")
            } else {
                fields.append("\(quoted(key)): null")
                nonfinite.append(quoted(key))
            }
        }
        if !nonfinite.isEmpty {
            fields.append("\"nonfinite\": [\(nonfinite.joined(separator: ", "))]")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
