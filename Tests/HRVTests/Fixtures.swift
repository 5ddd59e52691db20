import BreathTestSupport
import Foundation
import HRV
import Numerics
import Sensor
import Testing

/// The shared recordings and reference outputs: `$BREATHD_SHARED`, else `../shared` beside the repo.
enum Fixtures {
    static var shared: URL { TestPaths.shared }

    static func url(_ relative: String) -> URL { shared.appendingPathComponent(relative) }

    static func rr(_ name: String) throws -> [Double] {
        RRText.parse(try String(contentsOf: url("data/rr/\(name)"), encoding: .utf8)).rrMilliseconds
    }

    static func jsonLines(_ relative: String) throws -> [[String: Any]] {
        try String(contentsOf: url(relative), encoding: .utf8)
            .split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    static func json(_ relative: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(relative))) as! [String: Any]
    }

    /// The RR files with reference outputs, by base name.
    static let recordings = [
        "polar_h10_slow_breathing_600s": "polar_h10_slow_breathing_600s.csv",
        "polar_h10_pvc_600s": "polar_h10_pvc_600s.txt",
        "nsr_5min": "nsr_5min.txt",
        "nsr_60min": "nsr_60min.txt",
        "healthy_holter_21h": "healthy_holter_21h.txt",
    ]
}

/// Expects `actual` to equal the reference value `expected` (a JSON number or null) within a
/// relative tolerance, in the manner of swift-numerics' `isApproximatelyEqual`.
func expectClose(
    _ actual: Double?, _ expected: Any?, relative tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    switch (actual, expected as? Double) {
    case (nil, nil):
        return
    case let (a?, e?):
        #expect(
            a.isApproximatelyEqual(to: e, relativeTolerance: tolerance),
            "\(what()): \(a) vs reference \(e)", sourceLocation: sourceLocation)
    default:
        Issue.record("\(what()): \(String(describing: actual)) vs reference \(String(describing: expected))", sourceLocation: sourceLocation)
    }
}

/// Stated tolerances of hrv-spec.md.
enum Tolerance {
    static let timeDomain = 1e-9
    static let spectral = 1e-6
}

struct NotABeat: Error, CustomStringConvertible {
    let rrMilliseconds: Double
    var description: String { "\(rrMilliseconds) ms was rejected, not taken as a beat" }
}

extension HRVEngine {
    /// `add` then `finish`, for values the test knows are beats: this beat's own update at once
    /// (the stream ends after it, so the live classifier decides it without look-ahead).
    mutating func beat(_ rrMilliseconds: Double) throws -> BeatUpdate {
        guard add(rrMilliseconds: rrMilliseconds) != .rejected else { throw NotABeat(rrMilliseconds: rrMilliseconds) }
        return finish().last!
    }

    /// Every update of a live stream, the held beats included (`finish`).
    mutating func stream(_ values: [Double]) -> [BeatUpdate] {
        values.compactMap { add(rrMilliseconds: $0).update } + finish()
    }
}
