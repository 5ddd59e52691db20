import SessionAnalysis
import Sensor

/// A recording named on `analyze`'s command line, read whole, with the failures `analyze` prints
/// (the summary, `--beats` and the resonance figures all read it this way).
extension RecordingInput {
    /// Reads `file`; a failure names the file and says why.
    static func reading(_ file: String, format: SensorFormat?, sampleRateHz: Double) throws(CommandFailure) -> RecordingInput {
        let text: String
        do { text = try readTextFile(file) } catch { throw CommandFailure(message: error.description) }
        return RecordingInput(text: text, format: format, sampleRateHz: sampleRateHz)
    }

    /// What was parsed, or the failure of a file that holds no RR interval at all.
    func requiringIntervals(in file: String) throws(CommandFailure) -> RRText.Parsed {
        guard !parsed.rrMilliseconds.isEmpty else {
            throw CommandFailure(message: "\(file): no RR intervals found (expected one value per line, or CSV with RR in the last column).")
        }
        return parsed
    }
}
