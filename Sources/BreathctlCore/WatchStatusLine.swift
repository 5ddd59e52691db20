import BreathProtocol
import Foundation
import SystemCalls

/// `watch --format TEMPLATE` and `watch --waybar`: one line per change for status bars (waybar,
/// polybar, i3blocks). A template names fields in braces: `{phase} {hr} bpm {coherence_score}`.
struct WatchStatusLine {
    /// The fields a template may use, each with what it shows; stale figures read `-`.
    static let fields: KeyValuePairs<String, String> = [
        "state": "idle, running, paused, assessing or stopping",
        "phase": "inhale, hold, exhale (empty when no session runs)",
        "breath": "the breath's number in the session",
        "rate": "breaths per minute of the pacer",
        "hr": "heart rate of the latest normal beat, bpm",
        "hr_mean": "mean heart rate over 64 s, bpm",
        "rmssd": "RMSSD over 64 s, ms",
        "coherence_score": "coherence score (0-16)",
        "level": "coherence level: low, medium, high",
        "synchrony": "breath-heart synchrony (0-1)",
        "following": "following the pacer: yes, no, unsure",
        "elapsed": "session time elapsed, m:ss",
        "left": "session time left, m:ss",
        "session": "the session's id",
        "sensor": "sensor state",
        "audio": "audio state",
    ]

    static let defaultTemplate = "{phase} {hr} bpm · {coherence_score} {level}"

    enum Part: Equatable {
        case text(String)
        case field(String)
    }

    let parts: [Part]

    /// Parses `template`; an unknown field or an unclosed brace is an error naming it.
    init(template: String) throws(CommandFailure) {
        var parts: [Part] = [], rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw CommandFailure(message: "--format: unclosed { in \"\(template)\"", exitCode: ExitStatus.usage.rawValue)
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard Self.fields.contains(where: { $0.key == name }) else {
                throw CommandFailure(
                    message: "--format: unknown field {\(name)}; fields: \(Self.fields.map { "{\($0.key)}" }.joined(separator: " "))",
                    exitCode: ExitStatus.usage.rawValue)
            }
            parts.append(.field(name))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    func render(_ model: WatchModel, at now: Double) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .field(let name): Self.value(name, model, at: now)
            }
        }.joined().trimmingCharacters(in: .whitespaces)
    }

    /// A waybar custom module's JSON line (`"return-type": "json"`): text, tooltip, class, percentage.
    func waybar(_ model: WatchModel, at now: Double) -> String {
        var object: [String: Any] = [
            "text": render(model, at: now),
            "tooltip": Self.tooltip(model, at: now),
            // A class per level lets the bar colour it: #custom-breathd.high { color: ... }.
            "class": [model.state.rawValue] + (Self.value("level", model, at: now) == "-" ? [] : [Self.value("level", model, at: now)]),
        ]
        if let score = model.coherenceScore, model.metricsAge(at: now) == nil {
            // The score against the top of its scale (16), for format-icons.
            object["percentage"] = Int((min(16, score) / 16 * 100).rounded())
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func tooltip(_ model: WatchModel, at now: Double) -> String {
        var lines = ["breathd \(model.state.rawValue)"]
        if model.session != nil { lines.append("session \(value("session", model, at: now)): \(value("elapsed", model, at: now)) elapsed, \(value("left", model, at: now)) left") }
        lines.append("heart \(value("hr_mean", model, at: now)) bpm, RMSSD \(value("rmssd", model, at: now)) ms")
        lines.append("coherence \(value("coherence_score", model, at: now)) \(value("level", model, at: now))")
        lines.append("sensor \(value("sensor", model, at: now)), audio \(value("audio", model, at: now))")
        return lines.joined(separator: "\n")
    }

    static func value(_ name: String, _ model: WatchModel, at now: Double) -> String {
        let heartFresh = model.beatAge(at: now) == nil
        let metricsFresh = model.metricsAge(at: now) == nil
        func number(_ value: Double?, _ decimals: Int, fresh: Bool) -> String {
            guard fresh, let value else { return "-" }
            return Readable.fixed(value, decimals: decimals)
        }
        switch name {
        case "state": return model.state.rawValue
        case "phase":
            guard let phase = model.phase, model.state != .idle else { return "" }
            return model.state == .paused ? "paused" : StatusText.phaseName(phase.phase)
        case "breath": return model.phase.map { String($0.cycle) } ?? "-"
        case "rate": return model.pacerPattern.map { Readable.fixed($0.rateBreathsPerMinute, decimals: 1) } ?? "-"
        case "hr": return number(model.instantHeartRateBPM, 0, fresh: heartFresh && model.lastBeatArrival != nil)
        case "hr_mean": return number(model.heartRateBPM, 1, fresh: metricsFresh)
        case "rmssd": return number(model.hrv?.rmssdMilliseconds, 0, fresh: metricsFresh)
        case "coherence_score": return number(model.coherenceScore, 2, fresh: metricsFresh)
        case "level": return metricsFresh ? model.coherenceLevel?.rawValue ?? "-" : "-"
        case "synchrony": return number(model.hrv?.synchrony, 2, fresh: metricsFresh)
        case "following": return metricsFresh ? model.hrv?.followingPacer ?? "-" : "-"
        case "elapsed": return model.session.map { Readable.duration(seconds: $0.elapsedSeconds(at: now), rounding: .down) } ?? "-"
        case "left":
            return model.session.map { Readable.duration(seconds: $0.durationSeconds - $0.elapsedSeconds(at: now), rounding: .up) } ?? "-"
        case "session": return model.session.map { String($0.id) } ?? "-"
        case "sensor": return model.sensorState.rawValue
        case "audio": return model.audioState.rawValue
        default: return "-"
        }
    }
}
