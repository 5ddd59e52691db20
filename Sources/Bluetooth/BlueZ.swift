import Systemd
/// Names of bluetoothd's D-Bus API (BlueZ doc/org.bluez.Device.rst, Adapter.rst, GattCharacteristic.rst).
enum BlueZ {
    static let service = "org.bluez"
    static let adapter = "org.bluez.Adapter1"
    static let device = "org.bluez.Device1"
    static let characteristic = "org.bluez.GattCharacteristic1"
    static let objectManager = "org.freedesktop.DBus.ObjectManager"
    static let properties = "org.freedesktop.DBus.Properties"

    /// Heart Rate service 0x180D and its Heart Rate Measurement characteristic 0x2A37.
    static let heartRateServiceUUID = "0000180d-0000-1000-8000-00805f9b34fb"
    static let heartRateMeasurementUUID = "00002a37-0000-1000-8000-00805f9b34fb"

    /// Signals bluetoothd sends that the sensor follows.
    static let matchRules = [
        "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path_namespace='/org/bluez'",
        "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager'",
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.bluez'",
    ]

    /// A call bluetoothd or the bus refused, as `status` and `breathctl` say it: what went wrong
    /// and, for a refusal by the bus policy, what to do about it (one line).
    static func failureReason(_ error: BusError, doing what: String) -> String {
        if error.isNoServer { return "bluetoothd is not running (nobody owns org.bluez on the system bus)" }
        if error.isAccessDenied {
            return "the system bus policy denies \(what) (AccessDenied): the user needs the bluetooth group"
                + " (breathd.service: the SupplementaryGroups=bluetooth drop-in; docs/bluetooth.md)"
        }
        if error.errorName == "org.bluez.Error.NotReady" { return "Bluetooth adapter is not ready (powered off?)" }
        return "\(what) failed: \(error)"
    }
}

/// The result of `GetManagedObjects`: object path → interface → properties.
struct BlueZObjects {
    var objects: [String: [String: [String: BusValue]]]

    init(objects: [String: [String: [String: BusValue]]]) { self.objects = objects }

    init(reply: BusMessage) throws(BusError) {
        guard case .dictionary(let byPath)? = try reply.readNext() else {
            throw BusError(operation: "GetManagedObjects", errno: 0, errorName: nil, errorMessage: "unexpected reply")
        }
        var objects: [String: [String: [String: BusValue]]] = [:]
        for (path, value) in byPath {
            var interfaces: [String: [String: BusValue]] = [:]
            for (name, properties) in value.dictionary ?? [:] { interfaces[name] = properties.dictionary ?? [:] }
            objects[path] = interfaces
        }
        self.objects = objects
    }

    static func fetch(on bus: BusConnection) throws(BusError) -> BlueZObjects {
        let call = try bus.methodCall(destination: BlueZ.service, path: "/", interface: BlueZ.objectManager, member: "GetManagedObjects")
        return try BlueZObjects(reply: bus.call(call))
    }

    /// The device object with this address, on any adapter (the powered one first).
    func device(address: BluetoothAddress) -> (path: String, properties: [String: BusValue])? {
        let matches = objects.compactMap { path, interfaces -> (String, [String: BusValue])? in
            guard let d = interfaces[BlueZ.device], d["Address"]?.string?.uppercased() == address.text else { return nil }
            return (path, d)
        }
        return matches.sorted { a, b in
            let pa = adapter(path: a.1["Adapter"]?.string ?? "")?["Powered"]?.bool == true
            let pb = adapter(path: b.1["Adapter"]?.string ?? "")?["Powered"]?.bool == true
            return pa && !pb || pa == pb && a.0 < b.0
        }.first.map { (path: $0.0, properties: $0.1) }
    }

    func adapter(path: String) -> [String: BusValue]? { objects[path]?[BlueZ.adapter] }

    var adapters: [(path: String, properties: [String: BusValue])] {
        objects.compactMap { path, i in i[BlueZ.adapter].map { (path, $0) } }.sorted { $0.0 < $1.0 }
    }

    /// The Heart Rate Measurement characteristic under a device, found by UUID (handles differ by model).
    func heartRateMeasurement(under devicePath: String) -> String? {
        objects.filter { path, interfaces in
            path.hasPrefix(devicePath + "/")
                && interfaces[BlueZ.characteristic]?["UUID"]?.string?.lowercased() == BlueZ.heartRateMeasurementUUID
        }.keys.sorted().first
    }
}

/// A Bluetooth device address, `AA:BB:CC:DD:EE:FF` (upper case, as BlueZ shows it).
public struct BluetoothAddress: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Accepts upper or lower case hex with colons; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
        self.text = parts.joined(separator: ":").uppercased()
    }

    public var description: String { text }

    /// The `[sensor] device` prefix that selects a Bluetooth LE strap.
    public static let devicePrefix = "bluetooth:"

    /// `bluetooth:AA:BB:CC:DD:EE:FF` → the address; nil when `device` does not name a Bluetooth
    /// device. Throws for the prefix with a malformed address.
    public static func fromSensorDevice(_ device: String) throws(BluetoothAddressError) -> BluetoothAddress? {
        guard device.hasPrefix(devicePrefix) else { return nil }
        let rest = device.dropFirst(devicePrefix.count)
        guard let address = BluetoothAddress(rest) else { throw BluetoothAddressError(text: String(rest)) }
        return address
    }
}

public struct BluetoothAddressError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public init(text: String) { self.text = text }
    public var description: String {
        "\"\(text)\" is not a Bluetooth address: expected six hex pairs separated by colons, e.g. bluetooth:A0:9E:1A:12:34:56"
    }
}
