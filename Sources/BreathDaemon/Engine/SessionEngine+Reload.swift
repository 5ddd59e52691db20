import BreathConfig
import Logging

/// What a SIGHUP did with the configuration file it re-read.
public struct ConfigurationReload: Sendable, Equatable {
    /// Sections whose new values are in effect (the pacer's for the next session).
    public var applied: [String] = []
    /// Sections that changed but only take effect when breathd restarts.
    public var needRestart: [String] = []
}

extension SessionEngine {
    /// Takes a re-read configuration (SIGHUP). The pacer's pattern, fades and the session
    /// settings change at once: for the next session, as `set` does while idle (a running session
    /// keeps its pattern; `breathctl set` changes that). The devices, the socket, the history file
    /// and the coherence level are bound at start-up: a change to them is reported, not applied.
    public func reload(_ new: Configuration) async -> ConfigurationReload {
        var report = ConfigurationReload()
        let old = configuration
        if new.pacer != old.pacer {
            defaults = PacerChoice(new.pacer)
            report.applied.append("pacer")
        }
        if new.session != old.session { report.applied.append("session") }
        // breathctl notify reads [notify] itself, on its next start.
        if new.audio != old.audio { report.needRestart.append("audio") }
        if new.sensor != old.sensor { report.needRestart.append("sensor") }
        if new.coherence != old.coherence { report.needRestart.append("coherence") }
        if new.socket != old.socket { report.needRestart.append("socket") }
        if new.storage != old.storage { report.needRestart.append("storage") }
        // Only what was applied replaces the running configuration.
        configuration.pacer = new.pacer
        configuration.session = new.session
        if new.pacer.rateFromResonance { await takeResonanceRate() }
        return report
    }
}
