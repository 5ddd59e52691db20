#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed C call: which call, on what, and errno with its message.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var subject: String
    public var errno: Int32

    public init(call: String, subject: String, errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var description: String { "\(call)(\(subject)): \(String(cString: strerror(errno))) (errno \(errno))" }

    /// Runs a C call that returns -1 and sets errno on failure, retrying when a signal interrupted it.
    @discardableResult
    static func check<Result: BinaryInteger>(_ call: String, _ subject: String, _ body: () -> Result) throws(SystemError) -> Result {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = currentErrno()
            if code != EINTR { throw SystemError(call: call, subject: subject, errno: code) }
        }
    }
}

/// errno of the calling thread (a function, so that the `errno` property of `SystemError` does not shadow it).
private func currentErrno() -> Int32 { errno }
