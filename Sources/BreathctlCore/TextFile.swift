#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading (or writing) a whole file with an error that names the file and says what went wrong.
struct FileReadError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "\(path): \(reason)" }
}

func readTextFile(_ path: String) throws(FileReadError) -> String {
    guard let file = fopen(path, "rb") else {
        throw FileReadError(path: path, reason: String(cString: strerror(errno)))
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
        if n < chunk.count {
            if ferror(file) != 0 { throw FileReadError(path: path, reason: String(cString: strerror(errno))) }
            break
        }
    }
    // A UTF-8 byte-order mark (Windows tools write one) marks the encoding; it is not content.
    let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes[3...] : bytes[...]
    return String(decoding: body, as: UTF8.self)
}

/// Reads `path` in chunks of 64 KiB into one reused buffer: memory stays flat however large the
/// file. `body` returns false to stop early.
func forEachChunk(ofFile path: String, _ body: (UnsafeRawBufferPointer) -> Bool) throws(FileReadError) {
    guard let file = fopen(path, "rb") else {
        throw FileReadError(path: path, reason: String(cString: strerror(errno)))
    }
    defer { fclose(file) }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if n > 0, !chunk.withUnsafeBytes({ body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) { return }
        if n < chunk.count {
            if ferror(file) != 0 { throw FileReadError(path: path, reason: String(cString: strerror(errno))) }
            return
        }
    }
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, renamed over it
/// once written, so a full disk or a Ctrl-C never leaves half a picture. The error is the system's
/// own reason ("No such file or directory"), with the path.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(FileReadError) {
    let temporary = "\(path).partial-\(getpid())"
    guard let file = fopen(temporary, "wb") else {
        throw FileReadError(path: path, reason: String(cString: strerror(errno)))
    }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    let flushed = fflush(file) == 0
    let reason = String(cString: strerror(errno))
    fclose(file)
    guard written == bytes.count, flushed, rename(temporary, path) == 0 else {
        let failure = written == bytes.count && flushed ? String(cString: strerror(errno)) : reason
        unlink(temporary)
        throw FileReadError(path: path, reason: failure)
    }
}
