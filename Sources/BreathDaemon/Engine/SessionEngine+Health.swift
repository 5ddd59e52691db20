import BreathProtocol

extension SessionEngine {
    /// Progress counters for the watchdog and the STATUS= line for systemd. Answering is progress
    /// in itself (an idle engine does not tick): a hung engine never answers.
    public func health() -> EngineHealth {
        progressCounter &+= 1
        let playback = player.status
        return EngineHealth(
            engineProgress: progressCounter, audioPlaying: playback.state == .playing,
            audioSamples: playback.samplesPlayed, summary: summaryLine())
    }

    /// One line for `systemctl status`: e.g. "pacing 5.5/min, coherence 3.2 high, sensor ok".
    func summaryLine() -> String {
        let status = status()
        var parts: [String] = []
        switch status.state {
        case .idle: parts.append("idle")
        case .running: parts.append("pacing \(Self.compact(status.pacer.rateBreathsPerMinute))/min")
        case .paused: parts.append("paused")
        case .stopping: parts.append("ending session")
        case .assessing:
            if let a = status.assessment {
                parts.append("assessing \(a.step)/\(a.steps) at \(Self.compact(a.rateBreathsPerMinute))/min (\(a.stage.rawValue))")
            } else {
                parts.append("assessing")
            }
        }
        if let score = status.hrv.coherenceScore, let level = status.hrv.coherenceLevel {
            parts.append("coherence \(Self.oneDecimal(score)) \(level.rawValue)")
        } else if status.sensor.state == .streaming {
            parts.append("coherence in \(Int(status.hrv.warmUpSecondsLeft.rounded(.up))) s")
        }
        switch status.sensor.state {
        case .none: parts.append("no sensor")
        case .streaming: parts.append("sensor ok")
        case .connecting, .detecting: parts.append("sensor connecting")
        case .lost: parts.append("sensor lost")
        }
        if status.audio.state == .unavailable { parts.append("audio unavailable") }
        switch status.history?.state {
        case .unavailable: parts.append("no history")
        case .retrying: parts.append("history not written (\(status.history?.unsavedBeats ?? 0) beats held)")
        case .ok, nil: break
        }
        return parts.joined(separator: ", ")
    }

    private static func compact(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : oneDecimal(value)
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
