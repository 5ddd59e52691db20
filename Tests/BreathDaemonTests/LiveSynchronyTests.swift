@testable import BreathDaemon
import BreathProtocol
import HRV
import Testing

/// The live synchrony compares the heart with the breath the listener heard, across live changes
/// of the rate: a change counts from the breath it took effect at, and the breaths before it keep
/// their own rhythm in the window.
@Suite struct LiveSynchronyTests {
    /// A heart whose rate follows the breath heard exactly (60 bpm plus 6 bpm at full lungs), beats
    /// a session at 6/min, then `set rate 4` asked 3 s into a breath (so it waits 7 s for the next);
    /// the synchrony at each beat from the first full window on, with its time.
    static func synchronyAcrossAChange() async throws -> (beforeChange: [Double], waiting: [Double], after: [Double]) {
        let h = try EngineHarness(configure: { $0.sensor.device = "/dev/ttyTEST" })
        _ = try #require(await h.request(.start(StartOptions(minutes: 10))).okSession)
        await h.engine.handle(.connected(path: "/dev/ttyTEST"))
        var measured: [(seconds: Double, synchrony: Double)] = []
        var asked = false
        while h.elapsed < .seconds(260) {
            let heard = try #require(h.output.phase)
            let fraction = Double(h.output.samplesPlayed - heard.cycleStart) / Double(heard.cycleLength)
            let lungs = BreathCyclePosition(cycle: Int(heard.cycle), fraction: fraction).lungVolume()
            let rrMilliseconds = (60_000 / (60 + 6 * lungs)).rounded()
            await h.advance(milliseconds: Int(rrMilliseconds))
            await h.engine.addBeat(rrMilliseconds: rrMilliseconds)
            let seconds = h.elapsed.inSeconds
            if let synchrony = await h.status().hrv.synchrony, seconds >= 70 { measured.append((seconds, synchrony)) }
            if !asked, seconds >= 123 {
                #expect(await h.request(.set(.rate(4))).okMessage != nil)
                asked = true
            }
        }
        // The 6/min cycle in progress at 123 s ends at 130 s: the change takes effect there.
        return (
            measured.filter { $0.seconds < 123 }.map(\.synchrony),
            measured.filter { $0.seconds >= 123.5 && $0.seconds < 130 }.map(\.synchrony),
            measured.filter { $0.seconds >= 130 }.map(\.synchrony))
    }

    @Test func aHeartFollowingTheBreathHeardStaysSynchronousAcrossARateChange() async throws {
        let (before, waiting, after) = try await Self.synchronyAcrossAChange()
        print("synchrony before \(before.min()!)..\(before.max()!), waiting \(waiting.min()!)..\(waiting.max()!), after \(after.min()!)..\(after.max()!)")
        #expect(!before.isEmpty && !waiting.isEmpty && after.count > 100)
        #expect(before.allSatisfy { $0 > 0.95 }, "\(before)")
        #expect(waiting.allSatisfy { $0 > 0.95 }, "\(waiting)")
        #expect(after.allSatisfy { $0 > 0.95 }, "\(after)")
    }
}
