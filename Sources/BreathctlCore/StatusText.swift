import BreathProtocol

/// `breathctl status` as text: one labelled line per part of the daemon.
enum StatusText {
    static func render(_ status: StatusReply) -> String {
        let rows: [(String, String)] = [
            ("state", state(status)),
            ("pacer", pacer(status.pacer, state: status.state, pacing: status.assessment.map { $0.stage == .pacing } ?? true)),
        ] + (status.assessment.map { [("assessment", AssessmentText.progress($0, stageSecondsLeft: $0.stageRemainingSeconds))] } ?? []) + [
            ("heart", heart(status.hrv, beats: status.sensor.beats)),
            ("coherence", coherence(status.hrv)),
        ] + (status.hrv.synchrony == nil ? [] : [("following", following(status.hrv))]) + [
            ("sensor", sensor(status.sensor)),
            ("audio", audio(status.audio)),
        ] + (status.history.map { [("history", history($0))] } ?? [])
            + (status.eventLoop.map { [("event loop", eventLoop($0))] } ?? [])
        return rows.map { label, text in label.leftAligned(width: 11) + text }.joined(separator: "\n") + "\n"
    }

    /// "ok, /path"; when it is not, why and what to do.
    static func history(_ history: HistoryStatus) -> String {
        var text: String
        switch history.state {
        case .ok: text = "ok, \(history.path)"
        case .retrying: text = "not written yet, \(history.unsavedBeats) beats held in memory and retried"
        case .unavailable: text = "unavailable, pacing without history"
        }
        if let problem = history.problem { text += ": \(problem)" }
        if let moved = history.movedAside { text += " (a corrupt database was moved to \(moved))" }
        return text
    }

    /// "SCHED_FIFO priority 3 via direct"; after a demotion, says it and why.
    static func eventLoop(_ loop: EventLoopStatus) -> String {
        var text = loop.scheduling
        if loop.demotions > 0 {
            text += ", put back to normal scheduling \(Readable.plural(loop.demotions, "time")) "
                + "for using up its real-time budget (50 ms of CPU without a pause)"
        }
        if let reader = loop.sensorReaderDemotions, reader > 0 {
            text += "; sensor reader put back to normal scheduling \(Readable.plural(reader, "time")) for the same"
        }
        return text
    }

    static func state(_ status: StatusReply) -> String {
        guard let session = status.session else { return status.state.rawValue }
        return "\(status.state.rawValue), session \(session.id): \(Readable.duration(seconds: session.elapsedSeconds, rounding: .down)) elapsed, "
            + "\(Readable.duration(seconds: session.remainingSeconds, rounding: .up)) left"
    }

    /// `pacing`: false between an assessment's paced parts, when there is no breath to show.
    static func pacer(_ pacer: PacerStatus, state: DaemonState, pacing: Bool = true) -> String {
        var text = "\(Readable.setting(pacer.rateBreathsPerMinute)) breaths/min\(rateSource(pacer)), ratio \(pacer.ratio), "
            + "voice \(pacer.voice.rawValue), volume \(Readable.percent(share: pacer.volume))"
        if state != .idle && pacing {
            text += "; \(phaseName(pacer.phase)) \(Readable.percent(share: pacer.progress)), breath \(pacer.cycle)"
        }
        return text
    }

    /// " (resonance, assessment 12)"; nothing for a configured rate.
    static func rateSource(_ pacer: PacerStatus) -> String {
        switch pacer.rateSource {
        case .resonance?: " (resonance\(pacer.resonanceSession.map { ", assessment \($0)" } ?? ""))"
        case .start?: " (from start)"
        case .set?: " (set)"
        case .assessment?: " (assessment step)"
        case .configuration?, nil: ""
        }
    }

