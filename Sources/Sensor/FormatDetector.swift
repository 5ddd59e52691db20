/// Recognises the format from the first lines of input.
///
/// Distinctive lines (JSON objects, PulseSensor lines, labelled heart rates, hex dumps) decide after
/// 3 of the same kind; bare numbers after 8: RR intervals if all lie in 250-2500 ms (or 0.25-2.5 s),
/// else a waveform (`waveformFormat`; an auto-detecting `SensorDecoder` then tells ECG from PPG
/// by the shape). Lines matching no format do not vote.
struct FormatDetector: Sendable {
    static let distinctiveVotes = 3
    static let numericVotes = 8

    let waveformFormat: SensorFormat
    private var votes: [SensorFormat: Int] = [:]
    private var numbers = 0
    private var numbersOutsideRR = false

    init(waveformFormat: SensorFormat) { self.waveformFormat = waveformFormat }

    /// Votes with `line`; returns the format once decided.
    mutating func vote(_ line: Substring) -> SensorFormat? {
        if let distinctive = Self.distinctiveFormat(line) {
            votes[distinctive, default: 0] += 1
            return votes[distinctive]! >= Self.distinctiveVotes ? distinctive : nil
        }
        if line == "!" { return waveformFormat }
        let fields = LineText.fields(line)
        guard let last = fields.last, fields.count <= 2, let value = LineText.number(last) else { return nil }
        numbers += 1
        let ms = value < 10 ? value * 1000 : value
        if !(250...2500).contains(ms) { numbersOutsideRR = true }
        guard numbers >= Self.numericVotes else { return nil }
        return numbersOutsideRR ? waveformFormat : .rr
    }

    static func distinctiveFormat(_ line: Substring) -> SensorFormat? {
        if line.first == "{" { return .json }
        if PulseSensorLine.isLetterLine(line) || PulseSensorLine.isCSVLine(line) { return .pulsesensor }
        if HeartRateLine.isLabelled(line) { return .hr }
        if BLEHexLine.looksLikeHex(line) { return .bleHRM }
        return nil
    }
}
