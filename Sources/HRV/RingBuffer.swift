/// A fixed-capacity FIFO that overwrites its oldest element when full.
///
/// Storage is allocated once, in `init`; `append` and `removeFirst` never allocate, which is what
/// keeps the per-beat path of the engine allocation-free and its memory bounded by the window.
public struct RingBuffer<Element>: Sendable where Element: Sendable {
    private var storage: [Element]
    private var head = 0
    public private(set) var count = 0

    public init(capacity: Int, filler: Element) {
        precondition(capacity > 0, "a ring buffer needs room for at least one element")
        storage = Array(repeating: filler, count: capacity)
    }

    public var capacity: Int { storage.count }
    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == storage.count }

    /// Appends `element`; when full, the oldest element is dropped to make room.
    public mutating func append(_ element: Element) {
        if count == storage.count {
            storage[head] = element
            head = head + 1 == storage.count ? 0 : head + 1
        } else {
            var index = head + count
            if index >= storage.count { index -= storage.count }
            storage[index] = element
            count += 1
        }
    }

    public mutating func removeFirst(_ n: Int = 1) {
        precondition(n <= count, "cannot remove more elements than the ring holds")
        head = (head + n) % storage.count
        count -= n
    }

    public mutating func removeAll() {
        head = 0
        count = 0
    }

    /// Element `i` counted from the oldest (0) to the newest (`count - 1`).
    public subscript(i: Int) -> Element {
        get {
            precondition(i >= 0 && i < count, "ring buffer index out of range")
            var index = head + i
            if index >= storage.count { index -= storage.count }
            return storage[index]
        }
    }

    public var first: Element? { count == 0 ? nil : self[0] }
    public var last: Element? { count == 0 ? nil : self[count - 1] }
}
