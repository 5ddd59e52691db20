import BreathProtocol
@testable import BreathctlCore
import Testing

@Suite struct NotificationTextsTests {
    let record = SessionRecord(
        id: 3, startedAt: Timestamp(unixSeconds: 1_795_000_000), endedAt: Timestamp(unixSeconds: 1_795_000_600),
        endReason: .completed,
        settings: SessionSettings(durationSeconds: 600, rateBreathsPerMinute: 5.5, ratio: BreathRatio(inhale: 4, exhale: 6), voice: .glide, volume: 0.5),
        summary: SessionSummary(meanHeartRateBPM: 61.2, rmssdMilliseconds: 48.5, sdnnMilliseconds: 62, meanCoherenceScore: 3.1,
            secondsInLevel: LevelSeconds(low: 120.5, medium: 200, high: 279.5), beats: 612, artifacts: 4))

    @Test func finishedCarriesTheFigures() {
        let notification = NotificationTexts.finished(record)
        #expect(notification.summary == "Breathing session finished")
        #expect(notification.body == "10:00 min, completed\nCoherence 3.10 mean, 47 % high\nHR 61 bpm, RMSSD 49 ms")
        #expect(notification.urgency == .low && notification.appName == "breathd" && notification.expireTimeoutMilliseconds > 0)
    }

    @Test func startedIsTheReminder() {
        let notification = NotificationTexts.started(record)
        #expect(notification.body == "10 min at 5.5 breaths/min (inhale:exhale 4:6). Follow the pacer.")
    }

    @Test func theReminderIsForSessionsNotStartedAtTheTerminal() {
        let policy = NotificationPolicy()
        #expect(policy.notifiesStart(of: SessionEvent(event: .started, session: record, startedBy: .client)))
        #expect(policy.notifiesStart(of: SessionEvent(event: .started, session: record, startedBy: .autostart)))
        // From an older daemon that does not say.
        #expect(policy.notifiesStart(of: SessionEvent(event: .started, session: record)))
        #expect(!policy.notifiesStart(of: SessionEvent(event: .started, session: record, startedBy: .terminal)))
        var assessment = record
        assessment.kind = .assessment
        #expect(!policy.notifiesStart(of: SessionEvent(event: .started, session: assessment, startedBy: .client)))
        #expect(!NotificationPolicy(sessionStart: false).notifiesStart(of: SessionEvent(event: .started, session: record, startedBy: .client)))
    }

    @Test func problemsAreNormalUrgency() {
        let lost = NotificationTexts.sensorLost(SensorEvent(state: .lost, device: "/dev/ttyUSB0", format: "rr", message: "device unplugged"))
        #expect(lost.urgency == .normal && lost.body.hasPrefix("/dev/ttyUSB0: device unplugged."))
        let audio = NotificationTexts.audioUnavailable(AudioEvent(state: .unavailable, device: "default", xruns: 0))
        #expect(audio.urgency == .normal && audio.summary == "Audio device unavailable")
    }
}
