import Pacer

// synthbench VOICE SECONDS [SAMPLE_RATE]: renders that much audio into a reused 16-bit buffer
// and prints the wall-clock seconds it took, for `make bench-synth` to compare with sox.
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3, let voice = Voice(rawValue: arguments[1]), let seconds = Double(arguments[2]) else {
    print("usage: synthbench glide|bowl|noise|off SECONDS [SAMPLE_RATE]")
    exit(2)
}
let sampleRate = arguments.count > 3 ? Int(arguments[3]) ?? 48_000 : 48_000
let total = Int64(seconds * Double(sampleRate))
let renderer = ToneRenderer(settings: PacerSettings(pattern: .standard, tone: try ToneSettings(voice: voice)), sampleRate: sampleRate, endSample: total)
let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 4096)
var checksum: Int64 = 0

var start = timespec()
clock_gettime(CLOCK_MONOTONIC, &start)
while !renderer.isFinished {
    let count = renderer.render(into: buffer)
    // Touch the output so the work cannot be optimised away.
    checksum &+= Int64(buffer[count / 2])
}
var end = timespec()
clock_gettime(CLOCK_MONOTONIC, &end)
let elapsed = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
print("voice=\(voice.rawValue) samples=\(total) seconds=\(elapsed) checksum=\(checksum)")
