/// Builds an SVG document as text, element by element; every attribute value and text node is
/// escaped here, so names coming from a session record can never break the markup.
struct SVGWriter {
    private(set) var text = ""

    init(widthPixels: Double, heightPixels: Double) {
        text += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(widthPixels))\" "
        text += "height=\"\(Self.number(heightPixels))\" viewBox=\"0 0 \(Self.number(widthPixels)) \(Self.number(heightPixels))\" "
        text += "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
    }

    /// An empty element: `<name a="v" .../>`.
    mutating func element(_ name: String, _ attributes: [(String, String)]) {
        text += "<\(name)\(Self.attributeText(attributes))/>\n"
    }

    /// An element holding escaped text.
    mutating func element(_ name: String, _ attributes: [(String, String)], text content: String) {
        text += "<\(name)\(Self.attributeText(attributes))>\(Self.escape(content))</\(name)>\n"
    }

    /// A `<polyline>` through the points, each written `x,y`.
    mutating func polyline(_ points: [(x: Double, y: Double)], _ attributes: [(String, String)]) {
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        element("polyline", [("points", list), ("fill", "none")] + attributes)
    }

    mutating func finish() -> String {
        text += "</svg>\n"
        return text
    }

    private static func attributeText(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// XML escaping for text nodes and double-quoted attribute values.
    static func escape(_ raw: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(raw.utf8.count)
        for character in raw {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A coordinate with one decimal, never in exponent notation.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int64((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }
}
