import BreathHistory
import Audio
import Foundation
import BreathConfig
import BreathProtocol
import Logging
import NIOPosix
import Sensor
import Synchronization
import ServiceLifecycle
import Systemd

/// breathd: every long-lived part a `Service` in one `ServiceGroup`, shut down gracefully on
/// SIGTERM or SIGINT in the reverse order of start (socket, sensor, engine, history).
public enum Daemon {
    /// The one release constant, shared with breathctl (`BreathProtocol.Release`).
    public static let release = Release.version

    /// - Parameter reload: reads the configuration again as start-up did, for SIGHUP.
    /// - Parameter clockRate: 1, except in benchmarks that play a long session at simulated speed:
    ///   the engine, the sensor's arrival times, the audio's pacing and history's flushes all run
    ///   that many times faster than real time (`breathd --clock-rate`, hidden).
    ///
    /// Blocks the calling (main) thread until the daemon has stopped: everything runs on the one
    /// event loop thread from the first instruction (`Task(executorPreference:)`), so that no job
    /// ever runs on Swift's global executor. An `async` main would start there: a worker thread of
    /// Dispatch's global pool, whose first start arms libdispatch's workqueue monitor, a timer that
    /// wakes its manager thread once a second for the life of the process (Linux only; the
    /// monitor is `src/event/workqueue.c` in swift-corelibs-libdispatch): the daemon's one wake-up
    /// a second when idle, and one of the wake-ups of a pacing session (issue 16).
    public static func runUntilStopped(
        configuration: Configuration, environment: [String: String], logger: Logger, clockRate: Double = 1,
        reload: @escaping @Sendable () throws(ConfigurationError) -> Configuration
    ) throws {
        // One event loop thread serves the socket and runs the daemon's tasks (EventLoopTaskExecutor):
        // a second would only add wake-ups; a status or a beat takes microseconds.
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? loops.syncShutdownGracefully() }
        let outcome = Mutex<Result<Void, any Error>>(.success(()))
        let stopped = DispatchSemaphore(value: 0)
        Task(executorPreference: EventLoopTaskExecutor(loops.next())) {
            do {
                try await run(configuration: configuration, environment: environment, logger: logger, clockRate: clockRate, loops: loops, reload: reload)
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
            stopped.signal()
        }
        stopped.wait()
        try outcome.withLock { $0 }.get()
    }

    static func run(
        configuration: Configuration, environment: [String: String], logger: Logger, clockRate: Double = 1,
        loops: MultiThreadedEventLoopGroup, reload: @escaping @Sendable () throws(ConfigurationError) -> Configuration
    ) async throws {
        // SIGUSR1 and SIGUSR2 mean nothing to breathd: ignored rather than fatal (their default).
        // BREATHD_DEBUG_STALL below traps SIGUSR2 for itself.
        signal(SIGUSR1, SIG_IGN)
        signal(SIGUSR2, SIG_IGN)
        // History trouble never stops the pacer: see HistoryOpening. A spill file that cannot be
        // written beside the database (its disk full at shutdown) goes to the socket's directory.
        let spillFallback = (configuration.socket.path as NSString).deletingLastPathComponent
        let history = await HistoryOpening.open(path: configuration.storage.path, spillFallbackDirectory: spillFallback, logger: logger)
        let store = history.store
        let loop = loops.next()
        // Timers sleep on the loop's own (epoll's timeout), not on Dispatch's timer thread.
        let timers: any Clock<Duration> = EventLoopClock(loop)
        let recorder = HistoryRecorder(
            store: store, condition: history.condition, unwritten: history.unwritten, flushInterval: .seconds(5) / clockRate,
            clock: timers, spillFallbackDirectory: spillFallback, logger: logger)
        let events = EventHub()
        let player = AudioPlayer(logger: logger)
        // Opt-in (the system unit sets it): SCHED_FIFO 3 for the loop thread under a CPU budget.
        let realtime = environment["BREATHD_EVENT_LOOP_REALTIME"] == "1"
        if realtime { await LoopRealtimeWatch.start(on: loop, logger: logger) }
        // The engine sleeps on the loop's timers; only a benchmark's simulated speed (--clock-rate) uses another clock.
        let engineClock = clockRate == 1 ? EngineClock(monotonic: EventLoopClock(loop), wall: { Date() }) : .system(rate: clockRate)
        let engine = SessionEngine(
            configuration: configuration, player: player, recorder: recorder, queries: HistoryQueries(store: store, condition: history.condition),
            events: events, clock: engineClock, logger: logger)
        let authorization = try ControlAuthorization(group: configuration.socket.group)
        let notifier = SystemdNotifier(environment: environment)
        // Ready means the socket is bound and the audio device is known open or unavailable.
        let output = await engine.outputConfiguration
        if let problem = AudioDeviceProbe.problem(with: output) {
            logger.notice("audio device unavailable; sessions pace on the socket until it returns", metadata: ["device": "\(output.device)", "error": "\(problem)"])
            await engine.noteAudioProbe(problem.description)
        }
        let server = ControlSocketServer(
            settings: .init(
                path: configuration.socket.path, mode: configuration.socket.mode, release: release,
                idleTimeout: .milliseconds(Int((configuration.socket.idleTimeoutSeconds * 1000).rounded())),
                inheritedDescriptor: SocketActivation.listeningDescriptor(environment: environment)),
            authorization: authorization, handler: engine, events: events, logger: logger, eventLoopGroup: loops,
            onListening: {
                logger.info("ready", metadata: ["socket": "\(configuration.socket.path)"])
                notifier.notify("READY=1\nSTATUS=idle")
            })
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: recorder), .init(service: engine)]
        if !configuration.sensor.device.isEmpty {
            let sensor = SensorConfiguration(
                devicePath: configuration.sensor.device,
                format: configuration.sensor.format.format,
                baudRate: configuration.sensor.baud, sampleRateHz: configuration.sensor.sampleRateHz.map(Double.init))
            // The reader thread joins the loop at real time when the loop has it.
            let readerLogger = logger
            let raiseReader: @Sendable () -> Void = { LoopRealtimeWatch.raiseSensorReader(logger: readerLogger) }
            // A replayed file ends; the daemon carries on without it.
            services.append(.init(service: SensorService(
                configuration: sensor, engine: engine, clock: .scaled(by: clockRate), logger: logger,
                readerThreadStart: realtime ? raiseReader : nil), successTerminationBehavior: .ignore))
        }
        services.append(.init(service: server))
        services.append(.init(service: ReloadOnHangup(engine: engine, load: reload, logger: logger)))
        services.append(.init(service: HealthReporter(engine: engine, notifier: notifier, logger: logger)))
        services.append(.init(service: HeapTrimmer(interval: .seconds(60) / clockRate, clock: timers)))
        if environment["BREATHD_DEBUG_STALL"] == "1" {
            services.append(.init(service: StallOnSignal(engine: engine, logger: logger), successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        defer { notifier.notify("STOPPING=1") }
        try await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) {
            try await group.run()
        }
    }
}
