import Foundation

/// JSON lines: one object per line each way.
public enum LineCodec {
    /// Longest request line accepted, newline excluded; longer lines close the connection.
    public static let maximumRequestLineBytes = 4096

    /// Decodes one request line (without its newline).
    public static func decodeRequest(_ line: some Collection<UInt8>) throws(RequestError) -> Request {
        guard line.count <= maximumRequestLineBytes else { throw .lineTooLong(bytes: line.count) }
        let data = Data(line)
        let firstByte = data.first { !Self.isJSONWhitespace($0) }
        guard let firstByte else { throw .invalidJSON }
        do {
            return try JSONDecoder().decode(Request.self, from: data)
        } catch let error as RequestError {
            throw error
        } catch {
            // JSONDecoder reports a non-object document as a type mismatch; tell that apart from broken JSON.
            if firstByte != UInt8(ascii: "{"), (try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) != nil {
                throw .notAnObject
            }
            throw .invalidJSON
        }
    }

    public static func decodeRequest(_ line: String) throws(RequestError) -> Request {
        try decodeRequest(Array(line.utf8))
    }

    /// One server message as a line, newline included.
    /// `class` comes first, then the fields in sorted order, so that lines read like gpsd's and
    /// equal objects give equal bytes.
    public static func encodeLine(_ message: ServerMessage) -> [UInt8] {
        switch message {
        case .beat, .metrics, .phase, .level:
            // The events of every beat and breath, to every watcher: see CompactObjectEncoder.
            if let line = try? compactLine(message) { return line }
        default: break
        }
        return foundationLine(message)
    }

    /// The same line by `CompactObjectEncoder`; throws where it would differ from `foundationLine`.
    static func compactLine(_ message: ServerMessage) throws(CompactObjectEncoder.Unsupported) -> [UInt8] {
        let fields = try CompactObjectEncoder.fields(of: message.payload)
        var line: [UInt8] = []
        line.reserveCapacity(fields.count + 24)
        line.append(contentsOf: "{\"class\":\"".utf8)
        line.append(contentsOf: message.messageClass.utf8)
        line.append(UInt8(ascii: "\""))
        if !fields.isEmpty { line.append(UInt8(ascii: ",")) }
        line.append(contentsOf: fields)
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// The line by Foundation's `JSONEncoder`.
    static func foundationLine(_ message: ServerMessage) -> [UInt8] {
        var line = Array("{\"class\":\"\(message.messageClass)\"".utf8)
        let fields = encodeLine(of: message.payload)
        // `fields` is "{...}\n"; an empty object adds nothing but the closing brace.
        if fields.count > 3 { line.append(UInt8(ascii: ",")) }
        line.append(contentsOf: fields.dropFirst())
        return line
    }

    /// One request as a line, newline included (the client's side).
    public static func encodeLine(_ request: Request) -> [UInt8] {
        encodeLine(of: request)
    }

    /// Decodes one server line (the client's side).
    public static func decodeServerMessage(_ line: some Collection<UInt8>) throws -> ServerMessage {
        try JSONDecoder().decode(ServerMessage.self, from: Data(line))
    }

    public static func decodeServerMessage(_ line: String) throws -> ServerMessage {
        try decodeServerMessage(Array(line.utf8))
    }

    private static func encodeLine(of value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        // Slashes stay readable in device and socket paths.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            var bytes = [UInt8](try encoder.encode(value))
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        } catch {
            // Only non-finite doubles fail to encode; the protocol types never hold them by construction
            // of the engine, so this reports the bug on the wire instead of crashing the daemon.
            return Array("{\"class\":\"ERROR\",\"message\":\"internal error: unencodable reply\"}\n".utf8)
        }
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
