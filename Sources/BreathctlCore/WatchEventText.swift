import BreathProtocol

/// One readable line per watch event, for `breathctl watch` into a pipe or a log: the local time,
/// then what happened.
enum WatchEventText {
    static func line(_ message: ServerMessage, at time: Timestamp) -> String? {
        describe(message).map { "\(LocalTime.timeOfDay(time)) \($0)" }
    }

    static func describe(_ message: ServerMessage) -> String? {
        switch message {
        case .beat(let beat):
            return "beat \(beat.beat): rr \(Readable.setting(beat.rrMilliseconds)) ms\(beat.isNN ? "" : " (artifact)")"
        case .metrics(let metrics):
            return "metrics: " + metricsText(metrics.hrv)
        case .phase(let phase):
            return "phase \(StatusText.phaseName(phase.phase)) for \(Readable.fixed(phase.durationSeconds, decimals: 1)) s (breath \(phase.cycle))"
        case .sessionEvent(let event):
            return sessionText(event)
        case .sensor(let sensor):
            var text = "sensor \(sensor.state.rawValue)"
            if !sensor.device.isEmpty { text += " \(sensor.device) (\(sensor.format))" }
            if let message = sensor.message { text += ": \(message)" }
            return text
        case .audio(let audio):
            var text = "audio \(audio.state.rawValue) on \(audio.device), \(Readable.plural(audio.xruns, "xrun"))"
            if let message = audio.message { text += ": \(message)" }
            return text
        case .level(let level):
            var text = "coherence level \(level.level.rawValue) (score \(Readable.fixed(level.coherenceScore, decimals: 2))"
            if let previous = level.previous { text += ", was \(previous.rawValue)" }
            return text + ")"
        case .assess(let progress):
            return "assessment \(progress.session): " + AssessmentText.progress(progress, stageSecondsLeft: progress.stageRemainingSeconds)
        case .version, .status, .history, .session, .ok, .error:
            return nil
        }
    }

    static func metricsText(_ hrv: HRVSnapshot) -> String {
        var parts: [String] = []
        if let rate = hrv.meanHeartRateBPM { parts.append("HR \(Readable.fixed(rate, decimals: 1)) bpm") }
        if let rmssd = hrv.rmssdMilliseconds { parts.append("RMSSD \(Readable.fixed(rmssd, decimals: 1)) ms") }
        if let score = hrv.coherenceScore {
            parts.append("coherence \(Readable.fixed(score, decimals: 2))\(hrv.coherenceLevel.map { " \($0.rawValue)" } ?? "")")
        } else if hrv.warmUpSecondsLeft > 0 {
            parts.append("coherence warming up (\(Int(hrv.warmUpSecondsLeft.rounded(.up))) s)")
        }
        return parts.isEmpty ? "none yet" : parts.joined(separator: ", ")
    }

    static func sessionText(_ event: SessionEvent) -> String {
        let session = event.session
        switch event.event {
        case .started where session.kind == .assessment:
            return "assessment \(session.id) started: about \(Readable.duration(seconds: session.settings.durationSeconds))"
        case .started:
            let settings = session.settings
            return "session \(session.id) started: \(Readable.duration(seconds: settings.durationSeconds)) at "
                + "\(Readable.setting(settings.rateBreathsPerMinute)) breaths/min, ratio \(settings.ratio), voice \(settings.voice.rawValue)"
        case .paused, .resumed:
            return "session \(session.id) \(event.event.rawValue)"
        case .finished:
            var text = "session \(session.id) finished"
            if let reason = session.endReason { text += " (\(reason.rawValue))" }
            if let summary = session.summary {
                var parts: [String] = []
                if let rate = summary.meanHeartRateBPM { parts.append("mean HR \(Readable.fixed(rate, decimals: 1)) bpm") }
                if let score = summary.meanCoherenceScore { parts.append("mean coherence \(Readable.fixed(score, decimals: 2))") }
                let high = HistoryText.highCoherence(summary.secondsInLevel)
                if high != "-" { parts.append("high coherence \(high)") }
                if !parts.isEmpty { text += ": " + parts.joined(separator: ", ") }
            }
            return text
        }
    }
}
