import BreathProtocol
import NIOCore

/// What the line framer hands the connection: a request line, or notice that a line went over the limit.
enum RequestFrame: Sendable {
    case line(ByteBuffer)
    /// The bytes seen so far of a line longer than the limit; the connection is closed after the ERROR.
    case tooLong(bytes: Int)
}

/// Splits the inbound bytes at `\n` (dropping a `\r` before it), refusing lines over the limit
/// without buffering them.
struct RequestLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = RequestFrame

    let maximumLineBytes: Int
    private var overflowed = false

    init(maximumLineBytes: Int = LineCodec.maximumRequestLineBytes) {
        self.maximumLineBytes = maximumLineBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !overflowed else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumLineBytes {
                overflowed = true
                context.fireChannelRead(wrapInboundOut(.tooLong(bytes: buffer.readableBytes)))
                buffer.moveReaderIndex(to: buffer.writerIndex)
            }
            return .needMoreData
        }
        var length = newline - view.startIndex
        var line = buffer.readSlice(length: length + 1)!
        if length > 0, view[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
        line = line.getSlice(at: line.readerIndex, length: length)!
        if length > maximumLineBytes {
            overflowed = true
            context.fireChannelRead(wrapInboundOut(.tooLong(bytes: length)))
        } else {
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without its newline still counts as a request.
        if try decode(context: context, buffer: &buffer) == .continue { return .continue }
        if !overflowed, buffer.readableBytes > 0, let rest = buffer.readSlice(length: buffer.readableBytes) {
            context.fireChannelRead(wrapInboundOut(.line(rest)))
        }
        return .needMoreData
    }
}
