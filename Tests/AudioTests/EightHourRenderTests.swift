import BreathTestSupport
import Foundation
import Testing

/// Eight hours rendered at 4 kHz (short to write, long enough to show any drift).
@Suite struct EightHourRenderTests {
    @Test func eightHoursAreExactToTheSample() async throws {
        let sampleRate = 4000
        let dir = try temporaryDirectory("render-8h")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("eight-hours.wav")
        let result = try await ChildProcess.run(breathctlPath(), ["render", "--output", wav.path, "--minutes", "480", "--sample-rate", "\(sampleRate)", "--events"])
        #expect(result.status == 0, "\(result.stderr)")

        // Length exact.
        let total = 480 * 60 * sampleRate
        let handle = try FileHandle(forReadingFrom: wav)
        defer { try? handle.close() }
        let fileLength = try FileManager.default.attributesOfItem(atPath: wav.path)[.size] as? Int
        let header = try WavFile.header(handle.readData(ofLength: 44), fileLength: fileLength)
        #expect(header.sampleRate == sampleRate)
        #expect(header.dataBytes == total * 2)
        #expect(fileLength == 44 + total * 2)

        // Every event on the formula: cycle k starts at floor(k * 60 * sampleRate / 5.5).
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2 * 2640)
        for (i, line) in lines.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let k = Int64(i / 2)
            let start = k * 60 * Int64(sampleRate) * 10 / 55
            let nextStart = (k + 1) * 60 * Int64(sampleRate) * 10 / 55
            #expect(object["cycle"] as? Int == Int(k))
            if i % 2 == 0 {
                #expect(object["phase"] as? String == "inhale")
                #expect(object["sample"] as? Int == Int(start))
            } else {
                #expect(object["phase"] as? String == "exhale")
                #expect(object["sample"] as? Int == Int(start + (nextStart - start) / 2))
            }
        }

        // The period from the loudness envelope over the whole file: RMS in 0.25 s windows,
        // then the times it rises through the middle level, fitted with a straight line.
        let window = sampleRate / 4
        var envelope: [Double] = []
        envelope.reserveCapacity(total / window)
        var sum: Int64 = 0, filled = 0
        while true {
            let chunk = handle.readData(ofLength: 1 << 22)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { raw in
                let samples = raw.bindMemory(to: Int16.self)
                for s in samples {
                    sum += Int64(s) * Int64(s)
                    filled += 1
                    if filled == window {
                        envelope.append((Double(sum) / Double(window)).squareRoot())
                        sum = 0
                        filled = 0
                    }
                }
            }
        }
        #expect(envelope.count == total / window)
        let middle = envelope[(envelope.count / 2)..<(envelope.count / 2 + 400)]
        let level = (middle.min()! + middle.max()!) / 2
        var rises: [Double] = []
        let fadeWindows = 4 * 10  // skip the first and last 10 s, where the fades scale the envelope
        for j in (fadeWindows + 1)..<(envelope.count - fadeWindows) where envelope[j - 1] < level && envelope[j] >= level {
            let fraction = (level - envelope[j - 1]) / (envelope[j] - envelope[j - 1])
            rises.append((Double(j - 1) + fraction) * Double(window) / Double(sampleRate))
        }
        #expect(rises.count >= 2637)
        let period = fittedSpacing(rises)
        print("8-hour render: \(rises.count) rises, envelope period \(period) s, error \(period - 60 / 5.5) s")
        #expect(abs(period - 60 / 5.5) < 1e-6, "period \(period) s vs \(60 / 5.5) s")
    }
}
