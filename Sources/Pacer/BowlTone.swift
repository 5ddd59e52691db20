#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `bowl` voice: a quiet drone, and a bell-like chime at the start of each inhale (higher)
/// and each exhale (lower). Chimes are struck by raising their envelope from wherever it is over a
/// short raised-cosine attack, and their oscillators run on untouched, so a strike never clicks.
struct BowlTone {
    static let droneHz = 110.0
    static let inhaleChimeHz = 330.0
    static let exhaleChimeHz = 247.5
    /// Slightly inharmonic partials, like a singing bowl, with falling weights.
    static let partialRatios = (1.0, 2.32, 4.25)
    static let partialWeights: (Float, Float, Float) = (0.72, 0.2, 0.08)
    static let droneShare: Float = 0.25
    static let chimeShare: Float = 0.75
    static let attackSeconds = 0.03
    static let decaySeconds = 1.6

    struct Chime {
        var phases: (UInt32, UInt32, UInt32) = (0, 0, 0)
        let increments: (UInt32, UInt32, UInt32)
        var strikeSample: Int64? = nil
        var levelAtStrike = 0.0

        init(frequencyHz: Double, sampleRate: Int) {
            increments = (
                phaseIncrement(frequencyHz: frequencyHz * BowlTone.partialRatios.0, sampleRate: sampleRate),
                phaseIncrement(frequencyHz: frequencyHz * BowlTone.partialRatios.1, sampleRate: sampleRate),
                phaseIncrement(frequencyHz: frequencyHz * BowlTone.partialRatios.2, sampleRate: sampleRate)
            )
        }

        func envelope(at n: Int64, attackSamples: Int64, decaySamples: Double) -> Double {
            guard let strike = strikeSample, n >= strike else { return 0 }
            let t = n - strike
            if t < attackSamples {
                return levelAtStrike + (1 - levelAtStrike) * raisedCosineRamp(t, length: attackSamples)
            }
            return exp(-Double(t - attackSamples) / decaySamples)
        }

        mutating func strike(at n: Int64, attackSamples: Int64, decaySamples: Double) {
            levelAtStrike = envelope(at: n, attackSamples: attackSamples, decaySamples: decaySamples)
            strikeSample = n
        }
    }

    let attackSamples: Int64
    let decaySamples: Double
    var dronePhase: UInt32 = 0
    let droneIncrement: UInt32
    var inhaleChime: Chime
    var exhaleChime: Chime

    init(sampleRate: Int) {
        attackSamples = Int64(Self.attackSeconds * Double(sampleRate))
        decaySamples = Self.decaySeconds * Double(sampleRate)
        droneIncrement = phaseIncrement(frequencyHz: Self.droneHz, sampleRate: sampleRate)
        inhaleChime = Chime(frequencyHz: Self.inhaleChimeHz, sampleRate: sampleRate)
        exhaleChime = Chime(frequencyHz: Self.exhaleChimeHz, sampleRate: sampleRate)
    }

    mutating func strike(_ phase: BreathPhase, at n: Int64) {
        switch phase {
        case .inhale: inhaleChime.strike(at: n, attackSamples: attackSamples, decaySamples: decaySamples)
        case .exhale: exhaleChime.strike(at: n, attackSamples: attackSamples, decaySamples: decaySamples)
        case .holdIn, .holdOut: break
        }
    }

    /// Adds `count` samples starting `offset` samples into the control segment [s0, s1);
    /// `gain` is the voice's overall amplitude across the segment.
    mutating func add(into out: UnsafeMutablePointer<Float>, count: Int, offset: Int, segment: (s0: Int64, s1: Int64), gain: LinearRamp) {
        let drone = dronePhase
        let droneIncrement = droneIncrement
        for i in 0..<count {
            let p = drone &+ UInt32(truncatingIfNeeded: i) &* droneIncrement
            out[i] += Self.droneShare * gain.at(offset &+ i) * sine(ofPhase: p)
        }
        dronePhase = drone &+ UInt32(truncatingIfNeeded: count) &* droneIncrement
        addChime(&inhaleChime, into: out, count: count, offset: offset, segment: segment, gain: gain)
        addChime(&exhaleChime, into: out, count: count, offset: offset, segment: segment, gain: gain)
    }

    private func addChime(_ chime: inout Chime, into out: UnsafeMutablePointer<Float>, count: Int, offset: Int, segment: (s0: Int64, s1: Int64), gain: LinearRamp) {
        let env0 = chime.envelope(at: segment.s0, attackSamples: attackSamples, decaySamples: decaySamples)
        let env1 = chime.envelope(at: segment.s1, attackSamples: attackSamples, decaySamples: decaySamples)
        let (p0, p1, p2) = chime.phases
        let (i0, i1, i2) = chime.increments
        defer {
            let c = UInt32(truncatingIfNeeded: count)
            chime.phases = (p0 &+ c &* i0, p1 &+ c &* i1, p2 &+ c &* i2)
        }
        // A silent chime only needs its phases advanced.
        if env0 == 0 && env1 == 0 { return }
        let envelope = LinearRamp(from: env0, to: env1, over: segment.s1 - segment.s0)
        let (w0, w1, w2) = Self.partialWeights
        for i in 0..<count {
            let k = UInt32(truncatingIfNeeded: i)
            let s = w0 * sine(ofPhase: p0 &+ k &* i0) + w1 * sine(ofPhase: p1 &+ k &* i1) + w2 * sine(ofPhase: p2 &+ k &* i2)
            out[i] += Self.chimeShare * gain.at(offset &+ i) * envelope.at(offset &+ i) * s
        }
    }
}
