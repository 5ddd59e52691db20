/// Colours of the report: dark ink on a light card (legible whatever the page behind it).
enum Palette {
    static let card = "#fbfaf7"
    static let frame = "#c9c6bf"
    static let text = "#1f2328"
    static let mutedText = "#5b616b"
    static let grid = "#e3e0da"
    static let breathing = "#2f6fb0"
    static let heart = "#c0392b"
    static let coherence = "#1d1d1f"
    static let synchrony = "#7b3fa0"
    static let lowBand = "#f2c4bd"
    static let mediumBand = "#f6e3b0"
    static let highBand = "#c4e6c4"
    static let marker = "#8a4b08"
}
