#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed C call: which call, on what, and errno with its text.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var subject: String
    public var errno: Int32

    public init(call: String, subject: String, errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var message: String { String(cString: strerror(errno)) }
    public var description: String { "\(call)(\(subject)): \(message) (errno \(errno))" }
}

/// Runs a C call that returns -1 with errno on failure, retrying on EINTR; a failure becomes a
/// `SystemCallError`. The one retry loop of the package, with `retryingOnInterrupt`.
@discardableResult
public func retryingInterrupts<Result: BinaryInteger>(_ call: String, _ subject: String, _ body: () -> Result) throws(SystemCallError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(call: call, subject: subject, errno: code)
    }
}

/// Runs a C call that returns a negative value with errno on failure, retrying while errno is
/// EINTR, as swift-system does; the caller reads errno for any other failure (EAGAIN, say).
@discardableResult
public func retryingOnInterrupt<Result: BinaryInteger>(_ body: () -> Result) -> Result {
    while true {
        let result = body()
        if result < 0 && errno == EINTR { continue }
        return result
    }
}
