import Systemd
#if canImport(Glibc)
import Glibc
#endif

/// A device seen advertising the Heart Rate service during a scan.
public struct ScannedHeartRateDevice: Sendable, Equatable {
    public var address: BluetoothAddress
    public var name: String?
    public var rssiDBm: Int?
    public var paired: Bool
}

public struct ScanError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Discovery of nearby heart-rate straps through bluetoothd: `SetDiscoveryFilter` with the Heart
/// Rate service UUID (LE), `StartDiscovery`, the devices that appear or update their RSSI while it
/// runs (`InterfacesAdded`, `PropertiesChanged`), `StopDiscovery`. Devices bluetoothd merely
/// remembers (paired, not seen during this scan) are not listed. Blocking for `durationSeconds`.
public enum HeartRateScanner {
    public static func scan(durationSeconds: Double, busAddress: String? = nil) throws(ScanError) -> [ScannedHeartRateDevice] {
        do {
            let bus = try BusConnection(address: busAddress)
            for rule in BlueZ.matchRules { try bus.addMatch(rule) }
            let before = try BlueZObjects.fetch(on: bus)
            guard let adapter = before.adapters.first(where: { $0.properties["Powered"]?.bool == true }) ?? before.adapters.first else {
                throw ScanError(description: "bluetoothd has no Bluetooth adapter")
            }
            let adapterName = adapter.path.split(separator: "/").last.map(String.init) ?? adapter.path
            guard adapter.properties["Powered"]?.bool == true else {
                throw ScanError(description: "Bluetooth adapter \(adapterName) is powered off (bluetoothctl power on)")
            }
            let filter = try bus.methodCall(destination: BlueZ.service, path: adapter.path, interface: BlueZ.adapter, member: "SetDiscoveryFilter")
            try filter.append(options: ["UUIDs": .array([.string(BlueZ.heartRateServiceUUID)]), "Transport": .string("le")])
            _ = try bus.call(filter)
            _ = try bus.call(bus.methodCall(destination: BlueZ.service, path: adapter.path, interface: BlueZ.adapter, member: "StartDiscovery"))
            var seen = Set<String>()
            let deadline = ContinuousClock.now + .seconds(durationSeconds)
            while ContinuousClock.now < deadline {
                while let message = try bus.next() {
                    guard message.isSignal, let path = message.path else { continue }
                    if message.member == "InterfacesAdded", let added = try message.readAll().first?.string {
                        seen.insert(added)
                    } else if message.member == "PropertiesChanged", path.hasPrefix(adapter.path + "/dev_") {
                        let args = try message.readAll()
                        if args.first?.string == BlueZ.device, args.count > 1, args[1].dictionary?["RSSI"] != nil { seen.insert(path) }
                    }
                }
                var fd = bus.pollDescriptor
                let left = ContinuousClock.now.duration(to: deadline)
                _ = poll(&fd, 1, Int32(max(0, min(250, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))))
            }
            _ = try? bus.call(bus.methodCall(destination: BlueZ.service, path: adapter.path, interface: BlueZ.adapter, member: "StopDiscovery"))
            let after = try BlueZObjects.fetch(on: bus)
            return seen.sorted().compactMap { path -> ScannedHeartRateDevice? in
                guard let d = after.objects[path]?[BlueZ.device],
                    d["UUIDs"]?.strings?.contains(where: { $0.lowercased() == BlueZ.heartRateServiceUUID }) == true,
                    let address = d["Address"]?.string.flatMap({ BluetoothAddress($0) })
                else { return nil }
                return ScannedHeartRateDevice(
                    address: address, name: d["Name"]?.string ?? d["Alias"]?.string, rssiDBm: d["RSSI"]?.integer.map(Int.init),
                    paired: d["Paired"]?.bool ?? false)
            }
        } catch let error as BusError {
            throw ScanError(description: BlueZ.failureReason(error, doing: "scanning through bluetoothd"))
        } catch let error as ScanError {
            throw error
        } catch {
            throw ScanError(description: "\(error)")
        }
    }
}
