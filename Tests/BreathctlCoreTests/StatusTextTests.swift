import BreathProtocol
import Testing

@testable import BreathctlCore

/// `breathctl status` as text: the event loop's line, shown only when the daemon asked for real time.
@Suite struct StatusTextTests {
    static func status(eventLoop: EventLoopStatus?) -> StatusReply {
        StatusReply(
            state: .idle, session: nil,
            pacer: PacerStatus(rateBreathsPerMinute: 6, ratio: .even, voice: .bowl, volume: 0.5, phase: .inhale, progress: 0, cycle: 0),
            audio: AudioStatus(device: "default", state: .idle, xruns: 0),
            sensor: SensorStatus(device: "", format: "auto", state: .none, beats: 0, artifacts: 0, rejectedLines: 0, secondsSinceLastBeat: nil),
            hrv: HRVSnapshot(warmUpSecondsLeft: 64, artifactPercent: 0), eventLoop: eventLoop)
    }

    @Test func theEventLoopLineSaysWhatTheThreadHasAndADemotion() {
        let lines = { (loop: EventLoopStatus?) in StatusText.render(Self.status(eventLoop: loop)).split(separator: "\n").map(String.init) }
        #expect(!lines(nil).contains { $0.hasPrefix("event loop") })
        #expect(lines(EventLoopStatus(scheduling: "SCHED_FIFO priority 3 via direct", demotions: 0)).last == "event loop SCHED_FIFO priority 3 via direct")
        #expect(
            lines(EventLoopStatus(scheduling: "SCHED_OTHER", demotions: 1)).last
                == "event loop SCHED_OTHER, put back to normal scheduling 1 time for using up its real-time budget (50 ms of CPU without a pause)")
        #expect(
            lines(EventLoopStatus(scheduling: "SCHED_FIFO priority 3 via direct", demotions: 0, sensorReaderDemotions: 0)).last
                == "event loop SCHED_FIFO priority 3 via direct")
        #expect(
            lines(EventLoopStatus(scheduling: "SCHED_FIFO priority 3 via direct", demotions: 0, sensorReaderDemotions: 2)).last
                == "event loop SCHED_FIFO priority 3 via direct; sensor reader put back to normal scheduling 2 times for the same")
    }
}

/// `breathctl session`: a `paused` row per pause, after the settings and changes.
@Suite struct SessionTextPauseTests {
    @Test func eachPauseHasARowWithItsSessionTimeAndLength() {
        let settings = SessionSettings(durationSeconds: 600, rateBreathsPerMinute: 6, ratio: .even, voice: .bowl, volume: 0.5)
        let reply = SessionReply(
            session: SessionRecord(id: 3, startedAt: Timestamp(unixMilliseconds: 0), settings: settings), beats: [],
            pauses: [SessionPause(offsetSeconds: 120, durationSeconds: 45.25), SessionPause(offsetSeconds: 300, durationSeconds: 600)])
        let lines = SessionText.render(reply).split(separator: "\n").map(String.init)
        #expect(lines.contains("paused     2:00 for 0:45"), "\(lines)")
        #expect(lines.contains("           5:00 for 10:00"), "\(lines)")
    }
}
