extension String {
    /// The text with `&`, `<`, `>`, `"` and `'` replaced by character references, so that it
    /// reads as plain text in HTML or SVG content and in quoted attributes: metric names, labels
    /// and model samples come from outside and may contain markup.
    var markupEscaped: String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for character in self {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}

/// An HTML table with a header row; every cell is escaped.
func htmlTable(columns: [String], rows: [[String]], className: String) -> String {
    var html = #"<table class="\#(className)"><thead><tr>"#
    html += columns.map { "<th>\($0.markupEscaped)</th>" }.joined() + "</tr></thead><tbody>"
    for row in rows {
        html += "<tr>" + row.map { "<td>\($0.markupEscaped)</td>" }.joined() + "</tr>"
    }
    return html + "</tbody></table>"
}
