/// Renders the pacer tone, sample by sample along the schedule, into caller-owned buffers.
///
/// One renderer belongs to one thread (the audio thread, or a file writer). `render` allocates
/// nothing and takes no lock: its state is plain stored values and one scratch buffer allocated
/// up front. Control values (breath level, pitch, loudness) are computed once per block of at most
/// `controlBlockFrames` and interpolated linearly inside it; blocks are split at every phase
/// boundary, so a change lands on its exact sample and a chime is struck on its exact sample.
public final class ToneRenderer {
    /// Short enough that the pitch steps between segments stay far below hearing (5.3 ms at
    /// 48 kHz: the glide moves about 0.1 Hz per segment), long enough that control costs little.
    static let controlBlockFrames = 256
    static let scratchFrames = 1024
    /// Loudness and voice changes glide over these times rather than jumping.
    public static let volumeGlideSeconds = 1.0
    public static let voiceCrossfadeSeconds = 2.0

    public let sampleRate: Int
    public private(set) var schedule: PacerSchedule
    public private(set) var tone: ToneSettings
    /// The next sample to render: also the number rendered so far.
    public private(set) var position: Int64 = 0
    /// How many live changes have taken effect (each at a cycle boundary).
    public private(set) var appliedChanges = 0

    private var pending: PacerSettings?
    /// The cycle being rendered, so most blocks need no integer division.
    private var layout: PacerSchedule.CycleLayout?
    /// The breath level at the end of the last control segment, which starts the next one.
    private var lastBreath: (sample: Int64, level: Double) = (-1, 0)
    private let fadeInSamples: Int64
    private let fadeOutSamples: Int64
    private var fadeOutStart: Int64?

    private var volume: Glide
    private var glideGain: Glide
    private var bowlGain: Glide
    private var noiseGain: Glide

    /// The glide voice's state, allocated up front like `scratch`: held in a stored property,
    /// every segment paid a runtime exclusivity check (swift_beginAccess, about 90 instructions)
    /// because the oscillator's seeding is not inlined into the access.
    private let glide: UnsafeMutablePointer<GlideTone>
    /// How the glide voice computes its sine (chosen by sample rate); the tests set the references here.
    var glideRendering: GlideTone.Rendering {
        get { glide.pointee.rendering }
        set { glide.pointee.rendering = newValue }
    }
    private var bowl: BowlTone
    private var noise: NoiseTone
    private let scratch: UnsafeMutableBufferPointer<Float>

    /// - Parameter endSample: when set, the session ends there, its fade-out finishing on that sample.
    public init(settings: PacerSettings, sampleRate: Int, fades: FadeSettings = .standard, endSample: Int64? = nil) {
        self.sampleRate = sampleRate
        schedule = PacerSchedule(pattern: settings.pattern, sampleRate: sampleRate)
        tone = settings.tone
        fadeInSamples = Int64((fades.inSeconds * Double(sampleRate)).rounded())
        fadeOutSamples = Int64((fades.outSeconds * Double(sampleRate)).rounded())
        if let endSample { fadeOutStart = max(0, endSample - fadeOutSamples) }
        volume = Glide(settings.tone.volume)
        glideGain = Glide(settings.tone.voice == .glide ? 1 : 0)
        bowlGain = Glide(settings.tone.voice == .bowl ? 1 : 0)
        noiseGain = Glide(settings.tone.voice == .noise ? 1 : 0)
        bowl = BowlTone(sampleRate: sampleRate)
        noise = NoiseTone(sampleRate: sampleRate)
        scratch = .allocate(capacity: Self.scratchFrames)
        scratch.initialize(repeating: 0)
        glide = .allocate(capacity: 1)
        glide.initialize(to: GlideTone(sampleRate: sampleRate))
    }

    deinit {
        scratch.deallocate()
        glide.deinitialize(count: 1)
        glide.deallocate()
    }

    /// Sample where the session ends (the fade-out's last sample + 1), once known.
    public var endSample: Int64? { fadeOutStart.map { $0 + fadeOutSamples } }

    public var isFinished: Bool { endSample.map { position >= $0 } ?? false }

    /// Takes effect at the first cycle boundary at or after the next sample rendered; a second
    /// call before then replaces the first.
    public func change(to settings: PacerSettings) {
        pending = settings
    }

    /// Where the pending change will take effect, if there is one.
    public var pendingChangeSample: Int64? {
        pending == nil ? nil : schedule.cycleBoundary(atOrAfter: position)
    }

    /// Starts the fade-out now (or keeps an earlier one).
    public func fadeOut() {
        let start = position
        if let current = fadeOutStart, current <= start { return }
        fadeOutStart = start
    }

