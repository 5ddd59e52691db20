import BreathClient
import BreathConfig
import BreathProtocol
import Foundation
import DesktopNotifications
import Logging

/// What the agent tells the desktop about; the command line fills it.
struct NotificationPolicy {
    var sessionStart = true
    var sessionFinish = true
    var sensor = true
    var audio = true
    /// Minutes of unbroken high coherence worth a notification; nil: off.
    var highCoherenceMinutes: Double?
    var quietHours: QuietHours?

    /// The reminder: for sessions the person did not just start at their terminal (a timer, a
    /// script, autostart), never for an assessment, which is followed at the terminal.
    func notifiesStart(of event: SessionEvent) -> Bool {
        sessionStart && event.startedBy != .terminal && event.session.kind != .assessment
    }
}

/// Watches breathd and turns its events into notifications; reconnects with backoff forever.
final class NotificationAgent {
    private let socketPath: String
    private let policy: NotificationPolicy
    private let sender: NotificationSender
    private let logger: Logger
    private let maximumBackoffSeconds: Double

    private var sessionRunning = false
    private var sensorLost = false
    private var audioUnavailable = false
    private var highSince: Date?
    private var highNotified = false

    init(socketPath: String, policy: NotificationPolicy, sender: NotificationSender, logger: Logger, maximumBackoffSeconds: Double) {
        self.socketPath = socketPath
        self.policy = policy
        self.sender = sender
        self.logger = logger
        self.maximumBackoffSeconds = maximumBackoffSeconds
    }

    /// Never returns: each lost connection is followed by waiting and connecting again.
    func run() -> Never {
        // Read once, outside the endless loop: with `self.socketPath` copied inside this exit-less
        // loop, Swift 6.3.1's loop-invariant code motion (-O) never finished on `run()` and
        // `swift build -c release` of breathctl ran for over half an hour (a compiler bug, in
        // the same pass and release as swiftlang/swift#88618). Keep property reads of non-trivial
        // type out of this loop.
        let socketPath = self.socketPath
        var backoffSeconds = 0.5
        var reportedAbsence = false
        while true {
            do throws(ClientFailure) {
                let client = try DaemonClient(path: socketPath)
                try subscribe(client)
                logger.info("watching breathd", metadata: ["socket": "\(socketPath)"])
                reportedAbsence = false
                backoffSeconds = 0.5
                try follow(client)
                logger.info("breathd closed the connection; reconnecting")
            } catch {
                if !reportedAbsence {
                    logger.warning("breathd is not reachable; waiting for it: \(error)")
                    reportedAbsence = true
                }
            }
            usleep(useconds_t(backoffSeconds * 1_000_000))
            backoffSeconds = min(backoffSeconds * 2, maximumBackoffSeconds)
        }
    }

    /// `status` (is a session running now?), then `watch`; the client checked the greeting.
    private func subscribe(_ client: DaemonClient) throws(ClientFailure) {
        let status = try client.status().status
        sessionRunning = status.session != nil
        sensorLost = status.sensor.state == .lost
        audioUnavailable = status.audio.state == .unavailable
        try client.watch()
    }

    private func follow(_ client: DaemonClient) throws(ClientFailure) {
        while let (line, message) = try client.nextLine() {
            guard let message else {
                logger.debug("unreadable line from breathd", metadata: ["line": "\(line.prefix(200))"])
                continue
            }
            handle(message)
        }
    }

    private func handle(_ message: ServerMessage) {
        switch message {
        case .sessionEvent(let event):
            switch event.event {
            case .started:
                sessionRunning = true
                resetCoherence()
                if policy.notifiesStart(of: event) { send(NotificationTexts.started(event.session), kind: .sessionStarted) }
            case .finished:
                sessionRunning = false
                resetCoherence()
                if policy.sessionFinish { send(NotificationTexts.finished(event.session), kind: .sessionFinished) }
            case .paused, .resumed:
                resetCoherence()
            }
        case .sensor(let event):
            if event.state == .lost, !sensorLost {
                sensorLost = true
                if policy.sensor, sessionRunning { send(NotificationTexts.sensorLost(event), kind: .sensor) }
            } else if event.state == .streaming, sensorLost {
                sensorLost = false
                if policy.sensor, sessionRunning { send(NotificationTexts.sensorBack(event), kind: .sensor) }
            }
        case .audio(let event):
            let unavailable = event.state == .unavailable
            if unavailable, !audioUnavailable, policy.audio { send(NotificationTexts.audioUnavailable(event), kind: .audio) }
            audioUnavailable = unavailable
        case .level(let event):
            if event.level == .high {
                if highSince == nil { highSince = Date() }
            } else {
                resetCoherence()
            }
            checkCoherenceHeld()
        case .metrics:
            checkCoherenceHeld()
        default:
            break
        }
    }

    private func resetCoherence() {
        highSince = nil
        highNotified = false
    }

    private func checkCoherenceHeld() {
        guard let minutes = policy.highCoherenceMinutes, sessionRunning, !highNotified, let highSince,
            Date().timeIntervalSince(highSince) >= minutes * 60
        else { return }
        highNotified = true
        send(NotificationTexts.coherenceHeld(minutes: minutes), kind: .coherence)
    }

    private func send(_ notification: DesktopNotification, kind: NotificationKind) {
        if let quiet = policy.quietHours, quiet.containsNow {
            logger.info("quiet hours: not shown", metadata: ["summary": "\(notification.summary)"])
            return
        }
        sender.send(notification, kind: kind)
    }
}
