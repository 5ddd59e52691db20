import BreathProtocol
import Foundation

/// The daemon's side of the conversation: the examples of docs/protocol.md, and a session whose
/// beats draw a recognisable chart.
enum Fixtures {
    static let runningStatus = decode(
        #"{"class":"STATUS","audio":{"device":"default","last_error":"underrun at 12:00","state":"playing","xruns":1},"hrv":{"artifact_percent":1.5,"coherence_level":"medium","coherence_ratio":1.35,"coherence_score":1.35,"mean_hr_bpm":59.4,"peak_frequency_hz":0.0938,"pnn50_percent":27,"rmssd_ms":41.2,"sdnn_ms":57.2,"warm_up_s":0},"pacer":{"cycle":11,"phase":"exhale","progress":0.25,"rate_bpm":5.5,"ratio":"1:1","voice":"bowl","volume":0.4},"sensor":{"artifacts":3,"beats":1520,"device":"/dev/ttyUSB0","format":"rr","rejected_lines":2,"since_last_beat_s":0.4,"state":"streaming"},"session":{"elapsed_s":125.5,"id":13,"remaining_s":474.5},"state":"running"}"#,
        as: StatusReply.self)

    static let idleStatus = decode(
        #"{"class":"STATUS","audio":{"device":"default","state":"unavailable","xruns":0},"hrv":{"artifact_percent":0,"warm_up_s":64},"pacer":{"cycle":0,"phase":"inhale","progress":0,"rate_bpm":5.5,"ratio":"1:1","voice":"off","volume":0},"sensor":{"artifacts":0,"beats":0,"device":"","format":"auto","rejected_lines":0,"state":"none"},"state":"idle"}"#,
        as: StatusReply.self)

    static let runningSession = decode(
        #"{"id":13,"settings":{"duration_s":600,"rate_bpm":5.5,"ratio":"4:6","voice":"glide","volume":0.5},"started_at":"2026-11-23T10:33:20.000Z"}"#,
        as: SessionRecord.self)

    static let finishedSession = decode(
        #"{"end_reason":"completed","ended_at":"2026-11-23T08:10:00.250Z","id":12,"settings":{"duration_s":600,"rate_bpm":5.5,"ratio":"4:6","voice":"glide","volume":0.5},"started_at":"2026-11-23T08:00:00.000Z","summary":{"artifacts":4,"beats":612,"following_share":0.92,"level_s":{"high":279.5,"low":120.5,"medium":200},"mean_coherence_score":3.1,"mean_hr_bpm":61.2,"mean_synchrony":0.86,"rmssd_ms":48.5,"sdnn_ms":62}}"#,
        as: SessionRecord.self)

    /// The same session as recorded by a breathd that did not keep the synchrony.
    static let finishedSessionWithoutSynchrony: SessionRecord = {
        var record = finishedSession
        record.summary?.meanSynchrony = nil
        record.summary?.followingShare = nil
        return record
    }()

    /// 600 beats: the heart rate swings with the breath, coherence and synchrony rise from the
    /// 64th beat on, and every 100th beat is an artifact.
    static let sessionReply: SessionReply = {
        var beats: [BeatRecord] = []
        var time = 0.0
        for index in 0..<600 {
            let rr = 1000 + 80 * sin(Double(index) / 10)
            time += rr / 1000
            let warm = index >= 64
            let score = 0.5 + Double(index) / 150
            beats.append(
                BeatRecord(
                    offsetSeconds: (time * 1000).rounded() / 1000, rrMilliseconds: rr.rounded(), isNN: index % 100 != 99,
                    meanHeartRateBPM: warm ? 60 : nil, rmssdMilliseconds: warm ? 45 : nil, sdnnMilliseconds: warm ? 55 : nil,
                    coherenceScore: warm ? (score * 100).rounded() / 100 : nil,
                    coherenceLevel: warm ? (score < 1 ? .low : score < 3 ? .medium : .high) : nil,
                    synchrony: warm ? (min(1, 0.3 + Double(index) / 600) * 100).rounded() / 100 : nil,
                    synchronyPhaseDegrees: warm ? 20 : nil))
        }
        return SessionReply(session: finishedSession, beats: beats)
    }()

    static func decode<Value: Decodable>(_ json: String, as type: Value.Type) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(json.utf8))
        } catch {
            fatalError("fixture does not decode: \(error)")
        }
    }
}