    static func heart(_ hrv: HRVSnapshot, beats: Int) -> String {
        guard let heartRate = hrv.meanHeartRateBPM else { return beats > 0 ? "too few beats yet" : "no beats yet" }
        var parts = ["\(Readable.fixed(heartRate, decimals: 1)) bpm"]
        if let rmssd = hrv.rmssdMilliseconds { parts.append("RMSSD \(Readable.fixed(rmssd, decimals: 1)) ms") }
        if let sdnn = hrv.sdnnMilliseconds { parts.append("SDNN \(Readable.fixed(sdnn, decimals: 1)) ms") }
        if let pnn50 = hrv.pnn50Percent { parts.append("pNN50 \(Readable.fixed(pnn50, decimals: 1)) %") }
        return parts.joined(separator: ", ")
    }

    /// "following the pacer: yes (synchrony 0.93, heart 35° behind the breath)".
    static func following(_ hrv: HRVSnapshot) -> String {
        guard let synchrony = hrv.synchrony, let answer = hrv.followingPacer else { return "-" }
        var text = "the pacer: \(answer) (synchrony \(Readable.fixed(synchrony, decimals: 2))"
        if let phase = hrv.synchronyPhaseDegrees {
            text += ", heart \(Int(abs(phase).rounded()))° \(phase >= 0 ? "behind" : "ahead of") the breath"
        }
        return text + ")"
    }

    static func coherence(_ hrv: HRVSnapshot) -> String {
        let artifacts = "artifacts \(Readable.fixed(hrv.artifactPercent, decimals: 1)) %"
        guard let score = hrv.coherenceScore else {
            if hrv.warmUpSecondsLeft > 0 {
                return "warming up: \(Int(hrv.warmUpSecondsLeft.rounded(.up))) s of beats still needed"
            }
            return "not computed yet; \(artifacts)"
        }
        var text = Readable.fixed(score, decimals: 2)
        if let level = hrv.coherenceLevel { text += " \(level.rawValue)" }
        var details: [String] = []
        if let ratio = hrv.coherenceRatio { details.append("ratio \(Readable.fixed(ratio, decimals: 2))") }
        if let peak = hrv.peakFrequencyHz { details.append("peak \(Readable.fixed(peak, decimals: 3)) Hz") }
        if !details.isEmpty { text += " (\(details.joined(separator: ", ")))" }
        return text + ", \(artifacts)"
    }

    static func sensor(_ sensor: SensorStatus) -> String {
        if sensor.state == .none { return "none configured" }
        var text = "\(sensor.state.rawValue) \(sensor.device) (\(sensor.format)): \(Readable.plural(sensor.beats, "beat")), "
            + "\(Readable.plural(sensor.artifacts, "artifact")), \(Readable.plural(sensor.rejectedLines, "rejected line"))"
        if let since = sensor.secondsSinceLastBeat { text += ", last beat \(Readable.fixed(since, decimals: 1)) s ago" }
        if let hz = sensor.sampleRateHz {
            text += ", \(Readable.fixed(hz, decimals: 1)) Hz" + (sensor.sampleRateSource == "estimated" ? " (measured from arrival times)" : "")
        }
        if sensor.lowPrecisionBeats > 0 {
            text += ", \(Readable.plural(sensor.lowPrecisionBeats, "beat")) from heart rate only (RR-based HRV is approximate)"
        }
        if sensor.droppedEvents > 0 { text += ", \(Readable.plural(sensor.droppedEvents, "event")) dropped" }
        if let reconnects = sensor.reconnects, reconnects > 0 { text += ", \(Readable.plural(reconnects, "reconnect"))" }
        if let problem = sensor.problem { text += " (\(problem))" }
        return text
    }

    static func audio(_ audio: AudioStatus) -> String {
        var text = "\(audio.state.rawValue) on \(audio.device), \(Readable.plural(audio.xruns, "xrun"))"
        if let error = audio.lastError { text += " (last error: \(error))" }
        if let scheduling = audio.scheduling { text += "; audio thread \(scheduling)" }
        return text
    }

    static func phaseName(_ phase: BreathPhase) -> String {
        switch phase {
        case .inhale: "inhale"
        case .holdIn: "hold (in)"
        case .exhale: "exhale"
        case .holdOut: "hold (out)"
        }
    }
}

extension String {
    /// Left-aligned in a column of at least `length` characters.
    func leftAligned(width length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
