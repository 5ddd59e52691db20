import BreathTestSupport
import Foundation
import Testing

/// RR lines written to the sensor in one go (as a serial port's buffer or a late Bluetooth burst
/// delivers them) reach breathd together; the session's beats are spaced by their RR, not stacked
/// at the burst's arrival.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BeatTimeEndToEndTests {
    @Test func rrLinesWrittenTogetherAreSpacedByTheirRR() throws {
        let daemon = try DaemonHarness()
        let fifo = try SensorFIFO(in: daemon.directory)
        try daemon.reconfigure(sensor: fifo.path)
        try daemon.start()
        try fifo.open()
        let reply = try daemon.request(#"{"cmd":"start","minutes":5}"#)
        let id = try #require(reply["session"] as? Int, "\(reply)")
        // Bursts of three 800 ms beats (1.6 s from first to last), delivered as a late strap does:
        // the next burst's beats follow the last one's by their RR (3 x 0.8 s), so it is written
        // only once breathd has the previous burst and 2.5 s later (waits only lengthen the gaps;
        // an earlier write would say, by its RR, that the previous burst's beats came earlier).
        let bursts = 4
        usleep(1_700_000)
        for burst in 0..<bursts {
            fifo.write(rrMilliseconds: [800, 800, 800])
            try waitUntil("breathd has burst \(burst)") {
                let status = try daemon.request(#"{"cmd":"status"}"#)
                return ((status["sensor"] as? [String: Any])?["beats"] as? Int ?? 0) >= 3 * (burst + 1)
            }
            usleep(2_500_000)
        }
        #expect(try daemon.request(#"{"cmd":"stop"}"#)["class"] as? String == "OK")
        try waitUntil("the session is in history as stopped") {
            let rows = try daemon.request(#"{"cmd":"history"}"#)["sessions"] as? [[String: Any]] ?? []
            return rows.first { $0["id"] as? Int == id }?["end_reason"] as? String == "stopped"
        }
        let beats = try #require(try daemon.request(#"{"cmd":"session","id":\#(id)}"#)["beats"] as? [[String: Any]])
        let times = beats.compactMap { $0["t"] as? Double }
        try #require(times.count == 3 * bursts, "beats stored: \(times)")
        for burst in 0..<bursts {
            let (first, second, third) = (times[3 * burst], times[3 * burst + 1], times[3 * burst + 2])
            // 1 ms: the stored precision of a time.
            #expect(abs(second - first - 0.8) <= 0.0011 && abs(third - second - 0.8) <= 0.0011, "burst \(burst): \(times)")
        }
        fifo.close()
        #expect(daemon.terminate() == 0)
    }
}
