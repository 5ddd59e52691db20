/// `pulsesensor`: PulseSensor Playground output. `Q<ibi>` lines carry the interbeat interval of a
/// new beat (`S<signal>` and `B<bpm>` lines accompany it); the `BPM,IBI,Signal` CSV of the serial
/// plotter repeats the last IBI on every sample, so a beat is a change of IBI.
struct PulseSensorLine: Sendable {
    private var lastCSVInterbeat: Double?

    mutating func read(_ line: Substring) -> LineReading {
        if let letter = line.first, "SBQ".contains(letter), !line.contains(",") {
            guard let value = LineText.number(line.dropFirst()) else { return .rejected(.unparseable) }
            switch letter {
            case "Q": return PlausibleRange.beat(rrMilliseconds: value)
            case "B": return PlausibleRange.heartRateBPM.contains(value) || value == 0 ? .ignored : .rejected(.outOfRange)
            default: return .ignored
            }
        }
        let fields = LineText.fields(line)
        guard fields.count == 3 else { return .rejected(.unparseable) }
        let numbers = fields.compactMap(LineText.number)
        guard numbers.count == 3 else {
            return fields.allSatisfy({ $0.first?.isLetter ?? false }) ? .ignored : .rejected(.unparseable)
        }
        let interbeat = numbers[1]
        defer { lastCSVInterbeat = interbeat }
        // IBI 0 or repeated: no new beat on this sample.
        guard interbeat != 0, let previous = lastCSVInterbeat, interbeat != previous else { return .ignored }
        return PlausibleRange.beat(rrMilliseconds: interbeat)
    }

    static func isLetterLine(_ line: Substring) -> Bool {
        guard let letter = line.first, "SBQ".contains(letter) else { return false }
        return LineText.number(line.dropFirst()) != nil
    }

    static func isCSVLine(_ line: Substring) -> Bool {
        let fields = LineText.fields(line)
        return fields.count == 3 && fields.allSatisfy { LineText.number($0) != nil }
    }
}
