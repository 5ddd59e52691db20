/// Opens and configures the output device once and closes it again: whether a session could play
/// now. breathd asks at start-up, so it can tell systemd it is ready with audio "known unavailable"
/// rather than discover it at the first session.
public enum AudioDeviceProbe {
    /// `nil` when the device opens with this configuration; otherwise why it does not.
    public static func problem(with configuration: OutputConfiguration) -> AudioError? {
        do {
            _ = try AlsaPCM(configuration: configuration)
            return nil
        } catch {
            return error
        }
    }
}
