/// The watch stream's frequent events (BEAT, METRICS, PHASE, LEVEL) as JSON bytes without
/// Foundation's `JSONEncoder`, which cost ~85 us of the event loop per beat (two encodes), on the
/// way of every beat to its 64 watchers (issue 16).
///
/// It is an `Encoder`, so the wire format keeps one home: the types' own `encode(to:)` (their keys,
/// their `FigureRounding`) drive it exactly as they drive `JSONEncoder`. It writes what
/// `JSONEncoder` with `.sortedKeys, .withoutEscapingSlashes` writes for the shapes these events
/// have: objects (nested ones too) of numbers, booleans and plain strings, keys sorted, a Double
/// printed shortest with a whole number's ".0" dropped. Anything else (arrays, strings that need
/// escaping, non-finite numbers) throws `Unsupported`, and the caller falls back to `JSONEncoder`.
/// `CompactObjectEncoderTests` holds the two byte for byte over the samples and random values.
struct CompactObjectEncoder {
    struct Unsupported: Error {}

    /// `value`'s fields, without the enclosing braces ("\"a\":1,\"b\":true"), keys sorted.
    static func fields(of value: some Encodable) throws(Unsupported) -> [UInt8] {
        let object = ObjectNode()
        do {
            try value.encode(to: NodeEncoder(.object(object)))
        } catch {
            throw Unsupported()
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(320)
        try object.writeFields(into: &bytes)
        return bytes
    }
}

/// What an encoder was asked to hold: an object, or one value.
private final class ObjectNode {
    var fields: [(key: String, value: ValueNode)] = []

    func writeFields(into bytes: inout [UInt8]) throws(CompactObjectEncoder.Unsupported) {
        // JSONEncoder's .sortedKeys; the protocol's keys are ASCII, where byte order is its order
        // (the tests compare the two).
        let sorted = fields.count < 2 ? fields : fields.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (index, field) in sorted.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            try ValueNode.writeString(field.key, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            try field.value.write(into: &bytes)
        }
    }
}

private final class SingleValueBox {
    var value: ValueNode?
}

private enum ValueNode {
    case number(String)
    case bool(Bool)
    case string(String)
    case object(ObjectNode)
    /// A nested `encode(to:)` that has not said yet what it is.
    case pending(SingleValueBox)

    func write(into bytes: inout [UInt8]) throws(CompactObjectEncoder.Unsupported) {
        switch self {
        case .number(let text): bytes.append(contentsOf: text.utf8)
        case .bool(let value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .string(let text): try Self.writeString(text, into: &bytes)
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            try object.writeFields(into: &bytes)
            bytes.append(UInt8(ascii: "}"))
        case .pending(let box):
            guard let value = box.value else { throw CompactObjectEncoder.Unsupported() }
            try value.write(into: &bytes)
        }
    }

    /// Strings that JSON takes as they are: printable ASCII without quote or backslash (enum
    /// names, keys). Others go to JSONEncoder, whose escapes are its own to decide.
    static func writeString(_ text: String, into bytes: inout [UInt8]) throws(CompactObjectEncoder.Unsupported) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else {
                throw CompactObjectEncoder.Unsupported()
            }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// JSONEncoder's number text: the shortest round-tripping form, "1" for 1.0.
    static func number(_ value: Double) throws(CompactObjectEncoder.Unsupported) -> ValueNode {
        guard value.isFinite else { throw CompactObjectEncoder.Unsupported() }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }
}

private struct NodeEncoder: Encoder {
    enum Target {
        case object(ObjectNode)
        case single(SingleValueBox)
    }

