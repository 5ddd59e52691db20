import BreathTestSupport
import Foundation

/// The breathctl binary under test (`TestPaths.binDirectory`).
func breathctlPath() -> String { TestPaths.binary("breathctl") }

func temporaryDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("breathd-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// An ALSA configuration whose default PCM writes a WAV file, faster than real time (unless
/// `paced`: the player then paces itself by the monotonic clock, as it does in production).
func fileCaptureEnvironment(in dir: URL, wav: URL, paced: Bool = false) throws -> [String: String] {
    let config = dir.appendingPathComponent("asound.conf")
    try "pcm.!default { type file; slave.pcm \"null\"; file \"\(wav.path)\"; format \"wav\" }\n"
        .write(to: config, atomically: true, encoding: .utf8)
    var environment = ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + config.path]
    if !paced { environment["BREATHD_AUDIO_UNPACED"] = "1" }
    return environment
}
