import Testing
@testable import Pacer

/// Renders with `renderer` in buffers of the given sizes (cycled) until `frames` or the end.
func render(_ renderer: ToneRenderer, frames: Int, chunks: [Int] = [4096], changes: [(at: Int64, PacerSettings)] = []) -> [Float] {
    var out = [Float](repeating: 0, count: frames)
    var written = 0
    var chunkIndex = 0
    var pendingChanges = changes
    out.withUnsafeMutableBufferPointer { buffer in
        while written < frames, !renderer.isFinished {
            if let next = pendingChanges.first, renderer.position >= next.at {
                renderer.change(to: next.1)
                pendingChanges.removeFirst()
            }
            var size = min(chunks[chunkIndex % chunks.count], frames - written)
            if let next = pendingChanges.first, next.at > renderer.position {
                size = min(size, Int(next.at - renderer.position))
            }
            chunkIndex += 1
            let slice = UnsafeMutableBufferPointer(rebasing: buffer[written..<(written + size)])
            written += renderer.render(into: slice)
        }
    }
    return Array(out[0..<written])
}

func largestStep(_ samples: [Float]) -> Float {
    var largest: Float = 0
    for i in 1..<samples.count { largest = max(largest, abs(samples[i] - samples[i - 1])) }
    return largest
}

/// What a full-amplitude sine at `frequencyHz` steps at most between samples.
func sineStep(amplitude: Double, frequencyHz: Double, sampleRate: Int) -> Float {
    Float(amplitude * 2 * Double.pi * frequencyHz / Double(sampleRate))
}

@Suite struct SynthesisTests {
    @Test func defaultVolumeIsAboutMinusTwentyDBFSPeak() throws {
        let renderer = ToneRenderer(settings: PacerSettings(), sampleRate: 48_000, fades: try FadeSettings(inSeconds: 1, outSeconds: 1))
        let samples = render(renderer, frames: 48_000 * 30)
        let peak = samples.map(abs).max()!
        #expect(peak > 0.095 && peak <= 0.1001)
    }

    @Test(arguments: [Voice.glide, .bowl])
    func noClicksThroughFadesTurnsAndLiveChanges(voice: Voice) throws {
        let sampleRate = 48_000
        let start = PacerSettings(pattern: .standard, tone: try ToneSettings(voice: voice, volume: 0.1))
        let changes: [(at: Int64, PacerSettings)] = [
            (700_000, PacerSettings(pattern: try BreathPattern(ratePerMinute: 7, inhaleShare: try InhaleShare(ratio: "4:6")), tone: try ToneSettings(voice: voice, volume: 0.3))),
            (1_500_000, PacerSettings(
                pattern: try BreathPattern(ratePerMinute: 4, holdAfterInhaleSeconds: 2, holdAfterExhaleSeconds: 1),
                tone: try ToneSettings(voice: voice == .glide ? .bowl : .glide, volume: 0.2))),
            (2_600_000, PacerSettings(pattern: .standard, tone: try ToneSettings(voice: voice, volume: 0.05))),
        ]
        let total: Int64 = 4_000_000
        let renderer = ToneRenderer(settings: start, sampleRate: sampleRate, endSample: total)
        let samples = render(renderer, frames: Int(total), chunks: [480, 1, 1023, 4096], changes: changes)
        #expect(samples.count == Int(total))
        #expect(renderer.appliedChanges == 3)
        // The loudest setting in use and the highest pitch of any voice heard.
        let highest = max(Voice.glide.highestFrequencyHz, Voice.bowl.highestFrequencyHz)
        let bound = sineStep(amplitude: 0.3, frequencyHz: voice == .glide ? Voice.glide.highestFrequencyHz : highest, sampleRate: sampleRate)
        // Before the voice change, only this voice plays: check it against its own bound at the volume in use.
        let firstPart = Array(samples[0..<700_000])
        #expect(largestStep(firstPart) < sineStep(amplitude: 0.1, frequencyHz: voice.highestFrequencyHz, sampleRate: sampleRate))
        #expect(largestStep(samples) < bound)
        // The fades reach silence smoothly at both ends.
        #expect(abs(samples[0]) < 1e-6)
        #expect(abs(samples[samples.count - 1]) < 1e-4)
    }

