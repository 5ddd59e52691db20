import HRV

/// Beats from a waveform text file (ECG or PPG, one sample per line), read as bytes in chunks of
/// any size with memory that does not grow with the file: `breathctl analyze` on half an hour at
/// 360 Hz.
///
/// A line reads as `SensorDecoder` reads a waveform line (`WaveformLine`): the last field of
/// `,`/`;`/tab-separated text is the sample, `#` lines are comments, `!` marks the electrodes off
/// (a gap: no interval spans it), anything else is counted as rejected; `\n`, `\r\n` and `\r` end
/// lines, a UTF-8 byte-order mark at the start is skipped, and a last line without a newline
/// counts once `finish` is called. Beats pass the same plausible-interval check. It parses the
/// bytes without making a `String` per line: plain decimals (`-0.145`, `2065.0`, `512`) are
/// converted exactly as `Double(_:)` would (one correctly rounded division), others by `Double(_:)`.
public struct WaveformText<Detector: WaveformBeatDetector>: Sendable {
    public let sampleRateHz: Double
    public private(set) var rejected = RejectedInputCounters()
    /// Samples read (each `!` line counts as one missing sample).
    public private(set) var sampleCount = 0

    private var detector: Detector
    private var line: [UInt8] = []
    private var discarding = false
    private var atStart = true
    private var lastBeatSample: Int?

    public init(detector: Detector) {
        self.detector = detector
        sampleRateHz = detector.sampleRateHz
        line.reserveCapacity(LineFramer.maximumLineBytes)
    }

    /// Reads `bytes`; calls `beat` for each beat found, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ beat: (SensorBeat) -> Void) {
        var start = 0
        if atStart, !bytes.isEmpty {
            // A BOM may arrive split over chunks only in a pathological reader; a whole one is skipped.
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
            atStart = false
        }
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            if byte == 0x0A || byte == 0x0D {
                if discarding {
                    discarding = false
                } else if !line.isEmpty {
                    readLine(beat)
                }
                line.removeAll(keepingCapacity: true)
            } else if !discarding {
                if line.count == LineFramer.maximumLineBytes {
                    line.removeAll(keepingCapacity: true)
                    discarding = true
                    rejected.count(.overlongLine)
                } else {
                    line.append(byte)
                }
            }
        }
    }

    /// The end of the input: a last line without a newline is read.
    public mutating func finish(_ beat: (SensorBeat) -> Void) {
        if !discarding, !line.isEmpty { readLine(beat) }
        line.removeAll(keepingCapacity: true)
        discarding = false
    }

    private mutating func readLine(_ beat: (SensorBeat) -> Void) {
        let reading = line.withUnsafeBufferPointer { WaveformTextLine.read($0) }
        switch reading {
        case .sample(let x): add(x, beat)
        case .leadsOff:
            rejected.leadsOffSamples += 1
            sampleCount += 1
            detector.gap()
            lastBeatSample = nil
        case .rejected(let kind): rejected.count(kind)
        case .ignored, .beats: break
        }
    }

    private mutating func add(_ x: Double, _ beat: (SensorBeat) -> Void) {
        defer { sampleCount += 1 }
        guard let found = detector.add(x) else { return }
        if let last = lastBeatSample {
            let rr = Double(found - last) * 1000 / sampleRateHz
            if PlausibleRange.rrMilliseconds.contains(rr) {
                beat(SensorBeat(rrMilliseconds: rr, signalTimeSeconds: Double(found) / sampleRateHz))
            } else {
                rejected.count(.outOfRange)
            }
        }
        lastBeatSample = found
    }
}

/// The byte-level reading of one waveform line, for `WaveformText`.
enum WaveformTextLine {
    /// One line (without its terminator), as `WaveformLine.read` reads its text.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> LineReading {
        for b in bytes where !(b >= 0x20 && b < 0x7F) && b != 0x09 { return .rejected(.binary) }
        var lo = 0, hi = bytes.count
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
        guard lo < hi else { return .ignored }
        if hi - lo == 1, bytes[lo] == UInt8(ascii: "!") { return .leadsOff }
        if bytes[lo] == UInt8(ascii: "#") { return .ignored }
        // The last non-empty field.
        var fieldEnd = hi
        while true {
            var fieldStart = fieldEnd
            while fieldStart > lo, !isSeparator(bytes[fieldStart - 1]) { fieldStart -= 1 }
            var a = fieldStart, b = fieldEnd
            while a < b, bytes[a] == 0x20 || bytes[a] == 0x09 { a += 1 }
            while b > a, bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09 { b -= 1 }
            if a < b {
                guard let value = number(UnsafeBufferPointer(rebasing: bytes[a..<b])) else { return .rejected(.unparseable) }
                return abs(value) <= PlausibleRange.sampleMagnitude ? .sample(value) : .rejected(.outOfRange)
            }
            guard fieldStart > lo else { return .rejected(.unparseable) }
            fieldEnd = fieldStart - 1
        }
    }

    private static func isSeparator(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ",") || b == UInt8(ascii: ";") || b == 0x09
    }

    /// `LineText.number` on bytes: a plain decimal, no `inf`, `nan` or hex.
    static func number(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        guard !s.isEmpty, s.count <= 40 else { return nil }
        var i = 0
        var negative = false
        if s[0] == UInt8(ascii: "-") || s[0] == UInt8(ascii: "+") {
            negative = s[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0, fractionDigits = 0
        var seenPoint = false
        while i < s.count {
            let c = s[i]
            if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                mantissa = mantissa &* 10 &+ UInt64(c - UInt8(ascii: "0"))
                digits += 1
                if seenPoint { fractionDigits += 1 }
            } else if c == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            i += 1
        }
        // Exact when the digits fit a double's 53-bit significand and 10^k is exact: one division,
        // correctly rounded, which is what strtod gives.
        if i == s.count, digits > 0, digits <= 15, fractionDigits <= 22 {
            let value = Double(mantissa) / powersOfTen[fractionDigits]
            return negative ? -value : value
        }
        for c in s {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                continue
            default: return nil
            }
        }
        guard let v = Double(String(decoding: s, as: UTF8.self)), v.isFinite else { return nil }
        return v
    }
}

private let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }
