import Audio
import BreathProtocol

/// What STATUS and AUDIO events say about the sound output.
struct AudioTracker {
    let device: String
    private var lastState: AudioState = .idle
    private var lastError: String?

    init(device: String) { self.device = device }

    func status(_ playback: PlaybackStatus) -> AudioStatus {
        AudioStatus(
            device: device, state: Self.state(playback), xruns: playback.underruns + playback.suspends,
            lastError: playback.lastError?.description)
    }

    /// The AUDIO event to publish when the state or the last error changed.
    mutating func update(_ playback: PlaybackStatus) -> AudioEvent? {
        let state = Self.state(playback)
        let error = playback.lastError?.description
        guard state != lastState || error != lastError else { return nil }
        lastState = state
        lastError = error
        return AudioEvent(state: state, device: device, xruns: playback.underruns + playback.suspends, message: error)
    }

    static func state(_ playback: PlaybackStatus) -> AudioState {
        switch playback.state {
        case .idle: .idle
        case .opening, .playing, .stopping: .playing
        case .waitingForDevice: .unavailable
        }
    }
}
