import DesktopNotifications
import Foundation
import Logging
import Systemd

/// Sends notifications through a session-bus connection it opens on demand, remembers each kind's
/// last id so the next of that kind replaces it, and survives a missing notification server:
/// the problem is logged once, notifications are dropped, and the bus is retried after a pause.
final class NotificationSender {
    private let logger: Logger
    private let retryIntervalSeconds: Double
    private var bus: NotificationBus?
    private var shownIDs: [NotificationKind: UInt32] = [:]
    private var retryAfter = Date.distantPast
    private var reportedProblem = false

    init(logger: Logger, retryIntervalSeconds: Double) {
        self.logger = logger
        self.retryIntervalSeconds = retryIntervalSeconds
    }

    func send(_ notification: DesktopNotification, kind: NotificationKind) {
        guard let bus = connectedBus() else {
            logger.debug("notification dropped: no notification server", metadata: ["summary": "\(notification.summary)"])
            return
        }
        var notification = notification
        notification.replacesID = shownIDs[kind] ?? 0
        do throws(BusError) {
            shownIDs[kind] = try bus.notify(notification)
            if reportedProblem {
                logger.info("notifications are delivered again")
                reportedProblem = false
            }
            logger.info("notified", metadata: ["kind": "\(kind.rawValue)", "summary": "\(notification.summary)"])
        } catch {
            self.bus = nil
            report(error)
        }
    }

    private func connectedBus() -> NotificationBus? {
        if let bus { return bus }
        guard Date() >= retryAfter else { return nil }
        do throws(BusError) {
            bus = try NotificationBus(logger: logger)
        } catch {
            report(error)
        }
        return bus
    }

    private func report(_ error: BusError) {
        retryAfter = Date().addingTimeInterval(retryIntervalSeconds)
        guard !reportedProblem else { return }
        reportedProblem = true
        let what = error.isNoServer ? "no notification server on the session bus" : "cannot notify"
        logger.warning("\(what); dropping notifications, retrying every \(retryIntervalSeconds) s: \(error)")
    }
}
