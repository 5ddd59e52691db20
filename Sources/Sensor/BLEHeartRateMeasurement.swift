import Foundation

/// A Bluetooth Heart Rate Measurement characteristic value (0x2A37; GATT Specification
/// Supplement 3.113): flags, heart rate (8 or 16 bit), optional energy expended (16 bit), then
/// any number of RR intervals (16 bit, 1/1024 s), all little-endian.
public struct BLEHeartRateMeasurement: Sendable, Equatable {
    public var heartRateBPM: Int
    public var sensorContact: SensorContact
    public var energyExpendedKilojoules: Int?
    /// In 1/1024 s, as sent.
    public var rrIntervals1024: [UInt16]

    public enum SensorContact: Sendable, Equatable { case notSupported, notDetected, detected }

    public init(heartRateBPM: Int, sensorContact: SensorContact = .notSupported, energyExpendedKilojoules: Int? = nil, rrIntervals1024: [UInt16] = []) {
        self.heartRateBPM = heartRateBPM
        self.sensorContact = sensorContact
        self.energyExpendedKilojoules = energyExpendedKilojoules
        self.rrIntervals1024 = rrIntervals1024
    }

    public var rrMilliseconds: [Double] { rrIntervals1024.map { Double($0) * 1000 / 1024 } }

    public init?(bytes: [UInt8]) {
        guard let flags = bytes.first else { return nil }
        var i = 1
        func uint16() -> UInt16? {
            guard i + 1 < bytes.count else { return nil }
            defer { i += 2 }
            return UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
        }
        if flags & 0x01 != 0 {
            guard let hr = uint16() else { return nil }
            heartRateBPM = Int(hr)
        } else {
            guard i < bytes.count else { return nil }
            heartRateBPM = Int(bytes[i])
            i += 1
        }
        switch (flags >> 1) & 0x03 {
        case 2: sensorContact = .notDetected
        case 3: sensorContact = .detected
        default: sensorContact = .notSupported
        }
        if flags & 0x08 != 0 {
            guard let energy = uint16() else { return nil }
            energyExpendedKilojoules = Int(energy)
        } else {
            energyExpendedKilojoules = nil
        }
        rrIntervals1024 = []
        if flags & 0x10 != 0 {
            guard (bytes.count - i) % 2 == 0 else { return nil }
            while let rr = uint16() { rrIntervals1024.append(rr) }
        }
        guard i == bytes.count else { return nil }
    }

    public var bytes: [UInt8] {
        var flags: UInt8 = heartRateBPM > 255 ? 0x01 : 0
        switch sensorContact {
        case .notSupported: break
        case .notDetected: flags |= 0x04
        case .detected: flags |= 0x06
        }
        if energyExpendedKilojoules != nil { flags |= 0x08 }
        if !rrIntervals1024.isEmpty { flags |= 0x10 }
        var out = [flags]
        func put16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        if heartRateBPM > 255 { put16(heartRateBPM) } else { out.append(UInt8(heartRateBPM)) }
        if let e = energyExpendedKilojoules { put16(e) }
        for rr in rrIntervals1024 { put16(Int(rr)) }
        return out
    }
}

/// `ble-hrm`: the measurement as hex, as tools print a notification:
/// - one per line (`10 48 5a 03`, `10:48:5A:03`, `0x10485a03`);
/// - gatttool `--listen`: `Notification handle = 0x000e value: 16 34 e4 04 `;
/// - bluetoothctl `notify on`: `[CHG] Attribute /org/bluez/.../char000f Value:` followed by
///   hexdump lines (`  16 34 e4 04                                      .4..`), 16 bytes a line:
///   a line of fewer than 16 bytes ends the value.
/// Each value is read as BlueZ notifications are (`HeartRateNotificationDecoder`).
struct BLEHexLine: Sendable {
    private var notifications = HeartRateNotificationDecoder()
    /// Bytes of a bluetoothctl value whose hexdump lines are still arriving.
    private var dump: [UInt8]?

    /// May return the readings of a finished bluetoothctl value before that of `line` itself.
    mutating func read(_ line: Substring) -> [LineReading] {
        if let bytes = dump {
            if let more = Self.hexdumpBytes(line) {
                let all = bytes + more
                if more.count == 16 { dump = all; return [] }
                dump = nil
                return [measurement(all)]
            }
            dump = nil
            return [measurement(bytes)] + read(line)
        }
        if line.contains("[CHG] Attribute"), let value = line.range(of: "Value:") {
            let rest = line[value.upperBound...].trimmingWhitespace()
            if rest.isEmpty { dump = []; return [.chatter] }
            guard let bytes = Self.hexBytes(rest) else { return [.rejected(.unparseable)] }
            return [measurement(bytes)]
        }
        if line.hasPrefix("Notification handle"), let value = line.range(of: "value:") {
            guard let bytes = Self.hexBytes(line[value.upperBound...].trimmingWhitespace()) else { return [.rejected(.unparseable)] }
            return [measurement(bytes)]
        }
        guard let bytes = Self.hexBytes(line) else { return [.rejected(.unparseable)] }
        return [measurement(bytes)]
    }

    private mutating func measurement(_ bytes: [UInt8]) -> LineReading { notifications.read(bytes) }

    /// The bytes of a bluez hexdump line: pairs of hex digits, one space apart, then (after a
    /// wider gap) the printable column, which is not read.
    static func hexdumpBytes(_ line: Substring) -> [UInt8]? {
        let hexPart = line.trimmingWhitespace().components(separatedBy: "  ").first ?? ""
        let pairs = hexPart.split(separator: " ")
        guard !pairs.isEmpty, pairs.count <= 16, pairs.allSatisfy({ $0.count == 2 }) else { return nil }
        let bytes = pairs.compactMap { UInt8($0, radix: 16) }
        return bytes.count == pairs.count ? bytes : nil
    }

    static func isDistinctive(_ line: Substring) -> Bool {
        (line.contains("[CHG] Attribute") && line.contains("Value:")) || line.hasPrefix("Notification handle =")
            || looksLikeHex(line)
    }

    static func hexBytes(_ line: Substring) -> [UInt8]? {
        var line = line
        if line.hasPrefix("0x") || line.hasPrefix("0X"), line.contains(" ") {
            // `0x16 0x34 ...`
            line = Substring(line.replacingOccurrences(of: "0x", with: "").replacingOccurrences(of: "0X", with: ""))
        }
        var text = line
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        var digits: [UInt8] = []
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "-"): continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        guard digits.count >= 4, digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// Looks like a hex dump rather than a decimal number: separators, a letter, or a leading 0.
    static func looksLikeHex(_ line: Substring) -> Bool {
        guard hexBytes(line) != nil, LineText.number(line) == nil || line.hasPrefix("0") else { return false }
        return BLEHeartRateMeasurement(bytes: hexBytes(line)!) != nil
    }
}
