import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private dbus-daemon (a system-type bus on a socket in a temporary directory) and the stand-in
/// services of tests (scripts/bluez-standin, scripts/rtkit-standin) on it. All are real processes;
/// they end with the test.
public final class PrivateBus: @unchecked Sendable {  // immutable after init; the process is only ended in deinit
    public let directory: URL
    public let address: String
    private let daemon: Process
    private let socket: String
    private let config: URL

    /// `deny`: rules after the permissive default (later rules win), e.g. BlueZ's upstream
    /// `<deny send_destination="org.bluez"/>`.
    public init(deny: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("breathd-bus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socket = directory.appendingPathComponent("system_bus_socket").path
        config = directory.appendingPathComponent("bus.conf")
        try Self.writeConfiguration(deny: deny, socket: socket, to: config)
        daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        daemon.arguments = ["--config-file=\(config.path)", "--nofork", "--print-address=1"]
        let out = Pipe()
        daemon.standardOutput = out
        try daemon.run()
        guard let line = readLine(from: out.fileHandleForReading.fileDescriptor, containing: "unix:", timeoutSeconds: 60) else {
            kill(daemon.processIdentifier, SIGKILL)
            throw TestTimeout(what: "dbus-daemon")
        }
        address = line.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // SIGKILL: children of the test process inherit its blocked SIGTERM.
    deinit {
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// As permissive as a session bus, unless `deny` says otherwise: the policy is the bus
    /// daemon's own mechanism, as bluetooth.conf or rtkit's policy file is on the system bus.
    private static func writeConfiguration(deny: String, socket: String, to config: URL) throws {
        try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path=\(socket)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_destination="*"/>
                <allow receive_sender="*"/>
                \(deny)
              </policy>
            </busconfig>
            """.write(to: config, atomically: true, encoding: .utf8)
    }

    /// Rewrites the policy and has the running bus daemon reload it (`ReloadConfig`, what a
    /// package installing a policy file triggers), for connections already open too.
    public func changePolicy(deny: String) throws {
        try Self.writeConfiguration(deny: deny, socket: socket, to: config)
        try send(["--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ReloadConfig"])
    }

    /// `dbus-send` on this bus, as a user (or a test) would talk to a service.
    public func send(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-send")
        p.arguments = ["--bus=\(address)", "--print-reply"] + arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestTimeout(what: "dbus-send \(arguments)") }
    }
}

/// Reads from `fd` until a line containing `text`; nil on end of file or timeout (a failure guard,
/// not a verdict: readiness is waited for, never assumed after a delay).
public func readLine(from fd: Int32, containing text: String, timeoutSeconds: Double) -> String? {
    var buffer = [UInt8]()
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while Date() < deadline {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 200) >= 0 else { return nil }
        if p.revents == 0 { continue }
        var byte: UInt8 = 0
        let n = read(fd, &byte, 1)
        if n <= 0 { return nil }
        if byte == UInt8(ascii: "\n") {
            let line = String(decoding: buffer, as: UTF8.self)
            if line.contains(text) { return line }
            buffer.removeAll()
        } else {
            buffer.append(byte)
        }
    }
    return nil
}
