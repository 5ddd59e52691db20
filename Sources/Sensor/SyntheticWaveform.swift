import Foundation

/// Turns beat times into a sampled ECG or PPG, for the simulator's `ecg` and `ppg` formats: each
/// beat is a sum of Gaussian waves (P, Q, R, S, T after McSharry et al. 2003; for PPG a systolic
/// pulse 0.25 s after the R wave and a dicrotic wave), plus breathing baseline wander and noise.
public struct SyntheticWaveform: Sendable {
    public let format: SensorFormat
    public let sampleRateHz: Double
    private var beatTimes: [Double] = []
    private var sampleIndex = 0
    private var random = SplitMix64(seed: 7)

    private typealias Wave = (offsetSeconds: Double, amplitude: Double, widthSeconds: Double)
    private static let ecgWaves: [Wave] = [(-0.16, 0.12, 0.025), (-0.03, -0.12, 0.01), (0, 1.1, 0.012), (0.03, -0.25, 0.01), (0.28, 0.3, 0.055)]
    private static let ppgWaves: [Wave] = [(0.25, 1.0, 0.07), (0.5, 0.35, 0.1)]

    public init(format: SensorFormat, sampleRateHz: Double) {
        precondition(format.isWaveform, "a synthetic waveform is ecg or ppg")
        self.format = format
        self.sampleRateHz = sampleRateHz
    }

    /// Adds a beat `rrMilliseconds` after the previous one and returns the samples up to it.
    public mutating func samples(nextBeatAfterMilliseconds rr: Double) -> [Double] {
        let next = (beatTimes.last ?? 0.3) + rr / 1000
        beatTimes.append(next)
        // Waves reach at most 0.7 s around their beat: three beats cover every sample.
        if beatTimes.count > 3 { beatTimes.removeFirst() }
        var out: [Double] = []
        let waves = format == .ecg ? Self.ecgWaves : Self.ppgWaves
        while Double(sampleIndex) / sampleRateHz < next {
            let t = Double(sampleIndex) / sampleRateHz
            var v = 0.08 * sin(2 * Double.pi * 0.09 * t) + 0.01 * random.gaussian()
            for beat in beatTimes {
                for w in waves {
                    let x = (t - beat - w.offsetSeconds) / w.widthSeconds
                    if abs(x) < 6 { v += w.amplitude * exp(-0.5 * x * x) }
                }
            }
            out.append(v)
            sampleIndex += 1
        }
        return out
    }

    /// One sample per line, in millivolts (or arbitrary units for PPG) to 4 decimals.
    public static func lines(_ samples: [Double]) -> String {
        samples.map { "\(($0 * 10000).rounded() / 10000)\n" }.joined()
    }
}