    @Test(arguments: [Voice.glide, .bowl, .noise])
    func chunkingDoesNotChangeTheOutput(voice: Voice) throws {
        let settings = PacerSettings(pattern: try BreathPattern(ratePerMinute: 6.5, inhaleShare: try InhaleShare(ratio: "2:3")), tone: try ToneSettings(voice: voice))
        let whole = render(ToneRenderer(settings: settings, sampleRate: 44_100, endSample: 2_000_000), frames: 2_000_000, chunks: [2_000_000])
        let pieces = render(ToneRenderer(settings: settings, sampleRate: 44_100, endSample: 2_000_000), frames: 2_000_000, chunks: [1, 63, 64, 65, 777, 3])
        #expect(whole.count == pieces.count)
        // Compared as a count of differing samples: a failed `==` on two long arrays would print them.
        #expect(zip(whole, pieces).filter { $0 != $1 }.count == 0)
    }

    @Test func phaseStaysContinuousAcrossARateChange() throws {
        // Glide at constant volume, no fades: zero crossings must keep a period near the pitch,
        // including around the change, so the oscillator never restarts.
        let sampleRate = 48_000
        let renderer = ToneRenderer(settings: PacerSettings(), sampleRate: sampleRate, fades: try FadeSettings(inSeconds: 0, outSeconds: 0))
        let change = PacerSettings(pattern: try BreathPattern(ratePerMinute: 7), tone: .standard)
        let samples = render(renderer, frames: 1_200_000, chunks: [333], changes: [(100_000, change)])
        #expect(renderer.appliedChanges == 1)
        var last: Double? = nil
        var shortest = Double.infinity, longest = 0.0
        for i in 1..<samples.count where samples[i - 1] < 0 && samples[i] >= 0 {
            let crossing = Double(i - 1) + Double(-samples[i - 1] / (samples[i] - samples[i - 1]))
            if let last { shortest = min(shortest, crossing - last); longest = max(longest, crossing - last) }
            last = crossing
        }
        // Periods lie between 1/330 s and 1/220 s, with a little slack for interpolation.
        #expect(shortest > Double(sampleRate) / GlideTone.highFrequencyHz * 0.99)
        #expect(longest < Double(sampleRate) / GlideTone.lowFrequencyHz * 1.01)
    }

    @Test func liveChangeTakesEffectAtTheNextCycleBoundary() throws {
        let renderer = ToneRenderer(settings: PacerSettings(), sampleRate: 48_000)
        _ = render(renderer, frames: 600_000)
        let faster = PacerSettings(pattern: try BreathPattern(ratePerMinute: 7), tone: .standard)
        renderer.change(to: faster)
        #expect(renderer.pendingChangeSample == 1_047_272)
        _ = render(renderer, frames: 447_272)
        #expect(renderer.schedule.pattern.rateMilliBPM == 5500)  // not yet: the boundary is the next sample
        _ = render(renderer, frames: 1)
        #expect(renderer.schedule.originSample == 1_047_272)
        #expect(renderer.schedule.pattern.rateMilliBPM == 7000)
    }

    @Test func sineApproximationIsAccurate() {
        var worst: Double = 0
        for i in stride(from: 0, to: 1 << 32, by: 9973) {
            let phase = UInt32(i)
            let exact = _sin(2 * Double.pi * Double(phase) / 4_294_967_296.0)
            worst = max(worst, abs(Double(sine(ofPhase: phase)) - exact))
        }
        #expect(worst < 1e-5)
    }

    @Test func fadeOutOnRequestEndsTheSession() throws {
        let renderer = ToneRenderer(settings: PacerSettings(), sampleRate: 8000)
        _ = render(renderer, frames: 80_000)
        renderer.fadeOut()
        let tail = render(renderer, frames: 1_000_000)
        #expect(tail.count == 40_000)  // 5 s of fade-out at 8 kHz
        #expect(renderer.isFinished)
    }
}

@inline(__always) func _sin(_ x: Double) -> Double {
    // Taylor-free reference through the standard library's Foundation-free path.
    var s = 0.0, term = x.remainder(dividingBy: 2 * Double.pi)
    let y = term
    var n = 1.0
    for _ in 0..<30 { s += term; term *= -y * y / ((n + 1) * (n + 2)); n += 2 }
    return s
}
