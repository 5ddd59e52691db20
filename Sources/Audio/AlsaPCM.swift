#if canImport(Glibc)
import Glibc
#endif
import CALSA
import Logging

/// One open ALSA playback stream, mono interleaved: every C call wrapped once with its error
/// turned into an `AudioError` carrying the errno.
final class AlsaPCM {
    private let handle: OpaquePointer
    let device: String
    let sampleRate: Int
    let format: SampleFormat
    let periodFrames: Int
    let bufferFrames: Int
    /// Whether the writer paces itself by the monotonic clock (see `OutputConfiguration`).
    let paced: Bool
    /// Audio seconds per monotonic second when paced (see `OutputConfiguration.monotonicClockRate`).
    let monotonicClockRate: Double

    /// Opens and configures; libasound's own messages meanwhile go to `logger` (see `AlsaMessages`).
    static func open(_ configuration: OutputConfiguration, logger: Logger?) throws(AudioError) -> AlsaPCM {
        try AlsaMessages.during(logger) { () throws(AudioError) -> AlsaPCM in try AlsaPCM(configuration: configuration) }
    }

    init(configuration: OutputConfiguration) throws(AudioError) {
        var pcm: OpaquePointer?
        let opened = snd_pcm_open(&pcm, configuration.device, SND_PCM_STREAM_PLAYBACK, 0)
        guard opened >= 0, let pcm else { throw .alsa("open ALSA device '\(configuration.device)'", opened) }
        handle = pcm
        device = configuration.device
        format = configuration.format
        monotonicClockRate = configuration.monotonicClockRate
        paced = configuration.paceByMonotonicClock && getenv("BREATHD_AUDIO_UNPACED").map { String(cString: $0) != "1" } ?? true
        do {
            (sampleRate, periodFrames, bufferFrames) = try Self.configure(pcm, configuration)
        } catch {
            snd_pcm_close(pcm)
            throw error
        }
    }

    deinit { snd_pcm_close(handle) }

    private static func configure(_ pcm: OpaquePointer, _ c: OutputConfiguration) throws(AudioError) -> (Int, Int, Int) {
        var params: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&params) >= 0, let params else { throw .system("allocate ALSA parameters", ENOMEM) }
        defer { snd_pcm_hw_params_free(params) }
        func check(_ what: String, _ code: Int32) throws(AudioError) {
            if code < 0 { throw .alsa("\(c.device): \(what)", code) }
        }
        try check("read hardware parameters", snd_pcm_hw_params_any(pcm, params))
        try check("interleaved access", snd_pcm_hw_params_set_access(pcm, params, SND_PCM_ACCESS_RW_INTERLEAVED))
        try check("sample format \(c.format.rawValue)", snd_pcm_hw_params_set_format(pcm, params, c.format == .s16 ? SND_PCM_FORMAT_S16_LE : SND_PCM_FORMAT_FLOAT_LE))
        try check("mono", snd_pcm_hw_params_set_channels(pcm, params, 1))
        try check("resampling", snd_pcm_hw_params_set_rate_resample(pcm, params, 1))
        var rate = UInt32(c.sampleRate)
        try check("sample rate \(c.sampleRate)", snd_pcm_hw_params_set_rate_near(pcm, params, &rate, nil))
        guard rate == UInt32(c.sampleRate) else {
            throw AudioError(operation: "\(c.device): sample rate", errno: EINVAL, message: "\(c.sampleRate) Hz not supported (nearest \(rate) Hz)")
        }
        var bufferTime = UInt32(c.bufferMicroseconds)
        try check("buffer time", snd_pcm_hw_params_set_buffer_time_near(pcm, params, &bufferTime, nil))
        var periodTime = UInt32(c.periodMicroseconds)
        try check("period time", snd_pcm_hw_params_set_period_time_near(pcm, params, &periodTime, nil))
        try check("apply hardware parameters", snd_pcm_hw_params(pcm, params))
        var period: snd_pcm_uframes_t = 0
        try check("read period size", snd_pcm_hw_params_get_period_size(params, &period, nil))
        var buffer: snd_pcm_uframes_t = 0
        try check("read buffer size", snd_pcm_hw_params_get_buffer_size(params, &buffer))
        return (Int(rate), max(Int(period), 64), max(Int(buffer), Int(period)))
    }

    enum WriteOutcome {
        case written(Int)
        /// An underrun or a suspend, recovered in place: write again.
        case recovered(suspended: Bool)
    }

    /// Blocking write of interleaved frames. EINTR and EAGAIN retry; underrun (-EPIPE) and suspend
    /// (-ESTRPIPE) go through snd_pcm_recover; anything else (the device went away) throws.
    func write(_ bytes: UnsafeRawPointer, frames: Int) throws(AudioError) -> WriteOutcome {
        while true {
            let result = snd_pcm_writei(handle, bytes, snd_pcm_uframes_t(frames))
            if result >= 0 { return .written(Int(result)) }
            let code = Int32(result)
            switch -code {
            case EINTR, EAGAIN:
                continue
            case EPIPE, ESTRPIPE:
                let recovered = snd_pcm_recover(handle, code, 1)
                if recovered < 0 { throw .alsa("\(device): recover from \(-code == EPIPE ? "underrun" : "suspend")", recovered) }
                return .recovered(suspended: -code == ESTRPIPE)
            default:
                throw .alsa("\(device): write", code)
            }
        }
    }

    /// Frames written but not yet heard; 0 when unknown.
    func delayFrames() -> Int {
        var delay: snd_pcm_sframes_t = 0
        return snd_pcm_delay(handle, &delay) >= 0 ? max(Int(delay), 0) : 0
    }

    /// Plays out what is buffered, then stops.
    func drain() { _ = snd_pcm_drain(handle) }
}
