// Test helper for the crash-safety test: writes one session's beats in batches, forever, reporting
// each committed batch on stdout, until the test kills it with SIGKILL mid-write.
import BreathHistory
import BreathDaemon
import BreathProtocol
import Foundation
import Logging

/// Unbuffered, so the test sees each line as soon as its batch is committed.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: breathd-history-writer DATABASE\n".utf8))
    exit(64)
}
let store = try HistoryStore(path: arguments[1], logger: Logger(label: "breathd-history-writer"))
let sessionID = try await store.beginSession(
    startedAt: Timestamp(unixSeconds: Date().timeIntervalSince1970),
    settings: SessionSettings(durationSeconds: 600, rateBreathsPerMinute: 5.5, ratio: .even, voice: .glide, volume: 0.5))
report("session \(sessionID)")

let batchSize = 50
var committed = 0
var offsetSeconds = 0.0
while true {
    var batch: [BeatRecord] = []
    for index in 0..<batchSize {
        let rrMilliseconds = 900 + 80 * sin(Double(committed + index) / 3)
        offsetSeconds += rrMilliseconds / 1000
        batch.append(
            BeatRecord(
                offsetSeconds: offsetSeconds, rrMilliseconds: rrMilliseconds, isNN: (committed + index) % 25 != 0,
                meanHeartRateBPM: 66, rmssdMilliseconds: 40, sdnnMilliseconds: 55, coherenceScore: 2.5,
                coherenceLevel: .medium, synchrony: 0.85, synchronyPhaseDegrees: 12))
    }
    try await store.appendBeats(batch, to: sessionID)
    committed += batchSize
    report("committed \(committed)")
}
