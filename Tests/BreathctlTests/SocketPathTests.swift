import BreathProtocol
import BreathTestSupport
import Foundation
import Testing

/// Every command that talks to breathd finds it the same way: `--socket`, else `$BREATHD_SOCKET`,
/// else `$XDG_RUNTIME_DIR/breathd/breathd.sock`, else `/run/breathd/breathd.sock`. (`report` and
/// `notify` once had a resolver of their own that ignored $BREATHD_SOCKET.)
@Suite(.timeLimit(.minutes(1))) struct SocketPathTests {
    /// XDG_RUNTIME_DIR points where no daemon is, so only $BREATHD_SOCKET can lead to the served socket.
    static func environment(_ socket: ServedSocket) -> [String: String] {
        ["BREATHD_SOCKET": socket.path, "XDG_RUNTIME_DIR": "/tmp/breathctl-test-none"]
    }

    @Test func everyRequestCommandFollowsBREATHD_SOCKET() async throws {
        let handler = ScriptedHandler { request in
            if case .assess = request { return .ok(OKReply(message: "assessment 14 started", session: 14)) }
            return ScriptedHandler.fixedReplies(request)
        }
        let socket = try ServedSocket(handler: handler)
        let picture = socket.directory + "/last.svg"
        let commands: [[String]] = [
            ["status"], ["status", "--json"], ["history"], ["history", "--csv"], ["session", "last"], ["export", "last"],
            ["export", "12", "--format", "json"], ["report", "last", "--output", picture], ["start"], ["stop"], ["pause"],
            ["resume"], ["set", "rate", "6"], ["assess", "--detach"],
        ]
        let results = try await socket.serve { socket in
            var results: [(arguments: [String], result: ClientProcess.Result)] = []
            for arguments in commands {
                results.append((arguments, try await ClientProcess.run(arguments, environment: Self.environment(socket))))
            }
            // The reply to `report` was written before the directory goes.
            results.append((["report: svg"], ClientProcess.Result(status: FileManager.default.fileExists(atPath: picture) ? 0 : 1, stdout: "", stderr: "no \(picture)")))
            return results
        }
        for (arguments, result) in results {
            #expect(result.status == 0, "breathctl \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        #expect(socket.handler.requests.contains(.session(.last)))
        #expect(socket.handler.requests.contains(.history(limit: nil)))
    }

    @Test func watchFollowsBREATHD_SOCKET() async throws {
        let socket = try ServedSocket()
        let result = try await socket.serve { socket in
            let client = try ClientProcess.start(["watch", "--plain"], environment: Self.environment(socket))
            try await socket.waitForWatchers(1)
            await socket.shutDown()
            return await client.result()
        }
        // It found the daemon through $BREATHD_SOCKET and followed it until the daemon went away.
        #expect(result.status == 69, "\(result.stderr)")
        #expect(result.stderr == "breathd closed the connection\n")
    }

    @Test func notifyFollowsBREATHD_SOCKET() async throws {
        let socket = try ServedSocket()
        try await socket.serve { socket in
            // No session bus here: the agent still watches breathd and retries the bus later.
            let agent = try ClientProcess.start(
                ["notify"], environment: Self.environment(socket).merging(["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"]) { $1 })
            try await agent.waitForOutput(containing: "watching breathd", inStandardError: true)
            #expect(agent.stderr.contains(socket.path))
            agent.signal(SIGTERM)
            _ = await agent.result()
        }
    }

    @Test func theOptionComesBeforeTheEnvironment() async throws {
        let socket = try ServedSocket()
        let result = try await socket.serve { socket in
            try await ClientProcess.run(
                ["status", "--socket", socket.path], environment: ["BREATHD_SOCKET": "/tmp/breathctl-test-none.sock"])
        }
        #expect(result.status == 0, "\(result.stderr)")
    }
}
