import BreathProtocol
import Logging
import NIOCore

/// The conversation with one client of the control socket: greeting, admission, requests,
/// authorization and the watch stream. Runs in its own child task of the accept loop
/// (`ControlSocketServer`) and always finishes its connection through `executeThenClose`.
struct ControlConnection: Sendable {
    let settings: ControlSocketServer.Settings
    let authorization: ControlAuthorization
    let handler: any ControlRequestHandler
    let events: EventHub
    let clientCount: ClientSlots
    let notices: PeerNoticeThrottle
    let outputPauses: OutputPauses

    func serve(_ connection: ControlSocketServer.Connection, logger: Logger) async {
        var logger = logger
        logger[metadataKey: "peer_pid"] = "\(connection.peer.processID)"
        logger[metadataKey: "peer_uid"] = "\(connection.peer.userID)"
        let mayControl = authorization.allowsControl(connection.peer)
        let refusal = clientCount.admit(userID: connection.peer.userID, mayControl: mayControl)
        defer { if refusal == nil { clientCount.leave(userID: connection.peer.userID) } }
        let channel = connection.channel.channel
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                if let refusal {
                    if let count = notices.count(.clientRefused, userID: connection.peer.userID) {
                        logger.notice("client refused", metadata: ["reason": "\(refusal.message)", "refused": "\(count)"])
                    }
                    try await Self.writeLast(.error(refusal.message), outbound, channel)
                    return
                }
                try await outbound.write(Self.line(.version(VersionMessage(release: settings.release))))
                var frames = inbound.makeAsyncIterator()
                var watching = false
                try await withThrowingTaskGroup(of: Void.self) { group in
                    while true {
                        // Over the output bound, read no further request (NIO then stops reading
                        // the socket) until the client has taken its replies: an empty write
                        // suspends while the channel is not writable. Asked on the event loop, so
                        // that the reply just written is counted.
                        if try await !channel.eventLoop.submit({ channel.isWritable }).get() {
                            outputPauses.record()
                            try await outbound.write(ByteBuffer())
                        }
                        guard let frame = try await frames.next() else { break }
                        let request: Request
                        switch frame {
                        case .tooLong(let bytes):
                            if let count = notices.count(.lineTooLong, userID: connection.peer.userID) {
                                logger.notice("client dropped: request line too long", metadata: ["bytes": "\(bytes)", "dropped": "\(count)"])
                            }
                            try await Self.writeLast(.error(RequestError.lineTooLong(bytes: bytes).description), outbound, channel)
                            group.cancelAll()
                            return
                        case .line(let line):
                            do throws(RequestError) {
                                request = try LineCodec.decodeRequest(line.readableBytesView)
                            } catch {
                                try await outbound.write(Self.line(.error(error.description)))
                                continue
                            }
                        }
                        if request.changesState, !mayControl {
                            if let count = notices.count(.controlRefused, userID: connection.peer.userID) {
                                logger.notice("control refused", metadata: ["cmd": "\(request.command.rawValue)", "refused": "\(count)"])
                            }
                            try await outbound.write(
                                Self.line(.error("\(request.command.rawValue): not permitted for uid \(connection.peer.userID); "
                                    + "control needs the daemon's user\(authorization.groupName.isEmpty ? " or root" : ", root or group \(authorization.groupName)")")))
                            continue
                        }
                        guard request != .watch else {
                            if !watching {
                                watching = true
                                // Watchers are quiet by nature: no idle timeout for them. Removed
                                // before the reply, while this request still holds the timer off.
                                try? await channel.pipeline.removeHandler(name: IdleConnectionCloser.timerName).get()
                                try? await channel.pipeline.removeHandler(name: IdleConnectionCloser.name).get()
                                try await outbound.write(Self.line(.ok(OKReply(message: "watching"))))
                                // Encoded once for all watchers by the hub, written to the channel on its event loop.
                                events.subscribeLines(to: channel) { [logger] in
                                    logger.notice("watcher dropped: it stopped reading")
                                    channel.close(promise: nil)
                                }
                            } else {
                                try await outbound.write(Self.line(.ok(OKReply(message: "watching"))))
                            }
                            continue
                        }
                        try await outbound.write(Self.line(await handler.reply(to: request, from: connection.peer)))
                    }
                    // The client's input ended. Everything it sent is answered; a watcher goes on
                    // watching until it closes, drops behind or the server stops (each closes the channel).
                    if watching { try await channel.closeFuture.get() }
                    group.cancelAll()
                }
                // `executeThenClose` closes without flushing what the writer holds (swift-nio#2795).
                try? await channel.writeAndFlush(ByteBuffer()).get()
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    static func line(_ message: ServerMessage) -> ByteBuffer {
        ByteBuffer(bytes: LineCodec.encodeLine(message))
    }

    /// Writes a final message and waits until it reached the socket: `executeThenClose` closes
    /// without flushing what the writer still holds (swift-nio#2795). The empty write queues on the
    /// event loop behind the message, so its promise completes once the message is out.
    static func writeLast(
        _ message: ServerMessage, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, _ channel: any Channel
    ) async throws {
        try await outbound.write(line(message))
        try await channel.writeAndFlush(ByteBuffer()).get()
    }
}
