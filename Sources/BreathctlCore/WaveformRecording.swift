import HRV
import Sensor

/// An ECG or PPG recording for `analyze`, streamed: read in chunks, parsed as bytes, beats handed
/// on as the detector finds them (half an hour at 360 Hz in flat memory).
enum WaveformRecording {
    /// How much of the file's start auto-detection may read before it gives up on a waveform.
    static let detectionBytes = 1 << 20

    /// `configured` when it is a waveform format; with auto-detection, what `SensorDecoder` decides
    /// from the file's start (as the replay of the whole file would); nil for anything else.
    static func format(of path: String, configured: SensorFormat?, sampleRateHz: Double) throws(FileReadError) -> SensorFormat? {
        if let configured { return configured.isWaveform ? configured : nil }
        var decoder = SensorDecoder(format: nil, sampleRateHz: sampleRateHz)
        var read = 0
        try forEachChunk(ofFile: path) { bytes in
            // A few kB at a time: the decoder keeps each line it holds as a string until it decides.
            var from = 0
            while from < bytes.count, decoder.format == nil {
                let to = min(bytes.count, from + 4096)
                decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[from..<to])) { _ in }
                from = to
            }
            read += bytes.count
            return decoder.format == nil && read < detectionBytes
        }
        guard let decided = decoder.format, decided.isWaveform else { return nil }
        return decided
    }

    /// Calls `body` with each beat of the waveform file; returns what was rejected on the way.
    static func forEachBeat(
        path: String, format: SensorFormat, sampleRateHz: Double, _ body: (SensorBeat) -> Void
    ) throws(FileReadError) -> RejectedInputCounters {
        switch format {
        case .ppg: try forEachBeat(path: path, WaveformText(detector: PPGPeakDetector(sampleRateHz: sampleRateHz)), body)
        default: try forEachBeat(path: path, WaveformText(detector: QRSDetector(sampleRateHz: sampleRateHz)), body)
        }
    }

    private static func forEachBeat<D: WaveformBeatDetector>(
        path: String, _ reader: WaveformText<D>, _ body: (SensorBeat) -> Void
    ) throws(FileReadError) -> RejectedInputCounters {
        var reader = reader
        try forEachChunk(ofFile: path) { bytes in
            reader.feed(bytes, body)
            return true
        }
        reader.finish(body)
        return reader.rejected
    }
}
