/// Splits a byte stream into lines with bounded memory, the same whatever the chunk sizes.
///
/// `\n` and `\r` both end a line (so CRLF and bare CR work); empty lines are dropped. A line longer
/// than `maximumLineBytes` is discarded up to its end and reported once as overlong: a sensor
/// writing garbage without newlines can never make it grow.
public struct LineFramer: Sendable {
    public static let maximumLineBytes = 1024

    public enum Item: Equatable, Sendable {
        case line([UInt8])
        case overlong
    }

    private var buffer: [UInt8] = []
    private var discarding = false

    public init() { buffer.reserveCapacity(Self.maximumLineBytes) }

    public mutating func feed(_ bytes: some Sequence<UInt8>, _ emit: (Item) -> Void) {
        for byte in bytes {
            if byte == 0x0A || byte == 0x0D {
                if discarding {
                    discarding = false
                } else if !buffer.isEmpty {
                    emit(.line(buffer))
                }
                buffer.removeAll(keepingCapacity: true)
            } else if !discarding {
                if buffer.count == Self.maximumLineBytes {
                    buffer.removeAll(keepingCapacity: true)
                    discarding = true
                    emit(.overlong)
                } else {
                    buffer.append(byte)
                }
            }
        }
    }

    /// Bytes held for an unfinished line.
    public var pendingByteCount: Int { buffer.count }
}
