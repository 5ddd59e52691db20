/// A streaming beat detector over a sampled waveform (ECG or PPG).
///
/// Samples are numbered from 0 in the order given; `gap()` stands for one missing sample (leads
/// off): it advances the numbering and restarts detection, so no interval spans the gap.
public protocol WaveformBeatDetector: Sendable {
    var sampleRateHz: Double { get }
    /// Adds the next sample; returns the index of a beat confirmed by it, if any.
    mutating func add(_ sample: Double) -> Int?
    mutating func gap()
}
