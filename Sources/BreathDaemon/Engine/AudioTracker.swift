import Audio
import BreathProtocol

/// What STATUS and AUDIO events say about the sound output.
struct AudioTracker {
    let device: String
    private var lastState: AudioState = .idle
    private var lastError: String?
    /// Why the device could not be opened when last probed outside a session (start-up).
    var probeProblem: String?

    init(device: String) { self.device = device }

    func status(_ playback: PlaybackStatus) -> AudioStatus {
        AudioStatus(
            device: device, state: state(playback), xruns: playback.underruns + playback.suspends,
            lastError: playback.lastError?.description ?? (playback.state == .idle ? probeProblem : nil),
            scheduling: playback.scheduling?.description)
    }

    /// The AUDIO event to publish when the state or the last error changed.
    mutating func update(_ playback: PlaybackStatus) -> AudioEvent? {
        if playback.state != .idle { probeProblem = nil }
        let state = state(playback)
        let error = playback.lastError?.description
        guard state != lastState || error != lastError else { return nil }
        lastState = state
        lastError = error
        return AudioEvent(state: state, device: device, xruns: playback.underruns + playback.suspends, message: error)
    }

    func state(_ playback: PlaybackStatus) -> AudioState {
        switch playback.state {
        case .idle: probeProblem == nil ? .idle : .unavailable
        case .opening, .playing, .stopping: .playing
        case .waitingForDevice: .unavailable
        }
    }
}
