import Bluetooth
import Logging
import Sensor
import ServiceLifecycle

/// Reads the configured sensor for the life of the daemon (also between sessions, so coherence is
/// warm when one starts) and hands every event to the engine: a serial device, or a Bluetooth LE
/// strap through bluetoothd when the device is `bluetooth:ADDRESS`.
public struct SensorService: Service {
    let configuration: SensorConfiguration
    let engine: SessionEngine
    /// Arrival times of serial lines: the monotonic clock, faster only under `breathd --clock-rate`.
    let clock: ArrivalClock
    let logger: Logger
    /// Runs on a serial sensor's reader thread when it starts (its scheduling: `LoopRealtimeWatch`).
    let readerThreadStart: (@Sendable () -> Void)?

    public init(
        configuration: SensorConfiguration, engine: SessionEngine, clock: ArrivalClock = .monotonic, logger: Logger,
        readerThreadStart: (@Sendable () -> Void)? = nil
    ) {
        self.configuration = configuration
        self.engine = engine
        self.clock = clock
        self.logger = logger
        self.readerThreadStart = readerThreadStart
    }

    public func run() async throws {
        logger.info("reading the heart-rate sensor", metadata: ["device": "\(configuration.devicePath)"])
        if let address = try? BluetoothAddress.fromSensorDevice(configuration.devicePath) {
            await cancelWhenGracefulShutdown {
                for await event in BluetoothHeartRateStream(configuration: BluetoothSensorConfiguration(address: address), logger: logger) {
                    await engine.handle(event)
                }
            }
            return
        }
        await cancelWhenGracefulShutdown {
            for await event in SensorStream(configuration: configuration, logger: logger, clock: clock, readerThreadStart: readerThreadStart) {
                await engine.handle(event)
            }
        }
    }
}