    /// Fills `buffer` from the current position; returns the number of frames written, fewer than
    /// the buffer holds only when the session ends inside it.
    public func render(into buffer: UnsafeMutableBufferPointer<Float>) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var written = 0
        while written < buffer.count, !isFinished {
            written += renderBlock(into: base + written, maxFrames: buffer.count - written)
        }
        return written
    }

    /// As `render(into:)` for Float, converted to 16-bit with rounding and clipping.
    public func render(into buffer: UnsafeMutableBufferPointer<Int16>) -> Int {
        guard let base = buffer.baseAddress, let scratchBase = scratch.baseAddress else { return 0 }
        var written = 0
        while written < buffer.count, !isFinished {
            let chunk = render(into: UnsafeMutableBufferPointer(start: scratchBase, count: min(scratch.count, buffer.count - written)))
            let out = base + written
            for i in 0..<chunk {
                // Clamp first, then round half to even by adding 1.5 · 2^23: the float's low
                // mantissa bits are then the rounded integer in two's complement. Integer and
                // float adds only, so the loop vectorises (`rounded()` called libm's rintf per
                // sample: 25 instructions a sample, more than the whole glide voice).
                let scaled = min(max(scratchBase[i] * 32767, -32768), 32767)
                out[i] = Int16(truncatingIfNeeded: (scaled + 12_582_912).bitPattern)
            }
            written += chunk
            if chunk == 0 { break }
        }
        return written
    }

    private func applyPendingChange() {
        guard let settings = pending else { return }
        pending = nil
        appliedChanges += 1
        if settings.pattern != schedule.pattern {
            schedule = schedule.changing(to: settings.pattern, atBoundaryAtOrAfter: position)
            layout = nil
        }
        let newTone = settings.tone
        if newTone.volume != tone.volume {
            volume.start(to: newTone.volume, at: position, overSamples: Int64(Self.volumeGlideSeconds * Double(sampleRate)))
        }
        if newTone.voice != tone.voice {
            let samples = Int64(Self.voiceCrossfadeSeconds * Double(sampleRate))
            glideGain.start(to: newTone.voice == .glide ? 1 : 0, at: position, overSamples: samples)
            bowlGain.start(to: newTone.voice == .bowl ? 1 : 0, at: position, overSamples: samples)
            noiseGain.start(to: newTone.voice == .noise ? 1 : 0, at: position, overSamples: samples)
        }
        tone = newTone
    }

    private func fade(at n: Int64) -> Double {
        var gain = raisedCosineRamp(n, length: fadeInSamples)
        if let start = fadeOutStart {
            gain *= 1 - raisedCosineRamp(n - start, length: fadeOutSamples)
        }
        return gain
    }

    /// Renders from `position` to the end of its control segment or of the buffer; returns the
    /// frames written. Control segments lie on a fixed grid of `controlBlockFrames`, cut at phase
    /// boundaries and fade-out start and end, so they, and with them the output, do not depend on
    /// how the caller sizes its buffers.
    private func renderBlock(into out: UnsafeMutablePointer<Float>, maxFrames: Int) -> Int {
        let n0 = position
        if layout == nil || n0 >= layout!.end || n0 < layout!.start {
            layout = schedule.layout(ofCycleContaining: n0)
        }
        if pending != nil, layout!.start == n0 {
            applyPendingChange()
            if layout == nil { layout = schedule.layout(ofCycleContaining: n0) }
        }
        let here = PacerSchedule.position(at: n0, in: layout!)
        if here.phaseStart == n0 { bowl.strike(here.phase, at: n0) }

        let grid = Int64(Self.controlBlockFrames)
        var s0 = max(n0 / grid * grid, here.phaseStart, schedule.originSample)
        var s1 = min(n0 / grid * grid + grid, here.phaseStart + here.phaseLength)
        if let end = endSample { s1 = min(s1, end) }
        if let start = fadeOutStart {
            if start > n0 { s1 = min(s1, start) } else { s0 = max(s0, start) }
        }
        let count = Int(min(s1, n0 + Int64(maxFrames)) - n0)
        let offset = Int(n0 - s0)
        let span = s1 - s0

        let breath0 = lastBreath.sample == s0
            ? lastBreath.level : breathLevel(here.phase, progress: Double(s0 - here.phaseStart) / Double(here.phaseLength))
        let breath1 = breathLevel(here.phase, progress: Double(s1 - here.phaseStart) / Double(here.phaseLength))
        if s1 < here.phaseStart + here.phaseLength { lastBreath = (s1, breath1) }
        let common0 = volume.value(at: s0) * fade(at: s0)
        let common1 = volume.value(at: s1) * fade(at: s1)

        let glide0 = glideGain.value(at: s0), glide1 = glideGain.value(at: s1)
        // The frequency of the segment's middle keeps the phase increment constant inside it.
        let glideIncrement = phaseIncrement(frequencyHz: GlideTone.frequencyHz(breath: (breath0 + breath1) / 2), sampleRate: sampleRate)
        if glide0 > 0 || glide1 > 0 {
            // The first voice stores rather than adds, so `out` need not be cleared first.
            let amplitude = LinearRamp(
                from: common0 * glide0 * GlideTone.shape(breath: breath0),
                to: common1 * glide1 * GlideTone.shape(breath: breath1), over: span)
            glide.pointee.add(into: out, count: count, offset: offset, increment: glideIncrement, amplitude: amplitude, replacing: true)
        } else {
            for i in 0..<count { out[i] = 0 }
            glide.pointee.phase &+= UInt32(truncatingIfNeeded: count) &* glideIncrement
        }

        let bowl0 = bowlGain.value(at: s0), bowl1 = bowlGain.value(at: s1)
        if bowl0 > 0 || bowl1 > 0 {
            bowl.add(into: out, count: count, offset: offset, segment: (s0, s1), gain: LinearRamp(from: common0 * bowl0, to: common1 * bowl1, over: span))
        }

        let noise0 = noiseGain.value(at: s0), noise1 = noiseGain.value(at: s1)
        if noise0 > 0 || noise1 > 0 {
            noise.add(
                into: out, count: count, offset: offset,
                amplitude: LinearRamp(
                    from: common0 * noise0 * NoiseTone.shape(breath: breath0),
                    to: common1 * noise1 * NoiseTone.shape(breath: breath1), over: span))
        }

        position = n0 + Int64(count)
        return count
    }
}
