#if canImport(Glibc)
import Glibc
#endif
import Pacer

// synthbench [SECONDS] [RUNS] [VOICES]: renders SECONDS (default 3600) of 48 kHz audio of each voice
// into a reused 16-bit buffer in memory, RUNS times (default 3), and times
// `sox ... -t wav /dev/null synth SECONDS sine 440` the same number of times in the same run: no
// disk I/O on either side. The last line is the RESULT line of docs/design.md.
// VOICES (a comma-separated list, e.g. `glide` or `off`) renders only those and skips sox: the
// form scripts/bench-synth-callgrind runs under valgrind to count instructions.
// Silence (`off`) is not a bare memset: it runs the same ToneRenderer path as the glide (the
// control values per 256-sample segment, the schedule, the fades, the 16-bit conversion of every
// sample); only where the glide computes its sine into the float buffer, silence clears it. So
// glide_over_silence is the tone arithmetic against everything else one rendered sample costs.

let arguments = CommandLine.arguments
let seconds = arguments.count > 1 ? Double(arguments[1]) ?? 3600 : 3600
let runs = arguments.count > 2 ? max(Int(arguments[2]) ?? 3, 1) : 3
let onlyVoices: [Voice]? = arguments.count > 3 ? arguments[3].split(separator: ",").compactMap { Voice(rawValue: String($0)) } : nil
let sampleRate = 48_000

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func renderSeconds(_ voice: Voice) throws -> Double {
    let total = Int64(seconds * Double(sampleRate))
    let renderer = ToneRenderer(
        settings: PacerSettings(pattern: .standard, tone: try ToneSettings(voice: voice)),
        sampleRate: sampleRate, endSample: total)
    let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 4096)
    defer { buffer.deallocate() }
    var checksum: Int64 = 0
    let start = now()
    while !renderer.isFinished {
        let count = renderer.render(into: buffer)
        // Touch the output so the work cannot be optimised away.
        checksum &+= Int64(buffer[count / 2])
    }
    let elapsed = now() - start
    if checksum == Int64.min { print("") }
    return elapsed
}

/// Wall time of one `sox -n -r 48000 -c 1 -b 16 -t wav /dev/null synth SECONDS sine 440`.
func soxSeconds() -> Double? {
    let words = ["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", "-t", "wav", "/dev/null", "synth", "\(Int(seconds))", "sine", "440"]
    var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
    argv.append(nil)
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    let start = now()
    guard posix_spawnp(&pid, "sox", nil, nil, argv, environ) == 0 else { return nil }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status == 0 ? now() - start : nil
}

var glideMedian = 0.0
var silenceMedian = 0.0
for voice in onlyVoices ?? Voice.allCases {
    let times = try (0..<runs).map { _ in try renderSeconds(voice) }
    let m = median(times)
    if voice == .glide { glideMedian = m }
    if voice == .off { silenceMedian = m }
    print("voice=\(voice.rawValue) audio_s=\(Int(seconds)) median_s=\(m) realtime_x=\(Int(seconds / m)) runs=\(times.map { String($0) }.joined(separator: ","))")
}
if onlyVoices != nil { exit(0) }
let soxTimes = (0..<runs).compactMap { _ in soxSeconds() }
guard !soxTimes.isEmpty else {
    print("sox did not run (install it: make deps)")
    exit(1)
}
let soxMedian = median(soxTimes)
print("sox audio_s=\(Int(seconds)) median_s=\(soxMedian) runs=\(soxTimes.map { String($0) }.joined(separator: ","))")
print("RESULT synth_hour_s=\(glideMedian) sox_hour_s=\(soxMedian) ratio=\(soxMedian / glideMedian) glide_over_silence=\(glideMedian / silenceMedian)")
