#if canImport(Glibc)
import Glibc
#endif
import Pacer

/// A mono 16-bit PCM WAV file written from the renderer, the same path ALSA playback uses.
public final class WavFileSink {
    public let path: String
    public let sampleRate: Int
    private let file: UnsafeMutablePointer<FILE>
    private var dataBytes: Int64 = 0
    private let buffer: UnsafeMutableBufferPointer<Int16>

    public init(path: String, sampleRate: Int, bufferFrames: Int = 8192) throws(AudioError) {
        guard let file = fopen(path, "wb") else { throw .system("open \(path)") }
        self.path = path
        self.sampleRate = sampleRate
        self.file = file
        buffer = .allocate(capacity: bufferFrames)
        do {
            try writeHeader()
        } catch {
            fclose(file)
            buffer.deallocate()
            throw error
        }
    }

    deinit {
        fclose(file)
        buffer.deallocate()
    }

    /// Renders until the session ends (the renderer needs an end) and completes the header.
    /// Returns the number of frames written.
    @discardableResult
    public func write(from renderer: ToneRenderer) throws(AudioError) -> Int64 {
        precondition(renderer.endSample != nil, "a file needs a session with an end")
        var frames: Int64 = 0
        while !renderer.isFinished {
            let count = renderer.render(into: buffer)
            try writeAll(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count * 2))
            frames += Int64(count)
        }
        try writeHeader()
        if fflush(file) != 0 { throw .system("write \(path)") }
        return frames
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(AudioError) {
        guard bytes.count > 0 else { return }
        if fwrite(bytes.baseAddress, 1, bytes.count, file) != bytes.count { throw .system("write \(path)") }
        dataBytes += Int64(bytes.count)
    }

    /// RIFF header; written first with the size so far and again at the end with the final sizes.
    private func writeHeader() throws(AudioError) {
        // WAV sizes are 32-bit: over 4 GiB the fields saturate, as sox and ALSA do.
        let data = UInt32(clamping: dataBytes)
        let riff = UInt32(clamping: dataBytes + 36)
        var header: [UInt8] = []
        func append(_ text: String) { header.append(contentsOf: Array(text.utf8)) }
        func append32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
        func append16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
        append("RIFF"); append32(riff); append("WAVE")
        append("fmt "); append32(16); append16(1); append16(1)
        append32(UInt32(sampleRate)); append32(UInt32(sampleRate * 2)); append16(2); append16(16)
        append("data"); append32(data)
        let end = ftello(file)
        if fseeko(file, 0, SEEK_SET) != 0 { throw .system("seek \(path)") }
        let ok = header.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) == $0.count }
        if !ok { throw .system("write \(path)") }
        if end > 0, fseeko(file, end, SEEK_SET) != 0 { throw .system("seek \(path)") }
    }
}
