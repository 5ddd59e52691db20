import Foundation

/// A measured figure rounded to the decimals its measurement supports, for every figure a program
/// reads: the protocol's JSON, `export`, `history --csv`, breathctl's `--json` lines. Never 15
/// digits of floating-point noise (`56.44471819009184`, `813.8888888888889`).
public enum FigureRounding {
    /// The decimals of each kind of figure, and why:
    /// - RR intervals: 0.1 ms. Serial sensors give whole milliseconds (waveforms a sample period,
    ///   2.8 ms at 360 Hz), but Bluetooth straps count 1/1024 s (0.977 ms): whole milliseconds would
    ///   give two neighbouring counts the same number (21 and 22 ticks are both 21 ms), while 0.1 ms
    ///   keeps every count apart (21 ticks = 20.5 ms, 22 = 21.5) and recoverable as round(rr_ms × 1.024).
    /// - Times and durations: the millisecond, the resolution of the summed intervals and of the
    ///   stored start time.
    /// - Heart rates (60000 / RR and its means): 0.1 bpm. One millisecond of RR moves the rate by
    ///   0.06 bpm at 60 bpm and 0.24 at 120 bpm: a second decimal would be below what RR resolves.
    /// - HRV statistics in milliseconds (RMSSD, SDNN, mean NN) and powers in ms²: 0.1, the RR's own
    ///   resolution. Percentages (pNN50, artifacts, LF n.u.): 0.1 %.
    /// - Coherence scores and ratios, synchrony: 0.01, as `status` and `session` show them; the
    ///   estimates vary more than that from one beat's window to the next. Other ratios (LF/HF): 0.001.
    /// - Phase angles: whole degrees; the lag comes from a 64 s window and wanders by several.
    /// - Frequencies: 0.0001 Hz, finer than the 1/256 Hz spectrum bins and than a pacer rate's
    ///   0.1 breaths/min (0.0017 Hz).
    /// - Fractions of a whole (the pacer's phase progress, volume): 0.001.
    /// - Breathing rates are settings, not measurements: 0.001 breaths/min, so a rate comes back
    ///   as it was given (5.5, 6.25) and a computed one (60 / 11 s) without its noise.
    public enum Decimals {
        public static let rrMilliseconds = 1
        public static let seconds = 3
        public static let heartRateBPM = 1
        public static let milliseconds = 1
        public static let powerMs2 = 1
        public static let percent = 1
        public static let score = 2
        public static let ratio = 3
        public static let degrees = 0
        public static let frequencyHz = 4
        public static let fraction = 3
        public static let breathsPerMinute = 3
    }

    /// `value` rounded to `decimals` places, as the nearest Double (JSON prints it shortest).
    public static func rounded(_ value: Double, decimals: Int) -> Double {
        let scale = pow(10, Double(decimals))
        // `+ 0` turns a rounded -0 into 0, so no "-0.0" is printed.
        return (value * scale).rounded() / scale + 0
    }

    /// A CSV cell with exactly `decimals` places, so the precision shows; empty for no value.
    public static func csv(_ value: Double?, decimals: Int) -> String {
        guard let value, value.isFinite else { return "" }
        return String(format: "%.\(decimals)f", rounded(value, decimals: decimals))
    }
}

extension KeyedEncodingContainer {
    /// A figure of the protocol, rounded to its decimals (`FigureRounding.Decimals`) as it is written.
    mutating func encode(_ value: Double, decimals: Int, forKey key: Key) throws {
        try encode(FigureRounding.rounded(value, decimals: decimals), forKey: key)
    }

    mutating func encodeIfPresent(_ value: Double?, decimals: Int, forKey key: Key) throws {
        try encodeIfPresent(value.map { FigureRounding.rounded($0, decimals: decimals) }, forKey: key)
    }
}
