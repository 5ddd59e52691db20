import BreathHistory
import Audio
import BreathConfig
@testable import BreathDaemon
import BreathProtocol
import BreathTestSupport
import Clocks
import Foundation
import Logging
import Pacer
import ServiceLifecycleTestKit
import Testing

/// One session engine in process: a `TestClock` for its time (the wall clock moves with it), a
/// `SteppedPacerOutput` for its sound and a real SQLite history file in a temporary directory.
///
/// `advance` moves time the way the daemon's tick loop does: the listener hears the samples of
/// that much time, the clock moves, the engine ticks, at the intervals the engine itself asks for.
/// Nothing waits for real time; events are read from a watcher of the engine's own `EventHub`.
final class EngineHarness {
    static let sampleRate = 16_000
    static let wallAtStart = Date(timeIntervalSince1970: 1_790_000_000)
    static let peer = PeerCredentials(processID: 1, userID: 0, groupID: 0)

    let clock = TestClock<Duration>()
    let output = SteppedPacerOutput()
    let directory: TemporaryDirectory
    let store: HistoryStore
    let recorder: HistoryRecorder
    let events = EventHub(capacityPerWatcher: 1 << 20)
    let engine: SessionEngine
    let configuration: Configuration
    private var watch: AsyncStream<ServerMessage>.AsyncIterator
    private var markers = 0
    /// Time the harness has moved the clock by.
    private(set) var elapsed = Duration.zero

    /// `history` replaces the recorder as the engine's sink (history that fails, say).
    init(configure: (inout Configuration) -> Void = { _ in }, history: (any HistorySink)? = nil) throws {
        directory = try TemporaryDirectory()
        var configuration = Configuration(environment: ["HOME": directory.path, "XDG_RUNTIME_DIR": directory.path])
        configuration.storage.path = directory.path + "/history.sqlite"
        configuration.audio.device = "stepped"
        configuration.audio.sampleRateHz = Self.sampleRate
        // 6 breaths a minute: 10 s cycles, 5 s in and 5 s out. Fades stay the default 5 s.
        configuration.pacer.rateBreathsPerMinute = 6
        configure(&configuration)
        self.configuration = configuration
        let logger = Logger(label: "breathd-engine-tests")
        store = try HistoryStore(path: configuration.storage.path, logger: logger)
        recorder = HistoryRecorder(store: store, logger: logger)
        watch = events.subscribe(onOverflow: {}).makeAsyncIterator()
        engine = SessionEngine(
            configuration: configuration, player: output, recorder: history ?? recorder, queries: HistoryQueries(store: store),
            events: events, clock: EngineClock(monotonic: clock, wallAtStart: Self.wallAtStart), logger: logger)
    }

    deinit { directory.remove() }

    func request(_ request: Request) async -> ServerMessage {
        await engine.reply(to: request, from: Self.peer)
    }

    func status() async -> StatusReply {
        guard case .status(let status) = await request(.status) else { fatalError("status did not answer STATUS") }
        return status
    }

    /// 20 ms of clock time and of heard samples: how a test moves time while the engine's own tick
    /// loop runs (`withRunningLoop`).
    func step() async {
        output.play(samples: Self.sampleRate / 50)
        await clock.advance(by: .milliseconds(20))
    }

    /// Runs the engine's tick loop (`run`) while `body` drives it (with `step`), then shuts it down
    /// gracefully with time moving on, so that a session's fade plays out and it finishes.
    func withRunningLoop(_ body: () async throws -> Void) async throws {
        let engine = self.engine, clock = self.clock, output = self.output
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                try await body()
                group.addTask {
                    while !Task.isCancelled {
                        output.play(samples: Self.sampleRate / 50)
                        await clock.advance(by: .milliseconds(20))
                    }
                }
                trigger.triggerGracefulShutdown()
                _ = try #require(await self.next { $0.sessionChange?.event == .finished })
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Moves time by `duration` in the engine's own tick intervals; `playing: false` leaves the
    /// listener hearing nothing meanwhile (a device that stalls).
    func advance(by duration: Duration, playing: Bool = true) async {
        var left = duration
        while left > .zero {
            let step = min(left, await engine.nextTickDelay())
            if playing { output.play(samples: Int((step.inSeconds * Double(Self.sampleRate)).rounded())) }
            await clock.advance(by: step)
            elapsed += step
            await engine.tick()
            left -= step
        }
    }

    func advance(milliseconds: Int, playing: Bool = true) async {
        await advance(by: .milliseconds(milliseconds), playing: playing)
    }

    /// Moves time to `seconds` after the harness began.
    func advance(toSeconds seconds: Double, playing: Bool = true) async {
        let target = Duration.seconds(seconds)
        if target > elapsed { await advance(by: target - elapsed, playing: playing) }
    }

    /// Every event published since the last call (the engine publishes synchronously, so a
    /// marker published now comes after all of them).
    func drain() async -> [ServerMessage] {
        markers += 1
        let marker = ServerMessage.error("--- harness marker \(markers) ---")
        events.publish(marker)
        var seen: [ServerMessage] = []
        while let event = await watch.next(), event != marker { seen.append(event) }
        return seen
    }

    /// Waits for the next event that `matches`, however long the engine takes to publish it.
    func next(_ matches: (ServerMessage) -> Bool) async -> ServerMessage? {
        while let event = await watch.next() {
            if matches(event) { return event }
        }
        return nil
    }

    /// The session as history has it, beats included.
    func stored(_ id: Int64) async throws -> SessionReply? {
        try await store.session(.id(id))
    }
}

extension ServerMessage {
    var phaseEvent: PhaseEvent? { if case .phase(let event) = self { event } else { nil } }
    var sessionChange: SessionEvent? { if case .sessionEvent(let event) = self { event } else { nil } }
    var sensorEvent: BreathProtocol.SensorEvent? { if case .sensor(let event) = self { event } else { nil } }
    var audioEvent: AudioEvent? { if case .audio(let event) = self { event } else { nil } }
    var assessment: AssessmentProgress? { if case .assess(let event) = self { event } else { nil } }
    var okSession: Int64? { if case .ok(let reply) = self { reply.session } else { nil } }
    var errorMessage: String? { if case .error(let reply) = self { reply.message } else { nil } }
    var okMessage: String? { if case .ok(let reply) = self { reply.message } else { nil } }
}

extension [ServerMessage] {
    var phases: [PhaseEvent] { compactMap(\.phaseEvent) }
    var sessionChanges: [SessionEvent.Change] { compactMap(\.sessionChange).map(\.event) }
}
