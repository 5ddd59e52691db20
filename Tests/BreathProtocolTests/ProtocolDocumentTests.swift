import BreathProtocol
import Foundation
import Testing

/// docs/protocol.md shows an example of every object; each must decode, and each class and command
/// must have one.
@Suite struct ProtocolDocumentTests {
    let lines: [String]

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        var inExample = false
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inExample = line == "```jsonl"
            } else if inExample {
                lines.append(String(line))
            }
        }
        self.lines = lines
    }

    @Test func everyExampleDecodesAndEncodesBackIdentically() throws {
        #expect(lines.count > 30)
        for line in lines {
            if line.hasPrefix("{\"cmd\"") {
                let request = try LineCodec.decodeRequest(line)
                #expect(String(decoding: LineCodec.encodeLine(request), as: UTF8.self) == line + "\n")
            } else {
                let message = try LineCodec.decodeServerMessage(line)
                #expect(String(decoding: LineCodec.encodeLine(message), as: UTF8.self) == line + "\n", "\(line)")
            }
        }
    }

    @Test func everyClassAndCommandHasAnExample() throws {
        let classes = Set(try lines.filter { $0.hasPrefix("{\"class\"") }.map { try LineCodec.decodeServerMessage($0).messageClass })
        #expect(classes == ["VERSION", "STATUS", "HISTORY", "SESSION", "OK", "ERROR", "BEAT", "METRICS", "PHASE", "SENSOR", "AUDIO", "LEVEL", "ASSESS"])
        let commands = Set(try lines.filter { $0.hasPrefix("{\"cmd\"") }.map { try LineCodec.decodeRequest($0).command })
        #expect(commands == Set(Request.Command.allCases))
        let settings = Set(lines.compactMap { line -> Setting.Key? in
            guard case .set(let setting) = try? LineCodec.decodeRequest(line) else { return nil }
            return setting.key
        })
        #expect(settings == Set(Setting.Key.allCases))
        let sessionEvents = lines.filter { $0.hasPrefix("{\"class\":\"SESSION\",\"event\"") }
        #expect(sessionEvents.count == 3)
    }

    @Test func documentedErrorsAreTheOnesSent() throws {
        for (line, error) in [
            (#"{"cmd":"dance"}"#, RequestError.unknownCommand("dance")),
            ("{", .invalidJSON),
            (#"{"cmd":"start","rate":12}"#, .badArgument(command: "start", name: "rate", value: "12", reason: "must be between 4.0 and 7.0 breaths per minute")),
            (#"{"cmd":"start","minuts":1}"#, .unknownArgument(command: "start", name: "minuts")),
        ] {
            #expect(throws: error) { try LineCodec.decodeRequest(line) }
            let documented = String(decoding: LineCodec.encodeLine(.error(error.description)), as: UTF8.self)
            #expect(lines.contains(String(documented.dropLast())), "\(documented)")
        }
    }
}
