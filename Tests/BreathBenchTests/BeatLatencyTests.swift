import BreathProtocol
import Testing

@testable import BeatLatency

/// The beat-latency instrument of `breathbench daemon` (BeatLatency.swift): the lines it reads are
/// the protocol's own (encoded by `LineCodec`), and beats are matched to the RR lines they followed.
@Suite struct BeatLatencyTests {
    private func kindAndBeat(_ message: ServerMessage) -> (WatchEventKind, Int)? {
        var line = LineCodec.encodeLine(message)
        line.removeLast()  // the newline, as the reader hands a line over
        return line.withUnsafeBufferPointer { WatcherReader.eventKindAndBeat($0) }
    }

    @Test func readsClassAndBeatOfTheProtocolsLines() throws {
        let beat = try #require(kindAndBeat(.beat(BeatEvent(beat: 1234, timeSeconds: 1000.5, rrMilliseconds: 968, isNN: true))))
        #expect(beat.0 == .beat && beat.1 == 1234)
        let hrv = HRVSnapshot(warmUpSecondsLeft: 0, artifactPercent: 0, synchrony: 0.93, synchronyPhaseDegrees: 178)
        let metrics = try #require(kindAndBeat(.metrics(MetricsEvent(beat: 77, hrv: hrv))))
        #expect(metrics.0 == .metrics && metrics.1 == 77)
        #expect(kindAndBeat(.level(LevelEvent(level: .high, previous: .medium, coherenceScore: 3.2))) == nil)
        // A line's tail (what the reader finds first when it takes over a connection mid-line).
        let tail = Array(#"beat":12,"hrv":{}}"#.utf8)
        #expect(tail.withUnsafeBufferPointer { WatcherReader.eventKindAndBeat($0) } == nil)
    }

    private func write(_ startMicroseconds: UInt64, _ writtenMicroseconds: UInt64) -> BeatWriter.Write {
        BeatWriter.Write(startNanoseconds: startMicroseconds * 1000, writtenNanoseconds: writtenMicroseconds * 1000)
    }

    private func event(_ microseconds: UInt64, beat: Int, lastWritten: UInt64 = 0) -> ReceivedEvent {
        ReceivedEvent(receivedNanoseconds: microseconds * 1000, lastWrittenNanoseconds: lastWritten * 1000, beat: beat, kind: .metrics)
    }

    @Test func timesEachBeatFromTheLineItFollowed() {
        // RR lines 1 s apart; beat 10's events follow the second line, beat 11's the third.
        let writes = [write(0, 20), write(1_000_000, 1_000_020), write(2_000_000, 2_000_020)]
        let watchers = [
            [event(1_000_700, beat: 10), event(2_000_600, beat: 11)],
            [event(1_002_020, beat: 10), event(2_003_020, beat: 11)],
        ]
        let latencies = BeatLatencies(watchers, kind: .metrics, writes: writes, window: 0...3_000_000_000, watchers: 2)
        #expect(latencies.first == [680, 580])
        #expect(latencies.last == [2000, 3000])
        #expect(latencies.all.sorted() == [580, 680, 2000, 3000])
        #expect(latencies.incompleteBeats == 0 && latencies.outsideWindow == 0)
    }

    /// The 835 ms BEAT outlier of the earlier instrument: a watcher that began reading late (the
    /// benchmark's main connection, drained only once the window opened) took its backlog of
    /// earlier beats then, and each was timed from the newest beat written. Beats written before
    /// the window are now left out, and a backlog is timed from its own line.
    @Test func aBacklogOfBeatsWrittenBeforeTheWindowIsLeftOut() {
        let writes = [write(0, 20), write(1_000_000, 1_000_020), write(2_000_000, 2_000_020)]
        let windowStart: UInt64 = 1_500_000_000
        // Beat 9 (after line 0) came to one watcher at once, to the other 1.9 s late, with beat 10.
        let watchers = [
            [event(700, beat: 9), event(1_000_700, beat: 10), event(2_000_700, beat: 11)],
            [event(1_900_000, beat: 9), event(1_900_000, beat: 10), event(2_000_800, beat: 11)],
        ]
        let latencies = BeatLatencies(watchers, kind: .metrics, writes: writes, window: windowStart...3_000_000_000, watchers: 2)
        #expect(latencies.first == [680] && latencies.last == [780])
        #expect(latencies.outsideWindow == 4)
        // Over the whole run, the late watcher's beat 9 counts 1.9 s, from its own line.
        let whole = BeatLatencies(watchers, kind: .metrics, writes: writes, window: 0...3_000_000_000, watchers: 2)
        #expect(whole.worst?.beat == 9 && whole.worst?.microseconds == 1_899_980)
    }

    @Test func aWriterPreemptedAfterWriteIsTimedFromBeforeIt() {
        // The writer's clock after write(2) came 5 ms late, after the first watcher had the event.
        let writes = [write(1_000_000, 1_005_000)]
        let watchers = [[event(1_000_600, beat: 3, lastWritten: 0)], [event(1_006_000, beat: 3, lastWritten: 1_005_000)]]
        let latencies = BeatLatencies(watchers, kind: .metrics, writes: writes, window: 0...2_000_000_000, watchers: 2)
        #expect(latencies.writerLate == 1)
        #expect(latencies.first == [600] && latencies.last == [6000])
        #expect(latencies.readAfterLaterBeat == 0)
    }
}
