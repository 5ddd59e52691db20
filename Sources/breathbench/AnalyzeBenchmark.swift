import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `breathctl analyze` on a waveform file, as a user runs it: the release binary in a child process,
/// its wall time and peak resident memory (from wait4), against NeuroKit2 `ecg_peaks` on the same
/// signal in the same run.
struct AnalyzeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Time `breathctl analyze` on 30 minutes of ECG at 360 Hz (MIT-BIH 100) against NeuroKit2 ecg_peaks."
    )

    @OptionGroup var shared: SharedFolder

    @Option(help: "Runs of breathctl; the median time and the largest peak RSS are reported.")
    var runs = 5

    func run() throws {
        let recording = "\(shared.path)/data/ecg/mitdb100_mlii_360hz.txt"
        let size = (try FileManager.default.attributesOfItem(atPath: recording)[.size] as? Int) ?? 0
        let breathctl = try BenchmarkFiles.executable("breathctl")
        var seconds: [Double] = []
        var cpuSeconds: [Double] = []
        var peakKilobytes = 0
        var beats = 0
        for _ in 0..<max(1, runs) {
            let run = try measure(breathctl, ["analyze", "--format", "ecg", "--sample-rate", "360", "--json", recording])
            seconds.append(run.seconds)
            cpuSeconds.append(run.cpuSeconds)
            peakKilobytes = max(peakKilobytes, run.peakKilobytes)
            guard let json = try JSONSerialization.jsonObject(with: run.output) as? [String: Any], let n = json["beats"] as? Int else {
                throw ValidationError("breathctl analyze printed no summary")
            }
            beats = n
        }
        // The beats are intervals: MIT-BIH 100 has 2273 annotated beats.
        guard (2200...2300).contains(beats) else { throw ValidationError("breathctl analyze found \(beats) intervals, expected about 2272") }
        let auto = try measure(breathctl, ["analyze", "--sample-rate", "360", "--json", recording])
        let ours = median(seconds), oursCPU = median(cpuSeconds)
        print("breathctl analyze --format ecg, \(format(Double(size) / 1e6)) MB, 650000 samples at 360 Hz: median \(format(ours, digits: 3)) s wall, \(format(oursCPU, digits: 3)) s CPU over \(seconds.count) runs (wall \(seconds.map { format($0, digits: 3) }.joined(separator: " "))), peak RSS \(peakKilobytes) kB, \(beats) intervals")
        print("breathctl analyze (format detected): \(format(auto.seconds, digits: 3)) s wall, \(format(auto.cpuSeconds, digits: 3)) s CPU, peak RSS \(auto.peakKilobytes) kB")
        let idle = try measure(breathctl, ["--help"])
        print("breathctl --help (start-up alone): \(format(idle.seconds, digits: 3)) s wall, peak RSS \(idle.peakKilobytes) kB")

        let neurokit = try runNeuroKit(recording)
        print("NeuroKit2 ecg_clean + ecg_peaks on the same signal in memory: \(format(neurokit.seconds, digits: 3)) s wall, \(format(neurokit.cpuSeconds, digits: 3)) s CPU (\(neurokit.beats) R peaks); numpy loadtxt of the file \(format(neurokit.readSeconds, digits: 3)) s")
        // ratio: NeuroKit2's detection alone (signal already in memory) over our whole command
        // (start-up, reading and parsing the file, detection, HRV), wall time in this run;
        // file_ratio: NeuroKit2 with numpy reading the file too.
        print("RESULT analyze_s=\(format(ours, digits: 3)) analyze_cpu_s=\(format(oursCPU, digits: 3)) analyze_peak_rss_mb=\(format(Double(peakKilobytes) / 1024, digits: 1)) neurokit2_ecg_peaks_s=\(format(neurokit.seconds, digits: 3)) ratio=\(format(neurokit.seconds / ours, digits: 2)) file_ratio=\(format((neurokit.seconds + neurokit.readSeconds) / ours, digits: 2))")
    }

    /// Runs `path` with `arguments`; its standard output, wall time and peak RSS. Spawned and
    /// reaped here (not by Foundation's Process, which reaps on its own) so wait4's rusage is this
    /// child's: ru_maxrss in kB.
    private func measure(_ path: String, _ arguments: [String]) throws -> (output: Data, seconds: Double, cpuSeconds: Double, peakKilobytes: Int) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ValidationError("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            throw ValidationError("cannot run \(path): \(String(cString: strerror(spawned)))")
        }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n > 0 { output.append(contentsOf: buffer[0..<n]) } else if n == 0 || errno != EINTR { break }
        }
        close(fds[0])
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0, errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard status == 0 else { throw ValidationError("\(path) \(arguments.joined(separator: " ")) failed (status \(status))") }
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return (output, seconds, cpu, usage.ru_maxrss)
    }

    private func runNeuroKit(_ recording: String) throws -> (seconds: Double, cpuSeconds: Double, readSeconds: Double, beats: Int) {
        let json = try NeuroKitAnchor.run("bench_neurokit_ecg.py", [recording, "360"])
        guard let seconds = json["ecg_peaks_s"] as? Double, let cpu = json["ecg_peaks_cpu_s"] as? Double, let read = json["read_s"] as? Double,
            let beats = json["beats"] as? Int
        else { throw NeuroKitAnchor.failure }
        return (seconds, cpu, read, beats)
    }
}
