import SystemCalls
import BreathConfig
@testable import BreathDaemon
import BreathProtocol
import BreathTestSupport
import Foundation
import NIOCore
import ServiceLifecycle
import Systemd
import Testing

@Suite(.timeLimit(.minutes(1))) struct ControlSocketServerTests {
    @Test func greetsAndAnswersAndKeepsTheConnectionAfterErrors() async throws {
        let fixture = try ServerFixture()
        defer { fixture.directory.remove() }
        let settings = SessionSettings(durationSeconds: 60, rateBreathsPerMinute: 5.5, ratio: .even, voice: .glide, volume: 0.5)
        let id = try await fixture.store.beginSession(startedAt: Timestamp(unixMilliseconds: 5000), settings: settings)
        try await fixture.run {
            try await LineClient.with(fixture.path) { client in
                #expect(try await client.next() == .version(VersionMessage(release: "test")))
                try await client.send("{\"cmd\":")
                #expect(try await client.next() == .error(RequestError.invalidJSON.description))
                try await client.send("{\"cmd\":\"dance\"}")
                #expect(try await client.next() == .error(RequestError.unknownCommand("dance").description))
                try await client.send("{\"cmd\":\"start\",\"rate\":12}")
                #expect(try await client.next() == .error("start: rate = 12: must be between 4.0 and 7.0 breaths per minute"))
                try await client.send(.history(limit: 5))
                #expect(try await client.next() == .history(HistoryReply(sessions: [SessionRecord(id: id, startedAt: Timestamp(unixMilliseconds: 5000), settings: settings)])))
                try await client.send("{\"cmd\":\"session\",\"id\":99}\r")
                #expect(try await client.next() == .error("no session 99 in history"))
            }
        }
    }

    @Test func socketFileHasTheConfiguredModeAndIsRemovedOnShutdown() async throws {
        let fixture = try ServerFixture()
        defer { fixture.directory.remove() }
        let path = fixture.path
        try await fixture.run {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o660)
            #expect(attributes[.type] as? FileAttributeType == .typeSocket)
        }
        for _ in 0..<200 where FileManager.default.fileExists(atPath: path) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func overlongLineGetsAnErrorAndTheConnectionIsClosed() async throws {
        let fixture = try ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.run {
            try await LineClient.with(fixture.path) { client in
                _ = try await client.next()
                try await client.send("{\"cmd\":\"status\",\"pad\":\"" + String(repeating: "x", count: 5000) + "\"}")
                let reply = try #require(try await client.next())
                guard case .error(let error) = reply else {
                    Issue.record("expected ERROR, got \(reply)")
                    return
                }
                #expect(error.message.contains("longer than the limit of 4096 bytes"))
                #expect(try await client.nextLine() == nil, "closed")
            }
        }
    }

    @Test func clientsBeyondTheLimitAreRefused() async throws {
        let fixture = try ServerFixture(maximumClients: 64)
        defer { fixture.directory.remove() }
        try await fixture.run {
            try await withThrowingTaskGroup(of: Void.self) { clients in
                var channels: [any Channel] = []
                for _ in 0..<64 {
                    let client = try await LineClient.connect(fixture.path)
                    channels.append(client.channel.channel)
                    clients.addTask {
                        try await client.channel.executeThenClose { inbound, _ in
                            for try await _ in inbound {}
                        }
                    }
                }
                for _ in 0..<500 where fixture.server.clientCount.current < 64 { try await Task.sleep(for: .milliseconds(5)) }
                #expect(fixture.server.clientCount.current == 64)
                try await LineClient.with(fixture.path) { (client: inout LineClient.Session) async throws in
                    #expect(try await client.next() == .error("too many clients (limit 64); try again later"))
                    #expect(try await client.nextLine() == nil, "closed")
                }
                for channel in channels { try? await channel.close() }
                try? await clients.waitForAll()
            }
            // Once clients leave, new ones are admitted again.
            var admitted = false
            for _ in 0..<100 where !admitted {
                admitted = try await LineClient.with(fixture.path) { client in
                    if case .version = try await client.next() { return true }
                    return false
                }
                if !admitted { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(admitted)
        }
    }

    @Test func watchersGetEventsAndSlowOnesAreDropped() async throws {
        let fixture = try ServerFixture(eventCapacity: 64)
        defer { fixture.directory.remove() }
        let events = fixture.events
        try await fixture.run {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The slow watcher asks to watch, then never reads; the server closes it.
                let slow = try await LineClient.connect(fixture.path)
                group.addTask {
                    try await slow.channel.executeThenClose { _, outbound in
                        try await outbound.write(ByteBuffer(bytes: LineCodec.encodeLine(.watch)))
                        try await slow.channel.channel.closeFuture.get()
                    }
                }
                try await LineClient.with(fixture.path) { client in
                    _ = try await client.next()
                    try await client.send(.watch)
                    #expect(try await client.next() == .ok(OKReply(message: "watching")))
                    for _ in 0..<200 where events.watcherCount < 2 { try await Task.sleep(for: .milliseconds(5)) }
                    #expect(events.watcherCount == 2)
                    let beat = ServerMessage.beat(BeatEvent(beat: 1, timeSeconds: 0.8, rrMilliseconds: 800, isNN: true))
                    events.publish(beat)
                    #expect(try await client.next() == beat)
                    // A request while watching is still answered.
                    try await client.send(.history(limit: 1))
                    #expect(try await client.next() == .history(HistoryReply(sessions: [])))
                }
                // Big events fill the slow watcher's socket, then its queue; publishing never waits.
                let big = ServerMessage.sensor(SensorEvent(state: .lost, device: "/dev/ttyUSB0", format: "rr", message: String(repeating: "z", count: 4000)))
                let clock = ContinuousClock()
                let elapsed = try await clock.measure {
                    for _ in 0..<2000 {
                        events.publish(big)
                        if events.watcherCount == 0 { break }
                        try await Task.sleep(for: .microseconds(200))
                    }
                }
                #expect(events.watcherCount == 0, "the slow watcher was dropped")
                #expect(elapsed < .seconds(5))
                // The slow client's task ends because the server closed its connection.
                try await group.waitForAll()
            }
        }
    }

    @Test func staleSocketIsReplacedAndLiveDaemonRefused() async throws {
        let fixture = try ServerFixture()
        defer { fixture.directory.remove() }
        // A socket file nobody listens on, as a killed daemon leaves it.
        try FileManager.default.createDirectory(atPath: "\(fixture.directory.path)/run", withIntermediateDirectories: true)
        try bindAndAbandon(fixture.path)
        #expect(try SocketFile.answers(fixture.path) == false)
        try await fixture.run {
            #expect(try SocketFile.answers(fixture.path))
            let second = ControlSocketServer(
                settings: .init(path: fixture.path, release: "second"), authorization: fixture.server.authorization,
                handler: fixture.server.handler, events: EventHub(), logger: fixture.server.logger)
            await #expect(throws: SocketServerError.alreadyRunning(path: fixture.path)) { try await second.run() }
            #expect(SocketServerError.alreadyRunning(path: fixture.path).description == "another breathd is already running on \(fixture.path)")
            // The first one still serves.
            try await LineClient.with(fixture.path) { (client: inout LineClient.Session) async throws in
                #expect(try await client.next() == .version(VersionMessage(release: "test")))
            }
        }
    }

    /// As systemd passes a listening socket: the server serves it and leaves the file to its owner.
    @Test func servesAnInheritedListeningSocket() async throws {
        let fixture = try ServerFixture()
        defer { fixture.directory.remove() }
        let path = "\(fixture.directory.path)/activated.sock"
        let descriptor = try bindAndAbandon(path, listening: true)
        let (listening, signal) = AsyncStream<Void>.makeStream()
        let server = ControlSocketServer(
            settings: .init(path: path, release: "activated", inheritedDescriptor: descriptor),
            authorization: fixture.server.authorization, handler: fixture.server.handler, events: EventHub(),
            logger: fixture.server.logger, onListening: { signal.yield() })
        let services = ServiceGroup(services: [server], logger: fixture.server.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var ready = listening.makeAsyncIterator()
            _ = await ready.next()
            try await LineClient.with(path) { (client: inout LineClient.Session) async throws in
                #expect(try await client.next() == .version(VersionMessage(release: "activated")))
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(FileManager.default.fileExists(atPath: path), "systemd's socket file stays")
        #expect(SocketActivation.listeningDescriptor(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "1"], processID: 42) == 3)
        #expect(SocketActivation.listeningDescriptor(environment: ["LISTEN_PID": "41", "LISTEN_FDS": "1"], processID: 42) == nil)
        #expect(SocketActivation.listeningDescriptor(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "0"], processID: 42) == nil)
        #expect(SocketActivation.listeningDescriptor(environment: [:], processID: 42) == nil)
    }

    @Test func notASocketIsLeftAlone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("precious", to: "breathd.sock")
        #expect(throws: SocketServerError.notASocket(path: path)) { try SocketFile.prepare(path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
    }

    /// A real peer running as nobody may read but not control (needs root to switch user, as in CI).
    @Test(.enabled(if: geteuid() == 0, "switching to nobody needs root"))
    func foreignUserIsRefusedControl() async throws {
        let fixture = try ServerFixture(mode: 0o666)
        defer { fixture.directory.remove() }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.directory.path)
        let path = fixture.path
        let replies = try await fixture.run {
            let peer = Process()
            peer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            peer.arguments = [
                "python3", "-c",
                """
                import os, socket, sys
                os.setgroups([]); os.setgid(65534); os.setuid(65534)
                connection = socket.socket(socket.AF_UNIX)
                connection.connect(sys.argv[1])
                lines = connection.makefile("rwb")
                lines.readline()
                for request in (b'{"cmd":"stop"}', b'{"cmd":"history","limit":1}'):
                    lines.write(request + b"\\n"); lines.flush()
                    print(lines.readline().decode().strip())
                """,
                path,
            ]
            let output = Pipe()
            peer.standardOutput = output
            try peer.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            peer.waitUntilExit()
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        #expect(replies.count == 2)
        #expect(try replies.first.map(LineCodec.decodeServerMessage) == .error("stop: not permitted for uid 65534; control needs the daemon's user or root"))
        #expect(try replies.last.map(LineCodec.decodeServerMessage) == .history(HistoryReply(sessions: [])))
    }

    @Test func controlIsForTheDaemonsUserRootAndTheGroup() throws {
        let authorization = try ControlAuthorization(group: "", daemonUserID: 1000)
        #expect(authorization.allowsControl(PeerCredentials(processID: 1, userID: 1000, groupID: 1000)))
        #expect(authorization.allowsControl(PeerCredentials(processID: 1, userID: 0, groupID: 0)))
        #expect(!authorization.allowsControl(PeerCredentials(processID: 1, userID: 65534, groupID: 65534)))
        let withGroup = try ControlAuthorization(group: "root", daemonUserID: 1000)
        #expect(withGroup.groupID == 0)
        #expect(withGroup.allowsControl(PeerCredentials(processID: 1, userID: 4242, groupID: 0)))
        #expect(!withGroup.allowsControl(PeerCredentials(processID: 1, userID: 65534, groupID: 65534)))
        #expect(throws: ConfigurationError("socket.group = \"no-such-group-here\": no such group")) {
            try ControlAuthorization(group: "no-such-group-here")
        }
        #expect(Request.start(StartOptions()).changesState && !Request.status.changesState)
    }
}

/// Binds a Unix socket at `path`. Without `listening`, closes it without unlinking, leaving a stale
/// socket file; with it, listens and returns the descriptor, as systemd hands one over.
@discardableResult
private func bindAndAbandon(_ path: String, listening: Bool = false) throws -> Int32 {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { if !listening { close(descriptor) } }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    if result != 0 { throw SystemCallError(call: "bind", subject: path, errno: errno) }
    if listening, listen(descriptor, 16) != 0 { throw SystemCallError(call: "listen", subject: path, errno: errno) }
    return descriptor
}
