#if canImport(Glibc)
import Glibc
#endif
import CALSA
import Logging
import Synchronization

/// libasound writes its own messages (`ALSA lib confmisc.c:855:(parse_card) cannot find card '0'`)
/// to stderr: a dozen lines at every failed open. They are routed through our logger instead, at
/// debug level: our own message already says the device is unavailable and why.
///
/// The handler is process-wide; a message goes to the logger of the thread that made the ALSA call
/// when it is inside `during(_:_:)`, else to the logger last given to `route(to:)`.
public enum AlsaMessages {
    private static let loggers = Mutex<(fallback: Logger?, threads: [UInt: Logger])>((nil, [:]))

    /// From now on libasound's messages go to `logger` (the most recent call wins), process-wide.
    public static func route(to logger: Logger) {
        loggers.withLock { $0.fallback = logger }
        _ = breathd_alsa_route_messages { file, line, function, err, message in
            AlsaMessages.deliver(file: file, line: line, function: function, err: err, message: message)
        }
    }

    /// Runs `body` with libasound's messages from this thread going to `logger`.
    static func during<T, E: Error>(_ logger: Logger?, _ body: () throws(E) -> T) throws(E) -> T {
        guard let logger else { return try body() }
        let thread = UInt(pthread_self())
        loggers.withLock { $0.threads[thread] = logger }
        defer { _ = loggers.withLock { $0.threads.removeValue(forKey: thread) } }
        return try body()
    }

    private static func deliver(file: UnsafePointer<CChar>?, line: Int32, function: UnsafePointer<CChar>?, err: Int32, message: UnsafePointer<CChar>?) {
        let thread = UInt(pthread_self())
        guard let logger = loggers.withLock({ $0.threads[thread] ?? $0.fallback }) else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let origin = "\(file.map { String(cString: $0) } ?? "?"):\(line):(\(function.map { String(cString: $0) } ?? "?"))"
        var metadata: Logger.Metadata = ["origin": "\(origin)"]
        if err != 0 { metadata["errno"] = "\(abs(err))" }
        logger.debug("ALSA lib: \(text)", metadata: metadata)
    }
}
