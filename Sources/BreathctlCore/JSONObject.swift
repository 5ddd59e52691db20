import BreathProtocol

/// One JSON object written with its keys in the order given, as scripts and the reference
/// tools print them (JSONEncoder would reorder keys and drop nulls).
struct JSONObject {
    private var fields: [(String, String)] = []

    /// A figure rounded to `decimals` (`FigureRounding.Decimals`), printed shortest: `813.9`,
    /// never `813.8888888888889`.
    mutating func set(_ key: String, _ value: Double?, decimals: Int) {
        guard let value, value.isFinite else { return fields.append((key, "null")) }
        fields.append((key, "\(FigureRounding.rounded(value, decimals: decimals))"))
    }
    mutating func set(_ key: String, _ value: Int) { fields.append((key, String(value))) }
    mutating func set(_ key: String, _ value: Bool) { fields.append((key, value ? "true" : "false")) }
    mutating func set(_ key: String, _ value: String?) {
        fields.append((key, value.map(Self.quoted) ?? "null"))
    }

    /// `{"a": 1, "b": 2}` on one line, or indented by one space per level like Python's `indent=1`.
    func rendered(pretty: Bool = false) -> String {
        if fields.isEmpty { return "{}" }
        if pretty {
            return "{\n" + fields.map { " \(Self.quoted($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}"
        }
        return "{" + fields.map { "\(Self.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
