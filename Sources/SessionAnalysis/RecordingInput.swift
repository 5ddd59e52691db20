import Sensor

/// A recording (`breathctl analyze`) in any sensor format. RR files keep going through `RRText` (the
/// parser the reference outputs were checked against); other formats through the sensor decoder.
public struct RecordingInput {
    public let parsed: RRText.Parsed
    /// Beat time (seconds from the start) and RR interval of each beat.
    public let beatTimes: [(Double, Double)]

    public init(text: String, format: SensorFormat?, sampleRateHz: Double) {
        var decoder = SensorDecoder(format: format, sampleRateHz: sampleRateHz)
        var beats: [SensorBeat] = []
        if format != .rr {
            decoder.feed(Array(text.utf8) + [0x0A]) { if case .beat(let b) = $0 { beats.append(b) } }
        }
        if format == .rr || decoder.format == .rr || decoder.format == nil {
            parsed = RRText.parse(text)
            var t = 0.0
            beatTimes = parsed.rrMilliseconds.map { rr in
                t += rr / 1000
                return (t, rr)
            }
            return
        }
        parsed = RRText.Parsed(rrMilliseconds: beats.map(\.rrMilliseconds), skippedLines: decoder.rejected.total, unitWasSeconds: false)
        var t = 0.0
        beatTimes = beats.map { b in
            t += b.rrMilliseconds / 1000
            return (b.signalTimeSeconds ?? t, b.rrMilliseconds)
        }
    }
}
