#if canImport(Glibc)
import Glibc
#endif
import CALSA

/// A failed C call on an audio or file device: what was attempted, the errno it gave (positive),
/// and a readable message (ALSA's snd_strerror, or strerror).
public struct AudioError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let errno: Int32
    public let message: String

    public var description: String { "\(operation): \(message)" }

    /// From an ALSA return code (negative errno).
    static func alsa(_ operation: String, _ code: Int32) -> AudioError {
        AudioError(operation: operation, errno: -code, message: String(cString: snd_strerror(code)))
    }

    /// From the thread's errno after a libc call failed.
    static func system(_ operation: String, _ code: Int32 = Glibc.errno) -> AudioError {
        AudioError(operation: operation, errno: code, message: String(cString: strerror(code)))
    }

    /// The device is gone or never existed: worth retrying later rather than recovering in place.
    public var isDeviceUnavailable: Bool {
        [ENODEV, ENOENT, ENXIO, EBUSY, EIO, ENOTTY, EBADFD].contains(errno)
    }
}
