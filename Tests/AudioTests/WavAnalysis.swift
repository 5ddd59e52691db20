import Foundation

/// A mono 16-bit WAV read whole (for the short captures).
struct WavFile {
    let sampleRate: Int
    let channels: Int
    let samples: [Int16]

    /// Reads the header and the data chunk; a data size of 0 or past the end of the file (a
    /// capture cut short) means "to the end of the file".
    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let format = try WavFile.header(data)
        sampleRate = format.sampleRate
        channels = format.channels
        let body = data[format.dataOffset..<min(data.count, format.dataOffset + format.dataBytes)]
        var samples = [Int16](repeating: 0, count: body.count / 2)
        _ = samples.withUnsafeMutableBytes { body.copyBytes(to: $0) }
        if channels > 1 {
            samples = stride(from: 0, to: samples.count - channels + 1, by: channels).map { samples[$0] }
        }
        self.samples = samples
    }

    struct Format {
        let sampleRate: Int
        let channels: Int
        let bitsPerSample: Int
        let dataOffset: Int
        let dataBytes: Int
    }

    static func header(_ data: Data, fileLength: Int? = nil) throws -> Format {
        func u32(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 }
        guard data.count >= 44, String(decoding: data[0..<4], as: UTF8.self) == "RIFF" else { throw CocoaError(.fileReadCorruptFile) }
        var at = 12
        var sampleRate = 0, channels = 0, bits = 0
        while at + 8 <= data.count {
            let id = String(decoding: data[at..<(at + 4)], as: UTF8.self)
            let size = u32(at + 4)
            if id == "fmt " {
                channels = u16(at + 10)
                sampleRate = u32(at + 12)
                bits = u16(at + 22)
            } else if id == "data" {
                let available = (fileLength ?? data.count) - (at + 8)
                let bytes = size == 0 || size > available ? available : size
                return Format(sampleRate: sampleRate, channels: channels, bitsPerSample: bits, dataOffset: at + 8, dataBytes: bytes)
            }
            at += 8 + size + (size & 1)
        }
        throw CocoaError(.fileReadCorruptFile)
    }
}

/// `samples` without the runs of digital silence of at least `minimumFrames` between the first
/// and the last sound: what the player wrote, in order, with the gaps the sound server filled in
/// while it underran cut out (a glide tone never rests; the fades never reach exact zero for long
/// inside the session). Returns the samples and how many runs were cut.
func removingSilentRuns(_ samples: [Int16], minimumFrames: Int) -> (samples: [Int16], runs: Int) {
    guard let first = samples.firstIndex(where: { $0 != 0 }), let last = samples.lastIndex(where: { $0 != 0 }) else { return ([], 0) }
    var kept: [Int16] = []
    kept.reserveCapacity(last - first + 1)
    var runs = 0
    var index = first
    while index <= last {
        if samples[index] != 0 {
            kept.append(samples[index])
            index += 1
            continue
        }
        var end = index
        while end <= last && samples[end] == 0 { end += 1 }
        if end - index >= minimumFrames { runs += 1 } else { kept.append(contentsOf: samples[index..<end]) }
        index = end
    }
    return (kept, runs)
}

/// The breath as heard in a glide tone: pitch from the intervals between upward zero crossings,
/// turned back into the breath level (0 at 220 Hz, 1 at 330 Hz).
struct PitchContour {
    /// (seconds, breath level 0-1), smoothed over a few dozen periods.
    let points: [(time: Double, level: Double)]

    init(_ samples: [Int16], sampleRate: Int, lowHz: Double = 220, highHz: Double = 330) {
        // Hysteresis: a crossing counts only after the signal went clearly negative, so quiet
        // fades and quantisation noise make no false crossings.
        let threshold: Int16 = 150
        var crossings: [Double] = []
        var armed = false
        for i in 1..<samples.count {
            if samples[i] < -threshold { armed = true }
            if armed, samples[i - 1] < 0, samples[i] >= 0 {
                let a = Double(samples[i - 1]), b = Double(samples[i])
                crossings.append((Double(i - 1) + (-a / (b - a))) / Double(sampleRate))
                armed = false
            }
        }
        var raw: [(Double, Double)] = []
        for j in 1..<max(crossings.count, 1) {
            let period = crossings[j] - crossings[j - 1]
            let frequency = 1 / period
            // Periods outside the tone's range are gaps (silence), not pitch.
            guard frequency > lowHz * 0.9, frequency < highHz * 1.1 else { continue }
            raw.append(((crossings[j] + crossings[j - 1]) / 2, log(frequency / lowHz) / log(highHz / lowHz)))
        }
        let half = 12
        var smoothed: [(Double, Double)] = []
        if raw.count > 2 * half {
            for j in half..<(raw.count - half) {
                var sum = 0.0
                for k in (j - half)...(j + half) { sum += raw[k].1 }
                smoothed.append((raw[j].0, sum / Double(2 * half + 1)))
            }
        }
        points = smoothed
    }

    /// Times where the level crosses `level` going up (or down).
    func crossings(of level: Double, rising: Bool) -> [Double] {
        var times: [Double] = []
        for j in 1..<max(points.count, 1) {
            let (t0, a) = points[j - 1], (t1, b) = points[j]
            let crosses = rising ? (a < level && b >= level) : (a > level && b <= level)
            if crosses { times.append(t0 + (level - a) / (b - a) * (t1 - t0)) }
        }
        return times
    }
}

func largestStep(_ samples: [Int16]) -> Int {
    var largest = 0
    for i in 1..<samples.count { largest = max(largest, abs(Int(samples[i]) - Int(samples[i - 1]))) }
    return largest
}

func rms(_ samples: ArraySlice<Int16>) -> Double {
    var sum = 0.0
    for s in samples { sum += Double(s) * Double(s) }
    return (sum / Double(max(samples.count, 1))).squareRoot()
}

/// Slope of the least-squares line through (index, value): the mean spacing of regular events.
func fittedSpacing(_ values: [Double]) -> Double {
    let n = Double(values.count)
    let meanX = (n - 1) / 2
    let meanY = values.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0
    for (i, y) in values.enumerated() {
        sxy += (Double(i) - meanX) * (y - meanY)
        sxx += (Double(i) - meanX) * (Double(i) - meanX)
    }
    return sxy / sxx
}
