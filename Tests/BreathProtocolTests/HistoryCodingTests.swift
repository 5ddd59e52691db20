import BreathProtocol
import Foundation
import Testing

/// Beats and summaries carry the breath-heart synchrony when known, and records written before
/// it was kept still decode.
@Suite struct HistoryCodingTests {
    private func object(_ value: some Encodable) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any])
    }

    @Test func beatWithSynchronyRoundTripsUnderItsKeys() throws {
        let beat = Samples.beat
        #expect(try JSONDecoder().decode(BeatRecord.self, from: JSONEncoder().encode(beat)) == beat)
        let keys = try object(beat)
        #expect(keys["synchrony"] as? Double == 0.91)
        #expect(keys["synchrony_phase_deg"] as? Double == 15)
    }

    @Test func beatWithoutSynchronyOmitsTheKeys() throws {
        let beat = BeatRecord(offsetSeconds: 1, rrMilliseconds: 812.5, isNN: false, coherenceScore: 1.2)
        #expect(try JSONDecoder().decode(BeatRecord.self, from: JSONEncoder().encode(beat)) == beat)
        let keys = try object(beat)
        #expect(keys["synchrony"] == nil && keys["synchrony_phase_deg"] == nil)
    }

    @Test func olderBeatsDecodeWithoutSynchrony() throws {
        let old = #"{"coherence_level":"medium","coherence_score":1.35,"mean_hr_bpm":59.36,"nn":true,"rmssd_ms":41.2,"rr_ms":1079,"sdnn_ms":57.2,"t":64.693}"#
        let beat = try JSONDecoder().decode(BeatRecord.self, from: Data(old.utf8))
        #expect(beat.coherenceScore == 1.35)
        #expect(beat.synchrony == nil && beat.synchronyPhaseDegrees == nil)
        let explicitNull = #"{"nn":true,"rr_ms":1000,"t":1,"synchrony":null,"synchrony_phase_deg":null}"#
        #expect(try JSONDecoder().decode(BeatRecord.self, from: Data(explicitNull.utf8)).synchrony == nil)
    }

    @Test func summaryWithSynchronyRoundTripsUnderSnakeCaseKeys() throws {
        let summary = Samples.summary
        #expect(try JSONDecoder().decode(SessionSummary.self, from: JSONEncoder().encode(summary)) == summary)
        let keys = try object(summary)
        #expect(keys["mean_synchrony"] as? Double == 0.86)
        #expect(keys["following_share"] as? Double == 0.92)
    }

    @Test func summaryWithoutSynchronyOmitsTheKeysAndOlderOnesDecode() throws {
        let summary = SessionSummary(meanHeartRateBPM: 61.2, beats: 612, artifacts: 4)
        #expect(try JSONDecoder().decode(SessionSummary.self, from: JSONEncoder().encode(summary)) == summary)
        let keys = try object(summary)
        #expect(keys["mean_synchrony"] == nil && keys["following_share"] == nil)

        let old = #"{"artifacts":4,"beats":612,"level_s":{"high":279.5,"low":120.5,"medium":200},"mean_coherence_score":3.1,"mean_hr_bpm":61.2,"rmssd_ms":48.5,"sdnn_ms":62}"#
        let decoded = try JSONDecoder().decode(SessionSummary.self, from: Data(old.utf8))
        #expect(decoded.meanCoherenceScore == 3.1)
        #expect(decoded.meanSynchrony == nil && decoded.followingShare == nil)
    }

    @Test func followingThresholdsMatchTheLiveWording() {
        #expect(PacerFollowing(synchrony: 0.81, phaseDegrees: 0) == .yes)
        #expect(PacerFollowing(synchrony: 0.8, phaseDegrees: 0) == .partly)
        #expect(PacerFollowing(synchrony: 0.3, phaseDegrees: 0) == .partly)
        #expect(PacerFollowing(synchrony: 0.29, phaseDegrees: 0) == .no)
    }

    /// Both signs of the phase: in phase follows, anti-phase does not, whatever the synchrony.
    @Test(arguments: [0.0, 30, -30, 70, -70, 89.9, -89.9, 90, -90])
    func aHeartInPhaseWithTheBreathFollows(phase: Double) {
        #expect(PacerFollowing(synchrony: 0.95, phaseDegrees: phase) == .yes, "\(phase)°")
        #expect(PacerFollowing(synchrony: 0.5, phaseDegrees: phase) == .partly, "\(phase)°")
        #expect(PacerFollowing(synchrony: 0.1, phaseDegrees: phase) == .no, "\(phase)°")
    }

    @Test(arguments: [180.0, -180, 178, -178, 135, -135, 90.1, -90.1, 120])
    func aHeartAgainstTheBreathDoesNotFollow(phase: Double) {
        #expect(PacerFollowing(synchrony: 0.95, phaseDegrees: phase) == .no, "\(phase)°")
        #expect(PacerFollowing(synchrony: 0.5, phaseDegrees: phase) == .no, "\(phase)°")
    }

    @Test func thePhaseWindowWrapsAndNeedsAPhase() {
        // The window's edges, given in any turn: 450° is 90°, -270° is 90°, 270° is -90°.
        #expect(PacerFollowing.phaseInWindow(450) && PacerFollowing.phaseInWindow(-270) && PacerFollowing.phaseInWindow(270))
        #expect(!PacerFollowing.phaseInWindow(540) && !PacerFollowing.phaseInWindow(-450.5))
        #expect(!PacerFollowing.phaseInWindow(nil) && !PacerFollowing.phaseInWindow(.nan))
        #expect(PacerFollowing(synchrony: 0.95, phaseDegrees: nil) == .no)
        // The live status: 178° with synchrony 0.93 is "no" (issue 13).
        let status = HRVSnapshot(warmUpSecondsLeft: 0, artifactPercent: 0, synchrony: 0.93, synchronyPhaseDegrees: 178)
        #expect(status.followingPacer == "no")
        #expect(HRVSnapshot(warmUpSecondsLeft: 0, artifactPercent: 0, synchrony: 0.93, synchronyPhaseDegrees: 35).followingPacer == "yes")
    }
}