    let target: Target
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ target: Target) { self.target = target }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch target {
        case .object(let object):
            return KeyedEncodingContainer(KeyedNodeContainer(object: object))
        case .single(let box):
            // A value that turns out to be an object (a nested struct).
            let object: ObjectNode
            if case .object(let existing) = box.value {
                object = existing
            } else {
                object = ObjectNode()
                box.value = .object(object)
            }
            return KeyedEncodingContainer(KeyedNodeContainer(object: object))
        }
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { UnsupportedUnkeyedContainer() }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        switch target {
        case .single(let box): return SingleNodeContainer(box: box)
        case .object: return SingleNodeContainer(box: nil)
        }
    }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: ObjectNode
    var codingPath: [any CodingKey] { [] }

    private func put(_ value: ValueNode, _ key: Key) {
        // A key encoded twice keeps its last value, as JSONEncoder's dictionary does.
        if let index = object.fields.firstIndex(where: { $0.key == key.stringValue }) {
            object.fields[index].value = value
        } else {
            object.fields.append((key.stringValue, value))
        }
    }

    mutating func encodeNil(forKey key: Key) throws { throw CompactObjectEncoder.Unsupported() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try ValueNode.number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw CompactObjectEncoder.Unsupported() }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.number(value.description), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.number(value.description), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let box = SingleValueBox()
        try value.encode(to: NodeEncoder(.single(box)))
        guard let node = box.value else { throw CompactObjectEncoder.Unsupported() }
        put(node, key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectNode()
        put(.object(nested), key)
        return KeyedEncodingContainer(KeyedNodeContainer<NestedKey>(object: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        // Arrays are JSONEncoder's; the pending node makes the whole encoding fail.
        put(.pending(SingleValueBox()), key)
        return UnsupportedUnkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(.object(object)) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let box = SingleValueBox()
        put(.pending(box), key)
        return NodeEncoder(.single(box))
    }
}

private struct SingleNodeContainer: SingleValueEncodingContainer {
    /// nil: a single value asked of an object's encoder, which JSONEncoder would reject or merge.
    let box: SingleValueBox?
    var codingPath: [any CodingKey] { [] }

    private func set(_ value: ValueNode) throws {
        guard let box, box.value == nil else { throw CompactObjectEncoder.Unsupported() }
        box.value = value
    }

    mutating func encodeNil() throws { throw CompactObjectEncoder.Unsupported() }
    mutating func encode(_ value: Bool) throws { try set(.bool(value)) }
    mutating func encode(_ value: String) throws { try set(.string(value)) }
    mutating func encode(_ value: Double) throws { try set(try ValueNode.number(value)) }
    mutating func encode(_ value: Float) throws { throw CompactObjectEncoder.Unsupported() }
    mutating func encode(_ value: Int) throws { try set(.number(value.description)) }
    mutating func encode(_ value: Int8) throws { try set(.number(value.description)) }
    mutating func encode(_ value: Int16) throws { try set(.number(value.description)) }
    mutating func encode(_ value: Int32) throws { try set(.number(value.description)) }
    mutating func encode(_ value: Int64) throws { try set(.number(value.description)) }
    mutating func encode(_ value: UInt) throws { try set(.number(value.description)) }
    mutating func encode(_ value: UInt8) throws { try set(.number(value.description)) }
    mutating func encode(_ value: UInt16) throws { try set(.number(value.description)) }
    mutating func encode(_ value: UInt32) throws { try set(.number(value.description)) }
    mutating func encode(_ value: UInt64) throws { try set(.number(value.description)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        guard let box, box.value == nil else { throw CompactObjectEncoder.Unsupported() }
        try value.encode(to: NodeEncoder(.single(box)))
    }
}

private struct UnsupportedUnkeyedContainer: UnkeyedEncodingContainer {
    var codingPath: [any CodingKey] { [] }
    var count: Int { 0 }
    mutating func encodeNil() throws { throw CompactObjectEncoder.Unsupported() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw CompactObjectEncoder.Unsupported() }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedNodeContainer<NestedKey>(object: ObjectNode()))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    mutating func superEncoder() -> any Encoder { NodeEncoder(.single(SingleValueBox())) }
}
