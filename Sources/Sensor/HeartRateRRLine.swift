import Foundation

/// `hr-rr`: text lines that carry a heart rate and the RR intervals of one Bluetooth heart-rate
/// notification, as the tools people pipe into a FIFO print them:
/// - Python/bleak loggers (kennycason/pulse_stream): `HR:  67 bpm | contact: no/unknown | RR: 926.8 ms`
///   (several RR as `926.8 ms, 955.1 ms`; `RR: —` when the notification had none);
/// - the Polar BLE SDK example app's log: `HR     bpm: 63 rrs: [972, 1017] rrAvailable: true ...`
///   (`rrs` there is `sample.rrsMs`, milliseconds; SDK versions whose example printed the raw
///   `rrs` wrote 1/1024 s: format `hr-rr-1024`);
/// - the nRF Connect SDK `central_hr_coded` sample's block per notification (`RR-Intervals
///   present: 1`, `Heart Rate Measurement Value: 58 bpm`, `RR-intervals: 1001 998`, 1/1024 s).
/// A notification without RR is no beat once RR has been seen (a beat did not end in it); a
/// source that never sends RR gives low-precision beats from its rate (`HeartRateOnlyPolicy`).
struct HeartRateRRLine: Sendable {
    /// Unit of a `rrs: [...]` list: milliseconds, or 1/1024 s for `hr-rr-1024`.
    let rrsListIn1024: Bool
    private var policy = HeartRateOnlyPolicy()
    /// nRF block state: `RR-Intervals present` and sensor contact of the notification being read.
    private var blockHasRR: Bool?
    private var blockContactLost = false
    private var blockContactSupported = false

    init(rrsListIn1024: Bool = false) { self.rrsListIn1024 = rrsListIn1024 }

    mutating func read(_ line: Substring) -> LineReading {
        if line.hasPrefix("#") { return .ignored }
        // nRF Connect SDK block.
        if line.hasPrefix("Heart Rate Measurement notification received") {
            blockHasRR = nil
            blockContactLost = false
            blockContactSupported = false
            return .chatter
        }
        if let v = LineText.number(after: "RR-Intervals present:", in: line), line.hasPrefix("RR-Intervals present") {
            blockHasRR = v != 0
            return .chatter
        }
        if line.hasPrefix("Sensor Contact supported:") {
            blockContactSupported = LineText.number(after: "supported:", in: line) == 1
            return .chatter
        }
        if line.hasPrefix("Sensor Contact detected:") {
            blockContactLost = LineText.number(after: "detected:", in: line) == 0
            return .chatter
        }
        if line.hasPrefix("Heart Rate Measurement Value:") {
            guard let bpm = LineText.number(after: "Value:", in: line) else { return .rejected(.unparseable) }
            if blockContactSupported && blockContactLost { return .ignored }
            if blockHasRR == false { return policy.heartRateOnly(bpm: bpm) }
            return .ignored  // the RR line follows
        }
        if line.hasPrefix("RR-intervals:") {
            if blockContactSupported && blockContactLost { return .ignored }
            let values = LineText.numbers(in: line.dropFirst("RR-intervals:".count))
            return policy.rr(values.map { $0 * 1000 / 1024 })
        }
        // Polar SDK log (possibly behind a logcat prefix).
        if let list = Self.bracketList(after: "rrs:", in: line) {
            if !list.isEmpty { return policy.rr(list.map { rrsListIn1024 ? $0 * 1000 / 1024 : $0 }) }
            guard let bpm = LineText.number(after: "bpm:", in: line) else { return .rejected(.unparseable) }
            return policy.heartRateOnly(bpm: bpm)
        }
        // Python loggers: `HR: 67 bpm | ... | RR: 926.8 ms, 955.1 ms`.
        if let rrRange = line.range(of: "| RR:") {
            let values = LineText.numbers(in: line[rrRange.upperBound...])
            if !values.isEmpty {
                let inSeconds = values.allSatisfy { $0 < 10 }
                return policy.rr(values.map { inSeconds ? $0 * 1000 : $0 })
            }
            guard let bpm = LineText.number(after: "HR:", in: line) else { return .rejected(.unparseable) }
            return policy.heartRateOnly(bpm: bpm)
        }
        return .rejected(.unparseable)
    }

    /// `[972, 1017]` after `label`; nil when the label is absent.
    static func bracketList(after label: String, in line: Substring) -> [Double]? {
        guard let range = line.range(of: label),
            let open = line[range.upperBound...].firstIndex(of: "["),
            let close = line[open...].firstIndex(of: "]")
        else { return nil }
        return LineText.numbers(in: line[line.index(after: open)..<close])
    }

    /// Lines only this format prints.
    static func isDistinctive(_ line: Substring) -> Bool {
        line.hasPrefix("Heart Rate Measurement notification received") || line.hasPrefix("RR-Intervals present:")
            || line.hasPrefix("RR-intervals:") || line.hasPrefix("Heart Rate Measurement Value:")
            || (line.contains("rrs:") && line.contains("bpm:") && bracketList(after: "rrs:", in: line) != nil)
            || (line.contains("| RR:") && line.hasPrefix("HR:"))
    }
}

/// Heart-rate-only notifications from a source that also sends RR are no beat: the strap sends
/// RR for every beat that ended, and a notification without one means none did. Until RR has
/// been seen, rate-only lines are held; after `linesToConfirm` of them without any RR the source
/// is taken for one that never sends RR, and they (and later ones) become low-precision beats.
struct HeartRateOnlyPolicy: Sendable {
    static let linesToConfirm = 5
    private(set) var rrSeen = false
    private var rateOnlyConfirmed = false
    private var held: [SensorBeat] = []

    mutating func rr(_ milliseconds: [Double]) -> LineReading {
        rrSeen = true
        held = []
        var beats: [SensorBeat] = []
        for rr in milliseconds {
            guard PlausibleRange.rrMilliseconds.contains(rr) else { return .rejected(.outOfRange) }
            beats.append(SensorBeat(rrMilliseconds: rr))
        }
        return beats.isEmpty ? .ignored : .beats(beats)
    }

    mutating func heartRateOnly(bpm: Double) -> LineReading {
        if bpm == 0 || rrSeen { return .ignored }
        guard PlausibleRange.heartRateBPM.contains(bpm) else { return .rejected(.outOfRange) }
        let beat = SensorBeat(rrMilliseconds: 60000 / bpm, isLowPrecision: true)
        if rateOnlyConfirmed { return .beats([beat]) }
        held.append(beat)
        guard held.count >= Self.linesToConfirm else { return .ignored }
        rateOnlyConfirmed = true
        defer { held = [] }
        return .beats(held)
    }
}
