import ArgumentParser
import Foundation
import HRV
import Sensor

/// The per-beat HRV update against NeuroKit2 on the same windows, and the 21-hour soak.
struct HRVBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hrv",
        abstract: "Time the per-beat HRV update (64 s coherence + time domain) against NeuroKit2."
    )

    @OptionGroup var shared: SharedFolder

    @Option(help: "Passes over the 10-minute recording for our timing.")
    var passes = 200

    @Option(help: "Windows NeuroKit2 is timed on (it is slow); 0 means all.")
    var neurokitWindows = 0

    func run() throws {
        let recording = "\(shared.path)/data/rr/polar_h10_slow_breathing_600s.csv"
        let rr = RRText.parse(try String(contentsOfFile: recording, encoding: .utf8)).rrMilliseconds

        // Ours: every per-beat update that computes the live metrics, timed one by one.
        var samples: [Double] = []
        samples.reserveCapacity(passes * rr.count)
        var sink = 0.0
        for _ in 0..<passes {
            var engine = HRVEngine()
            for value in rr {
                let start = DispatchTime.now().uptimeNanoseconds
                // The whole live update: classification (look-ahead included) and the decided beat's metrics.
                let update = engine.add(rrMilliseconds: value).update
                let end = DispatchTime.now().uptimeNanoseconds
                guard let update, update.window != nil else { continue }
                sink += update.coherence?.score ?? 0
                samples.append(Double(end - start) / 1000)
            }
        }
        let oursMicroseconds = median(samples)
        let windows = samples.count / passes
        print("breathd HRV update: median \(format(oursMicroseconds)) us per beat over \(windows) windows x \(passes) passes (p99 \(format(percentile(samples, 0.99))) us)")

        // NeuroKit2 on the same windows, in the same run.
        let neurokit = try runNeuroKit(recording: recording)
        print("NeuroKit2 hrv_time + hrv_frequency: median \(format(neurokit.medianMicroseconds)) us per window over \(neurokit.windows) windows")

        // Soak: the 21-hour Holter recording streamed through one engine.
        let holter = RRText.parse(try String(contentsOfFile: "\(shared.path)/data/rr/healthy_holter_21h.txt", encoding: .utf8)).rrMilliseconds
        let rssBefore = residentKilobytes("VmRSS")
        var engine = HRVEngine()
        var maxWindow = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for value in holter {
            sink += engine.add(rrMilliseconds: value).update?.coherence?.score ?? 0
            maxWindow = max(maxWindow, engine.windowBeatCount)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rssAfter = residentKilobytes("VmRSS")
        print("21-hour recording: \(holter.count) beats streamed in \(format(seconds, digits: 3)) s (\(format(seconds / Double(holter.count) * 1e6)) us per beat); "
            + "at most \(maxWindow) beats held; RSS \(rssBefore) kB before, \(rssAfter) kB after streaming, peak RSS \(residentKilobytes("VmHWM")) kB")
        if sink.isNaN { print("unexpected NaN") }

        print("RESULT hrv_update_us=\(format(oursMicroseconds)) neurokit2_update_us=\(format(neurokit.medianMicroseconds)) ratio=\(format(neurokit.medianMicroseconds / oursMicroseconds, digits: 0))")
    }

    private func runNeuroKit(recording: String) throws -> (windows: Int, medianMicroseconds: Double) {
        let json = try NeuroKitAnchor.run("bench_neurokit.py", [recording, "\(shared.path)/reference", "\(neurokitWindows == 0 ? Int.max : neurokitWindows)"])
        guard let windows = json["windows"] as? Int, let us = json["median_us"] as? Double else { throw NeuroKitAnchor.failure }
        return (windows, us)
    }
}
